package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.ProjectPaths;
import io.etcdbackup.testing.S3Server;
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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Two {@code bin/etcd-backup schedule --election} processes against one real 3-member etcd 3.5 and
 * S3Proxy, as two pods of a Deployment: only the leader backs up; the leader cut off from etcd (its
 * only member stopped) steps down and the other takes over; killed with SIGKILL, the leader is
 * replaced within the lease's TTL; a leader stopped with SIGTERM resigns and exits 0.
 */
class ScheduleElectionIT {
  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  private static final Duration TTL = Duration.ofSeconds(4);
  /** The TTL, an etcd leader election when the stopped member led, and a JVM on a busy 2-core machine. */
  private static final Duration TAKEOVER = TTL.plusSeconds(8);
  static EtcdCluster etcd;

  @TempDir
  Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void start() {
    etcd = EtcdCluster.builder().version(EtcdVersion.V3_5).members(3).start();
  }

  @AfterAll
  static void stop() {
    if (etcd != null) {
      etcd.close();
    }
  }

  /** One replica: its own endpoints, port and log. */
  private record Replica(String name, Process process, int port, Path logFile) {
    String log() {
      try {
        return Files.readString(logFile);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    long backupsStarted() {
      return log().lines().filter(l -> l.contains("job start") && l.contains("job=backup")).count();
    }
  }

  private Replica replica(String name, String prefix, String... endpoints) throws IOException {
    Path secret = Files.writeString(tmp.resolve("s3-secret"), S3.secretKey() + "\n");
    Path config = Files.writeString(tmp.resolve(name + ".yaml"), """
        cluster-name: prod
        etcd:
          endpoints: %s
          cacert: %s
          cert: %s
          key: %s
        store:
          uri: %s
          s3-endpoint: %s
          s3-path-style: true
          s3-region: %s
          s3-access-key-id: %s
          s3-secret-access-key-file: %s
        jobs:
          - name: backup
            kind: backup
            cron: "*/2 * * * * ?"
        """.formatted(String.join(",", endpoints), etcd.caFile(), etcd.clientCert().cert(), etcd.clientCert().key(),
        S3.storeUri(prefix), S3.endpoint(), S3Server.REGION, S3.accessKey(), secret));
    int port = freePort();
    Path log = tmp.resolve(name + ".log");
    Process p = new ProcessBuilder(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "schedule",
        "--config", config.toString(), "--listen", "127.0.0.1:" + port, "--election", "--election-ttl", "4s",
        "--shutdown-grace", "5s")
        .directory(tmp.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(p);
    return new Replica(name, p, port, log);
  }

  @Test
  void onlyTheLeaderBacksUpAndAnotherTakesOverWhenItIsCutOffOrKilled() throws Exception {
    String prefix = S3.newPrefix("election");
    try {
      Replica a = replica("a", prefix, etcd.member(0).clientUrl());
      await(a, "a leads", () -> role(a).equals("leader"), Duration.ofSeconds(30));
      Replica b = replica("b", prefix, etcd.member(1).clientUrl(), etcd.member(2).clientUrl());
      await(b, "b stands by behind a", () -> role(b).equals("standby")
          && status(b).path("leader").asString().endsWith("pid=" + a.process().pid()), Duration.ofSeconds(30));
      await(a, "a backs up", () -> backups(prefix) >= 2, Duration.ofSeconds(30));
      assertThat(b.backupsStarted()).as("the standby ran nothing:\n%s", b.log()).isZero();

      // a's only member stops: a steps down, b takes over and backs up
      etcd.stop(0);
      long t0 = System.nanoTime();
      await(b, "b leads", () -> role(b).equals("leader"), TAKEOVER);
      assertThat(role(a)).isEqualTo("standby");
      Duration takeover = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(a.log()).contains("leadership lost cluster=prod");
      long byA = a.backupsStarted();
      long bStart = b.backupsStarted();
      await(b, "b backs up", () -> b.backupsStarted() >= bStart + 2, Duration.ofSeconds(20));
      assertThat(a.backupsStarted()).as("the cut-off replica ran nothing more").isEqualTo(byA);
      assertThat(takeover).isLessThan(TAKEOVER);

      // a's member is back: a stands by behind b; then b dies without a word
      etcd.restart(0);
      await(a, "a stands by behind b", () -> status(a).path("leader").asString().endsWith("pid=" + b.process().pid()),
          Duration.ofSeconds(30));
      b.process().destroyForcibly(); // SIGKILL: no resignation, the lease has to expire
      long t1 = System.nanoTime();
      await(a, "a leads again", () -> role(a).equals("leader"), TAKEOVER);
      assertThat(Duration.ofNanos(System.nanoTime() - t1)).as("within the TTL, and not before it could expire")
          .isLessThan(TAKEOVER);
      long aAgain = a.backupsStarted();
      await(a, "a backs up again", () -> a.backupsStarted() > aAgain, Duration.ofSeconds(20));

      // SIGTERM: a resigns, exits 0, and its key goes with its lease
      a.process().destroy();
      assertThat(a.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(a.process().exitValue()).as(a.log()).isZero();
      assertThat(a.log()).contains("leadership resigned cluster=prod");
      long end = System.nanoTime() + TTL.plusSeconds(5).toNanos();
      while (!electionKeys().isEmpty() && System.nanoTime() < end) {
        Thread.sleep(200);
      }
      assertThat(electionKeys()).as("nothing left in etcd once b's lease expired too").isEmpty();
    } finally {
      started.forEach(Process::destroyForcibly);
    }
  }

  private long backups(String prefix) {
    try (BackupStore store = BackupStores.open(S3.storeUri(prefix).toString(), S3.storeOptions())) {
      BackupRepository repo = new BackupRepository(store);
      return repo.series().contains("prod") ? repo.list("prod").size() : 0;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode status(Replica r) {
    try {
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + "/status"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return Formats.JSON.readTree(resp.body());
    } catch (IOException e) {
      return Formats.JSON.createObjectNode(); // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String role(Replica r) {
    return status(r).path("role").asString("");
  }

  private static List<String> electionKeys() throws Exception {
    return etcd.client().getKVClient().get(ByteSequence.from("/etcd-backup/election/", StandardCharsets.UTF_8),
            GetOption.builder().isPrefix(true).withKeysOnly(true).build()).get(10, TimeUnit.SECONDS).getKvs().stream()
        .map(kv -> kv.getKey().toString(StandardCharsets.UTF_8)).toList();
  }

  private static void await(Replica r, String what, BooleanSupplier condition, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what + "; " + r.name() + "'s log:\n" + r.log());
      }
      if (!r.process().isAlive()) {
        throw new AssertionError(r.name() + " exited " + r.process().exitValue() + " waiting until " + what + ":\n" + r.log());
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
