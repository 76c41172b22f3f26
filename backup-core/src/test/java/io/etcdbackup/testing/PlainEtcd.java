package io.etcdbackup.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One etcd member without TLS on free loopback ports, started on a data dir a test prepared
 * (e.g. restored from a snapshot, with a rewritten {@code member/snap/db}). The member name, peer
 * URL and cluster token must be those the data dir was restored with. {@link #close()} stops it.
 */
public final class PlainEtcd implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final EtcdVersion version;
  private final int clientPort;
  private final Path logFile;
  private final Process process;

  private PlainEtcd(EtcdVersion version, int clientPort, Path logFile, Process process) {
    this.version = version;
    this.clientPort = clientPort;
    this.logFile = logFile;
    this.process = process;
  }

  /** Peer URL of a member on {@code peerPort}: what restore's {@code --initial-cluster} must name. */
  public static String peerUrl(int peerPort) {
    return "http://127.0.0.1:" + peerPort;
  }

  /** Starts {@code version}'s etcd on {@code dataDir} and waits until {@code /health} answers. */
  public static PlainEtcd start(EtcdVersion version, Path dataDir, String name, int clientPort, int peerPort,
      String token) {
    String client = "http://127.0.0.1:" + clientPort;
    List<String> cmd = new ArrayList<>(List.of(version.binary("etcd").toString(),
        "--name", name, "--data-dir", dataDir.toString(),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peerUrl(peerPort), "--initial-advertise-peer-urls", peerUrl(peerPort),
        "--initial-cluster", name + "=" + peerUrl(peerPort), "--initial-cluster-token", token,
        "--logger", "zap", "--log-outputs", "stderr"));
    Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd.get(0), e);
    }
    PlainEtcd etcd = new PlainEtcd(version, clientPort, log, p);
    try {
      etcd.awaitHealthy();
    } catch (RuntimeException e) {
      etcd.close();
      throw e;
    }
    return etcd;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  public boolean isRunning() {
    return process.isAlive();
  }

  /** Runs this release's etcdctl against the member; returns stdout or throws with stderr. */
  public String etcdctl(String... args) {
    List<String> cmd = new ArrayList<>(List.of(version.binary("etcdctl").toString(), "--endpoints", endpoint()));
    cmd.addAll(List.of(args));
    return Exec.run(cmd, logFile.getParent(), Duration.ofSeconds(30), "ETCDCTL_API", "3").stdoutOrThrow();
  }

  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitHealthy() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    EtcdProbes.awaitHttp("etcd " + version.version(), process, endpoint() + "/health", http,
        body -> body.contains("\"true\""), () -> logTail(40), START_TIMEOUT);
  }
}
