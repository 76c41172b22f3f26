package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SampleData;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code etcd-backup schedule} in-process against a real etcd 3.5 and S3Proxy on a one-second
 * schedule: backups appear and retention holds them to the policy, the verify job passes, the
 * counters move on /metrics, /status lists the jobs, a cancellation (SIGTERM under Main) ends it
 * with exit 0 and no upload left open, also when it cancels a backup under way past
 * --shutdown-grace; a bad file is exit 2 with its one line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScheduleCommandIT {
  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  private static final Duration WAIT = Duration.ofSeconds(25);
  static EtcdCluster etcd;

  @TempDir
  Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ExecutorService runner = Executors.newCachedThreadPool();
  private Cancellation cancel;

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).start();
  }

  @AfterAll
  static void stop() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @AfterEach
  void stopDaemon() {
    if (cancel != null) {
      cancel.cancel("test over");
    }
    runner.shutdownNow();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private Path config(String prefix) throws IOException {
    Path secret = Files.writeString(tmp.resolve("s3-secret"), S3.secretKey() + "\n");
    return Files.writeString(tmp.resolve("schedule.yaml"), """
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
            cron: "* * * * * ?"
            keep-last: 2
            min-keep: 1
            prune-grace: 0s
          - name: verify
            kind: verify
            cron: "*/2 * * * * ?"
            newest: 1
          - name: drill
            kind: drill
            cron: "*/3 * * * * ?"
        """.formatted(etcd.endpoints(), etcd.caFile(), etcd.clientCert().cert(), etcd.clientCert().key(),
        S3.storeUri(prefix), S3.endpoint(), S3Server.REGION, S3.accessKey(), secret));
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private String await(CompletableFuture<Cli.Result> result, int port, String path, Predicate<String> done) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      assertThat(result).as("the daemon ended early: %s", result.getNow(null)).isNotDone();
      try {
        HttpResponse<String> r = get(port, path);
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200 && done.test(r.body())) {
          last = r.body();
          return last;
        }
      } catch (ConnectException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no " + path + " matched within " + WAIT + "; the last:\n" + last);
  }

  private static Optional<Double> successfulBackups(String metrics) {
    return metrics.lines().filter(l -> l.startsWith("etcd_backup_runs_total{") && l.contains("outcome=\"success\""))
        .findFirst().map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)));
  }

  private static JsonNode job(JsonNode status, String name) {
    for (JsonNode j : status.get("jobs")) {
      if (j.get("name").asString().equals(name)) {
        return j;
      }
    }
    throw new AssertionError("no job " + name + " in " + status);
  }

  @Test
  void backupsAppearRetentionHoldsVerifyPassesAndACancellationExitsZero() throws Exception {
    String prefix = S3.newPrefix("schedule");
    int port = freePort();
    cancel = Cancellation.create();
    String[] args = {"schedule", "--config", config(prefix).toString(), "--listen", "127.0.0.1:" + port,
        "--max-backup-age", "1h", "--state-dir", tmp.resolve("state").toString()};
    CompletableFuture<Cli.Result> result = CompletableFuture.supplyAsync(() -> new Cli().cancellation(cancel).run(args), runner);

    String first = await(result, port, "/metrics", m -> successfulBackups(m).orElse(0.0) >= 1);
    double before = successfulBackups(first).orElseThrow();
    String later = await(result, port, "/metrics", m -> successfulBackups(m).orElse(0.0) >= before + 3);
    assertThat(later).contains("etcd_backup_expected_interval_seconds{cluster=\"prod\",store=\"s3\"} 1.0",
        "etcd_backup_verify_last_success_timestamp_seconds{cluster=\"prod\"");
    // the drill job: an offline restore drill of the newest backup, on its own schedule
    await(result, port, "/metrics", m -> m.contains("etcd_backup_drill_last_success_timestamp_seconds{cluster=\"prod\""));
    String status = await(result, port, "/status", s -> s.contains("\"lastOutcome\":\"success\"")
        && Formats.JSON.readTree(s).get("jobs").get(1).has("lastOutcome"));
    JsonNode st = Formats.JSON.readTree(status);
    assertThat(st.get("role").asString()).isEqualTo("leader");
    assertThat(job(st, "backup").get("kind").asString()).isEqualTo("backup");
    assertThat(job(st, "backup").has("nextFire")).isTrue();
    assertThat(job(st, "verify").get("lastOutcome").asString()).isEqualTo("success");
    assertThat(job(st, "verify").get("cron").asString()).isEqualTo("*/2 * * * * ?");
    await(result, port, "/readyz", r -> r.equals("ok\n"));

    cancel.cancel("SIGTERM received");
    Cli.Result r = result.get(40, TimeUnit.SECONDS);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(S3.incompleteMultipartUploads(prefix)).isEmpty();
    try (BackupStore store = BackupStores.open(S3.storeUri(prefix).toString(), S3.storeOptions())) {
      List<Manifest> kept = new BackupRepository(store).list("prod");
      assertThat(kept).as("keep-last 2 after each commit").hasSize(2);
    }
    assertThat(tmp.resolve("state/backup.last-fire")).exists();
  }

  /** Last: it loads 24 MiB into the cluster that the other test backs up every second. */
  @Test
  @Order(Integer.MAX_VALUE)
  void aCancellationDuringABackupPastTheGraceLeavesNothingHalfDone() throws Exception {
    SampleData.bulk(etcd.client(), "/bulk/", 24L << 20, 64 << 10, 7);
    String prefix = S3.newPrefix("schedule-stop");
    Path file = Files.writeString(tmp.resolve("stop.yaml"), Files.readString(config(prefix))
        .replace("    keep-last: 2\n", "    compression: none\n    keep-last: 2\n")
        .replace("  s3-path-style: true\n", "  s3-path-style: true\n  s3-part-size: 5MiB\n"));
    int port = freePort();
    cancel = Cancellation.create();
    String[] args = {"schedule", "--config", file.toString(), "--listen", "127.0.0.1:" + port, "--shutdown-grace", "0s",
        "--state-dir", tmp.resolve("stop-state").toString()};
    CompletableFuture<Cli.Result> result = CompletableFuture.supplyAsync(() -> new Cli().cancellation(cancel).run(args), runner);
    // Cancel as soon as the backup runs: on a quiet machine 24 MiB stream and commit in about a second, and a
    // cancel after the commit rightly leaves a committed backup (seen once with a 300 ms pause here).
    await(result, port, "/status", s -> job(Formats.JSON.readTree(s), "backup").get("running").asBoolean());
    long t0 = System.nanoTime();
    cancel.cancel("SIGTERM received");
    Cli.Result r = result.get(20, TimeUnit.SECONDS);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    // the run was cancelled (a finished one would have recorded its fire) and left nothing behind
    assertThat(tmp.resolve("stop-state/backup.last-fire")).doesNotExist();
    assertThat(S3.incompleteMultipartUploads(prefix)).isEmpty();
    try (BackupStore store = BackupStores.open(S3.storeUri(prefix).toString(), S3.storeOptions())) {
      assertThat(new BackupRepository(store).series()).isEmpty();
    }
  }

  @Test
  void aBadFileIsExitTwoWithOneLineNamingTheKey() throws Exception {
    Path bad = Files.writeString(tmp.resolve("bad.yaml"), Files.readString(config("unused")).replace("keep-last: 2", "keep-lst: 2"));
    Cli.Result r = new Cli().run("schedule", "--config", bad.toString(), "--listen", "127.0.0.1:0");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("etcd-backup: " + bad + ": unknown key jobs[backup].keep-lst");

    Path cron = Files.writeString(tmp.resolve("cron.yaml"), Files.readString(config("unused"))
        .replace("\"*/2 * * * * ?\"", "\"*/2 * * *\""));
    r = new Cli().run("schedule", "--config", cron.toString(), "--listen", "127.0.0.1:0");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err().strip()).startsWith("etcd-backup: " + cron + ": jobs[verify].cron ('*/2 * * *') is not a Quartz cron")
        .doesNotContain("\n");
  }
}
