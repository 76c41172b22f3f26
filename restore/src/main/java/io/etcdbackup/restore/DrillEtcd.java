package io.etcdbackup.restore;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.run.Cancellation;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A throwaway single-member etcd on a drill's restored data dir: loopback client and peer ports the
 * kernel handed out (never 2379/2380, never a live member's), its own cluster token (baked into the
 * data dir by the restore), and an environment without {@code ETCD_*}/{@code ETCDCTL_*}, so that
 * flags a pod sets for a live member ({@code ETCD_INITIAL_CLUSTER}, {@code ETCD_LISTEN_*}) cannot
 * reach it. Closing it stops the process: SIGTERM, then SIGKILL after {@link #STOP_GRACE}.
 */
final class DrillEtcd implements AutoCloseable {
  static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL = Duration.ofMillis(200);

  private final Process process;
  private final String clientUrl;
  private final Path log;
  private Client client;

  private DrillEtcd(Process process, String clientUrl, Path log) {
    this.process = process;
    this.clientUrl = clientUrl;
    this.log = log;
  }

  /** Two distinct free loopback ports: client, then peer. */
  static int[] freeLoopbackPorts() throws IOException {
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (ServerSocket a = new ServerSocket(0, 1, lo); ServerSocket b = new ServerSocket(0, 1, lo)) {
      return new int[] {a.getLocalPort(), b.getLocalPort()};
    }
  }

  static String loopbackUrl(int port) {
    return "http://127.0.0.1:" + port;
  }

  /** Starts {@code binary} on {@code member} (restored with peer URL {@code loopbackUrl(peerPort)}). */
  static DrillEtcd start(Path binary, RestoredMember member, int clientPort, int peerPort, Path log) throws IOException {
    String clientUrl = loopbackUrl(clientPort);
    List<String> cmd = new ArrayList<>(List.of(binary.toString()));
    cmd.addAll(member.etcdFlags());
    cmd.addAll(List.of("--listen-peer-urls", loopbackUrl(peerPort), "--listen-client-urls", clientUrl,
        "--advertise-client-urls", clientUrl, "--logger", "zap", "--log-outputs", "stderr"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("ETCD_") || k.startsWith("ETCDCTL_"));
    return new DrillEtcd(pb.start(), clientUrl, log);
  }

  String clientUrl() {
    return clientUrl;
  }

  /**
   * Waits until {@code GET /health} answers {@code "health":"true"} (a leader, no alarm).
   *
   * @throws EtcdBackupException if etcd exits or is not healthy within {@code timeout}, with its log's tail
   */
  void awaitHealthy(Duration timeout, Cancellation cancel) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create(clientUrl + "/health")).timeout(Duration.ofSeconds(2)).build();
    long end = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (true) {
      if (!process.isAlive()) {
        throw new EtcdBackupException("the drill's etcd exited with code " + process.exitValue()
            + " before it was healthy; its log ends with: " + logTail());
      }
      try {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().replace(" ", "").contains("\"health\":\"true\"")) {
          return;
        }
        last = r.statusCode() + " " + r.body().strip();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new EtcdBackupException("interrupted while waiting for the drill's etcd", e);
      }
      if (System.nanoTime() > end) {
        throw new EtcdBackupException("the drill's etcd at " + clientUrl + " was not healthy within "
            + timeout.toSeconds() + "s (last answer: " + last + "); its log ends with: " + logTail());
      }
      cancel.sleep(POLL);
    }
  }

  /** What the member answers: its version, its revision, its live keys, and HashKV at {@code revision}. */
  Answer answer(long revision) {
    Client c = client();
    StatusResponse status = call(c.getMaintenanceClient().statusMember(clientUrl), "status");
    ByteSequence zero = ByteSequence.from(new byte[] {0});
    // A range from "\0" to "\0" is the whole keyspace (etcdctl get "" --from-key); count only.
    long keys = call(c.getKVClient().get(zero, GetOption.builder().withRange(zero).withCountOnly(true).build()),
        "count of all keys").getCount();
    long hash = Integer.toUnsignedLong(call(c.getMaintenanceClient().hashKV(clientUrl, revision), "HashKV").getHash());
    return new Answer(status.getVersion(), status.getHeader().getRevision(), keys, hash);
  }

  /** {@link #answer}'s result. */
  record Answer(String version, long revision, long keys, long hashKv) {}

  private synchronized Client client() {
    if (client == null) {
      client = Client.builder().endpoints(clientUrl).connectTimeout(Duration.ofSeconds(5)).build();
    }
    return client;
  }

  private <T> T call(Future<T> f, String what) {
    try {
      return f.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new EtcdBackupException("the drill's etcd failed the " + what + " request: " + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new EtcdBackupException("the drill's etcd did not answer the " + what + " request within "
          + CALL_TIMEOUT.toSeconds() + "s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdBackupException("interrupted during the " + what + " request to the drill's etcd", e);
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops etcd: SIGTERM, SIGKILL after {@link #STOP_GRACE}; waits until it is gone. */
  @Override
  public void close() {
    synchronized (this) {
      if (client != null) {
        client.close();
        client = null;
      }
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
