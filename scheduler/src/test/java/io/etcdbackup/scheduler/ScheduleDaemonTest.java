package io.etcdbackup.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.scheduler.http.ListenAddress;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.storage.StoreOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's schedule, catch-up and stop over a real local store, with a runner that records its
 * fires instead of the engine (the engine's own runs are ScheduleCommandIT's business).
 */
class ScheduleDaemonTest {
  @TempDir
  Path tmp;

  private BackupStore store;
  private final List<Instant> fires = new CopyOnWriteArrayList<>();
  private final List<Cancellation> stops = new CopyOnWriteArrayList<>();

  @BeforeEach
  void openStore() throws Exception {
    store = BackupStores.open(tmp.resolve("store").toString(), StoreOptions.defaults());
  }

  @AfterEach
  void stopAll() throws Exception {
    stops.forEach(c -> c.cancel("test over"));
    store.close();
  }

  private ScheduleConfig config(String kind, String cron) {
    return ScheduleConfig.parse(Path.of("t.yaml"), """
        cluster-name: test
        etcd:
          endpoints: http://127.0.0.1:1
        store:
          uri: %s
        jobs:
          - name: job
            kind: %s
            cron: "%s"
        """.formatted(tmp.resolve("store"), kind, cron));
  }

  private record Running(ScheduleDaemon daemon, Cancellation stop, CompletableFuture<Void> done) {}

  private Running start(ScheduleConfig c, JobRunner runner, Duration grace) {
    ScheduleDaemon d = new ScheduleDaemon(c, new ScheduleDaemon.Options(ListenAddress.parse("--listen", "127.0.0.1:0"),
        grace, Optional.empty(), Optional.of(tmp.resolve("state"))), runner, new BackupRepository(store),
        Leadership.always(), Clock.systemUTC());
    Cancellation stop = Cancellation.create();
    stops.add(stop);
    return new Running(d, stop, CompletableFuture.runAsync(() -> d.run(stop)));
  }

  private JobRunner counting() {
    return (job, listener, cancel) -> {
      fires.add(Instant.now());
      return JobRunner.Result.ok("done");
    };
  }

  @Test
  void aFireMissedWhileDownRunsOnceAtStartNotOncePerMissedFire() throws Exception {
    // once a year, at new year; the last recorded fire over three years ago: three fires missed
    Files.createDirectories(tmp.resolve("state"));
    Instant last = Instant.now().minus(Duration.ofDays(3 * 366 + 10));
    Files.writeString(tmp.resolve("state/job.last-fire"), last + "\n");
    Running r = start(config("verify", "0 0 0 1 1 ?"), counting(), Duration.ofSeconds(1));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (fires.isEmpty() && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    Thread.sleep(1500);
    assertThat(fires).hasSize(1);
    r.stop().cancel("test");
    r.done().get(10, TimeUnit.SECONDS);
    Instant recorded = Instant.parse(Files.readString(tmp.resolve("state/job.last-fire")).trim());
    assertThat(recorded).isAfter(last);

    // started again at once: nothing was missed since the catch-up
    Running again = start(config("verify", "0 0 0 1 1 ?"), counting(), Duration.ofSeconds(1));
    Thread.sleep(1500);
    again.stop().cancel("test");
    again.done().get(10, TimeUnit.SECONDS);
    assertThat(fires).hasSize(1);
  }

  @Test
  void withoutARecordedFireNothingRunsAtStart() throws Exception {
    Running r = start(config("verify", "0 0 0 1 1 ?"), counting(), Duration.ofSeconds(1));
    Thread.sleep(1500);
    r.stop().cancel("test");
    r.done().get(10, TimeUnit.SECONDS);
    assertThat(fires).isEmpty();
  }

  @Test
  void aJobRunsOnItsScheduleAndStatusListsIt() throws Exception {
    Running r = start(config("verify", "* * * * * ?"), counting(), Duration.ofSeconds(1));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (fires.size() < 2 && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    assertThat(fires.size()).isGreaterThanOrEqualTo(2);
    int port = r.daemon().address().orElseThrow().getPort();
    HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/status")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body()).contains("\"role\":\"leader\"", "\"name\":\"job\"", "\"kind\":\"verify\"", "\"nextFire\":",
        "\"lastOutcome\":\"success\"", "\"lastReason\":\"ok\"");
    HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
    r.stop().cancel("test");
    r.done().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRunningJobIsCancelledAfterTheGraceAndTheDaemonReturns() throws Exception {
    List<Reason> ends = new CopyOnWriteArrayList<>();
    JobRunner blocking = (job, listener, cancel) -> {
      fires.add(Instant.now());
      try {
        cancel.sleep(Duration.ofMinutes(5));
        return JobRunner.Result.ok("slept");
      } catch (RuntimeException e) {
        ends.add(Reason.CANCELLED);
        return new JobRunner.Result(Reason.CANCELLED, cancel.why());
      }
    };
    Running r = start(config("verify", "* * * * * ?"), blocking, Duration.ofMillis(500));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (fires.isEmpty() && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    long t0 = System.nanoTime();
    r.stop().cancel("SIGTERM received");
    r.done().get(10, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(ends).containsExactly(Reason.CANCELLED);
    assertThat(fires).hasSize(1);
    // a cancelled fire is not recorded: it runs again at the next start
    assertThat(tmp.resolve("state/job.last-fire")).doesNotExist();
  }
}
