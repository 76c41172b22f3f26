package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.storage.StoreOptions;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SeriesWriter;
import java.io.IOException;
import java.net.ConnectException;
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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code etcd-backup exporter} in-process on a free port, against a local store and S3Proxy: the
 * figures follow the store from one refresh to the next, the output passes {@code promtool check
 * metrics}, a store that refuses the credentials is {@code scrape_success 0} and not fatal, a
 * cancellation (what SIGTERM does under {@code Main}) ends it with exit 0, and bad input is exit 2.
 */
class ExporterCommandIT {
  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  @TempDir
  Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ExecutorService runner = Executors.newCachedThreadPool();
  private final List<Running> started = new ArrayList<>();

  /** An exporter running in a thread of this JVM, and the token that stops it. */
  private record Running(int port, Cancellation cancel, CompletableFuture<Cli.Result> result) {}

  @AfterEach
  void stopAll() {
    started.forEach(r -> r.cancel().cancel("test over"));
    runner.shutdownNow();
  }

  private Running start(Cli cli, String... args) throws IOException {
    int port = freePort();
    Cancellation cancel = Cancellation.create();
    List<String> all = new ArrayList<>(List.of("exporter", "--listen", "127.0.0.1:" + port));
    all.addAll(List.of(args));
    CompletableFuture<Cli.Result> result = CompletableFuture.supplyAsync(
        () -> cli.cancellation(cancel).run(all.toArray(String[]::new)), runner);
    Running r = new Running(port, cancel, result);
    started.add(r);
    return r;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private HttpResponse<String> get(Running r, String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + path)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of {@code series} (name and labels as the text format writes them) in {@code body}. */
  private static Optional<Double> value(String body, String series) {
    return body.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()));
  }

  /** Scrapes until {@code done} holds for the body (the exporter refreshes on its own schedule); the last body. */
  private String awaitScrape(Running r, Predicate<String> done) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      assertThat(r.result()).as("the exporter ended early: %s", r.result().getNow(null)).isNotDone();
      try {
        HttpResponse<String> resp = get(r, "/metrics");
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        last = resp.body();
        if (done.test(last)) {
          return last;
        }
      } catch (ConnectException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no scrape matched within " + WAIT + "; the last:\n" + last);
  }

  private static Cli.Result stop(Running r) throws Exception {
    r.cancel().cancel("SIGTERM received");
    return r.result().get(15, TimeUnit.SECONDS);
  }

  private static double seconds(Instant t) {
    return t.toEpochMilli() / 1000.0;
  }

  /** {@code promtool check metrics} over {@code body}: the exposition parses and passes its lint. */
  private static void promtoolAccepts(String body) throws Exception {
    // Debian's prometheus package; a missing promtool fails the test (scripts/test.sh installs it)
    assertThat(PROMTOOL).as("promtool (apt-get install prometheus)").isExecutable();
    Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool check metrics said:\n%s\nof:\n%s", out, body).isZero();
  }

  @Test
  void theNewestBackupTimeFollowsTheStoreAndACancelEndsWithExitZero() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("store"));
    try (BackupStore store = BackupStores.open(dir.toString(), StoreOptions.defaults())) {
      SeriesWriter writer = new SeriesWriter(store, 4);
      Manifest newest = SeriesWriter.manifest("prod", NOW.minus(Duration.ofHours(1)), 3_000, 700);
      writer.write(List.of(SeriesWriter.manifest("prod", NOW.minus(Duration.ofHours(3)), 1_000, 500),
          SeriesWriter.manifest("prod", NOW.minus(Duration.ofHours(2)), 2_000, 600), newest,
          SeriesWriter.manifest("staging", NOW.minus(Duration.ofDays(1)), 77, 10)));
      String newestSeries = "etcd_backup_store_newest_timestamp_seconds{cluster=\"prod\",store=\"file\"}";

      Running r = start(new Cli(), "--from", dir.toString(), "--refresh", "1s");
      String body = awaitScrape(r, b -> value(b, newestSeries).isPresent());

      assertThat(value(body, newestSeries)).hasValue(seconds(newest.startedAt()));
      assertThat(value(body, "etcd_backup_store_backups{cluster=\"prod\",store=\"file\"}")).hasValue(3.0);
      assertThat(value(body, "etcd_backup_store_newest_revision{cluster=\"prod\",store=\"file\"}")).hasValue(3000.0);
      assertThat(value(body, "etcd_backup_store_bytes{cluster=\"prod\",store=\"file\"}")).hasValue(1800.0);
      assertThat(value(body, "etcd_backup_store_scrape_success{cluster=\"prod\",store=\"file\"}")).hasValue(1.0);
      assertThat(value(body, "etcd_backup_store_backups{cluster=\"staging\",store=\"file\"}")).hasValue(1.0);
      promtoolAccepts(body);

      Manifest newer = SeriesWriter.manifest("prod", NOW, 4_000, 800);
      writer.write(List.of(newer));
      body = awaitScrape(r, b -> value(b, newestSeries).filter(v -> v == seconds(newer.startedAt())).isPresent());
      assertThat(value(body, "etcd_backup_store_backups{cluster=\"prod\",store=\"file\"}")).hasValue(4.0);
      assertThat(value(body, "etcd_backup_store_newest_revision{cluster=\"prod\",store=\"file\"}")).hasValue(4000.0);

      HttpResponse<String> health = get(r, "/healthz");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("ok\n");
      assertThat(get(r, "/nothing").statusCode()).isEqualTo(404);

      Cli.Result result = stop(r);
      assertThat(result.exitCode()).as(result.toString()).isZero();
      assertThat(result.err()).isEmpty();
      try (ServerSocket again = new ServerSocket(r.port(), 1, InetAddress.getLoopbackAddress())) {
        assertThat(again.getLocalPort()).as("the port is free again").isEqualTo(r.port());
      }
    }
  }

  @Test
  void everyFlagReadsTheEnvironmentAndAWatchedSeriesWithoutBackupsIsZero() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("store"));
    try (BackupStore store = BackupStores.open(dir.toString(), StoreOptions.defaults())) {
      new SeriesWriter(store, 1).write(List.of(SeriesWriter.manifest("prod", NOW.minus(Duration.ofHours(1)), 5, 10)));
    }
    int port = freePort();
    Cancellation cancel = Cancellation.create();
    Cli cli = new Cli().env("ETCD_BACKUP_FROM", dir.toString()).env("ETCD_BACKUP_LISTEN", "127.0.0.1:" + port)
        .env("ETCD_BACKUP_REFRESH", "1s").env("ETCD_BACKUP_CLUSTER_NAME", "prod,new-cluster").cancellation(cancel);
    Running r = new Running(port, cancel, CompletableFuture.supplyAsync(() -> cli.run("exporter"), runner));
    started.add(r);

    String body = awaitScrape(r, b -> b.contains("cluster=\"new-cluster\""));

    assertThat(value(body, "etcd_backup_store_backups{cluster=\"new-cluster\",store=\"file\"}")).hasValue(0.0);
    assertThat(value(body, "etcd_backup_store_scrape_success{cluster=\"new-cluster\",store=\"file\"}")).hasValue(1.0);
    assertThat(body).doesNotContain("etcd_backup_store_newest_timestamp_seconds{cluster=\"new-cluster\"")
        .contains("etcd_backup_store_newest_timestamp_seconds{cluster=\"prod\",store=\"file\"}");
    promtoolAccepts(body);
    assertThat(stop(r).exitCode()).isZero();
  }

  @Test
  void anS3StoreAndOneThatRefusesTheCredentials() throws Exception {
    Stores s3 = Stores.s3(S3, S3.newPrefix("exporter"));
    Manifest newest = SeriesWriter.manifest("prod", NOW.minus(Duration.ofMinutes(30)), 9_000, 100);
    try (BackupStore store = BackupStores.open(s3.uri(), S3.storeOptions())) {
      new SeriesWriter(store, 4).write(List.of(SeriesWriter.manifest("prod", NOW.minus(Duration.ofHours(2)), 8_000, 100),
          newest));
    }
    String newestSeries = "etcd_backup_store_newest_timestamp_seconds{cluster=\"prod\",store=\"s3\"}";

    Running ok = start(new Cli(), s3.with("--from", s3.uri(), "--refresh", "1s").toArray(String[]::new));
    String body = awaitScrape(ok, b -> value(b, newestSeries).isPresent());
    assertThat(value(body, newestSeries)).hasValue(seconds(newest.startedAt()));
    assertThat(value(body, "etcd_backup_store_backups{cluster=\"prod\",store=\"s3\"}")).hasValue(2.0);
    promtoolAccepts(body);

    // the read-only key's secret rotated under the exporter: it keeps serving, and says so
    List<String> wrongSecret = new ArrayList<>(s3.with("--from", s3.uri(), "--cluster-name", "prod", "--refresh", "1s"));
    wrongSecret.set(wrongSecret.indexOf("--s3-secret-access-key") + 1, "not-the-secret");
    Running refused = start(new Cli(), wrongSecret.toArray(String[]::new));
    String failing = awaitScrape(refused, b -> b.contains("etcd_backup_store_scrape_success{cluster=\"prod\",store=\"s3\"}"));
    assertThat(value(failing, "etcd_backup_store_scrape_success{cluster=\"prod\",store=\"s3\"}")).hasValue(0.0);
    assertThat(failing).doesNotContain(newestSeries).doesNotContain("etcd_backup_store_backups{");
    assertThat(get(refused, "/healthz").statusCode()).as("a failing store is the metrics' business").isEqualTo(200);
    promtoolAccepts(failing);

    assertThat(stop(refused).exitCode()).isZero();
    assertThat(stop(ok).exitCode()).isZero();
  }

  /** Runs a command that must fail at once; should it serve instead, the deadline ends it (exit 0, and the test fails). */
  private static Cli.Result failing(String... args) {
    return new Cli().cancellation(Cancellation.create().deadline(Duration.ofSeconds(20), "the test's")).run(args);
  }

  private static void assertOneLine(Cli.Result r, String message) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
    assertThat(r.err().strip()).as(r.toString()).startsWith("etcd-backup: " + message);
  }

  @Test
  void badInputIsOneLineAndExitTwo() throws Exception {
    String dir = Files.createDirectory(tmp.resolve("store")).toString();

    assertOneLine(failing("exporter", "--from", dir, "--listen", "9808"),
        "--listen (9808) must be [HOST]:PORT, e.g. :9808 or 127.0.0.1:9808");
    assertOneLine(failing("exporter", "--from", dir, "--listen", ":70000"), "--listen (:70000) must have a port from 0 to 65535");
    assertOneLine(failing("exporter", "--from", dir, "--refresh", "500ms"), "--refresh (500ms) must be at least 1s");
    assertOneLine(failing("exporter", "--from", dir, "--cluster-name", "prod", "--cluster-name", "bad name"),
        "--cluster-name (bad name) must be 1 to 63 letters");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String listen = "127.0.0.1:" + taken.getLocalPort();
      assertOneLine(failing("exporter", "--from", dir, "--listen", listen),
          "cannot listen on /" + listen + " (--listen " + listen + "): Address already in use");
    }
    Cli.Result noFrom = failing("exporter");
    assertThat(noFrom.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(noFrom.err()).contains("Missing required option: '--from=URI'");
  }
}
