package io.etcdbackup.scheduler.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.scheduler.http.ListenAddress;
import io.etcdbackup.testing.TestClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The exporter's health: a refresh that hangs fails {@code /healthz} after three intervals, and
 * recovers once a refresh finishes. The store is a test fake whose listing blocks (fault injection
 * at the edge); real stores are in storage's and cli's tests.
 */
class StoreExporterTest {
  private final HttpClient http = HttpClient.newHttpClient();

  /** A store whose listings wait for {@link #release} (an endpoint that accepts and never answers). */
  static final class HangingStore implements BackupStore {
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger listings = new AtomicInteger();

    @Override
    public String location() {
      return "s3://hanging/etcd";
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
      listings.incrementAndGet();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      return List.of();
    }

    @Override
    public ObjectUpload create(String key) {
      throw new UnsupportedOperationException();
    }

    @Override
    public InputStream open(String key) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<StoredObject> stat(String key) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void delete(String key) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void checkWritable(String prefix) {
      throw new UnsupportedOperationException("the exporter never writes");
    }

    @Override
    public void close() {}
  }

  private HttpResponse<String> healthz(int port) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void aHangingRefreshFailsHealthzAfterThreeIntervalsAndAFinishedOneMendsIt() throws Exception {
    int port = freePort();
    HangingStore store = new HangingStore();
    TestClock clock = new TestClock(Instant.parse("2026-03-01T00:00:00Z"));
    ExporterConfig config = new ExporterConfig(ListenAddress.parse("--listen", "127.0.0.1:" + port), Duration.ofSeconds(60),
        List.of());
    Cancellation cancel = Cancellation.create();
    CompletableFuture<Void> running = CompletableFuture.runAsync(
        () -> new StoreExporter(config, clock).run(new BackupRepository(store), cancel));
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (store.listings.get() == 0 && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(store.listings.get()).as("the first refresh started").isEqualTo(1);
      assertThat(healthz(port).statusCode()).isEqualTo(200);

      clock.advance(Duration.ofMinutes(3));
      assertThat(healthz(port).statusCode()).as("three intervals exactly").isEqualTo(200);
      clock.advance(Duration.ofSeconds(1));
      HttpResponse<String> stalled = healthz(port);
      assertThat(stalled.statusCode()).isEqualTo(503);
      assertThat(stalled.body()).isEqualTo("refresh: no refresh of s3://hanging/etcd finished in the last 3m\n");

      store.release.countDown();
      end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (healthz(port).statusCode() != 200 && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(healthz(port).statusCode()).as("a refresh finished").isEqualTo(200);
    } finally {
      store.release.countDown();
      cancel.cancel("test over");
    }
    running.get(20, TimeUnit.SECONDS);
  }

  @Test
  void aCancelStopsAHangingRefreshAndTheServer() throws Exception {
    int port = freePort();
    HangingStore store = new HangingStore();
    ExporterConfig config = new ExporterConfig(ListenAddress.parse("--listen", "127.0.0.1:" + port), Duration.ofSeconds(1),
        List.of("prod"));
    Cancellation cancel = Cancellation.create();
    CompletableFuture<Void> running = CompletableFuture.runAsync(
        () -> new StoreExporter(config, Clock.systemUTC()).run(new BackupRepository(store), cancel));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (store.listings.get() == 0 && System.nanoTime() < end) {
      Thread.sleep(20);
    }

    cancel.cancel("SIGTERM received");

    running.get(10, TimeUnit.SECONDS);
    try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(again.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void theConfigIsCheckedOnce() {
    ListenAddress listen = ListenAddress.parse("--listen", ":9808");

    assertThatThrownBy(() -> new ExporterConfig(listen, Duration.ofMillis(999), List.of()))
        .isInstanceOf(InvalidInputException.class).hasMessage("--refresh (999ms) must be at least 1s");
    assertThatThrownBy(() -> new ExporterConfig(listen, Duration.ofSeconds(5), List.of("prod", "no/slash")))
        .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("--cluster-name (no/slash) must be");
    assertThat(new ExporterConfig(listen, Duration.ofSeconds(5), List.of("staging", "prod", "staging")).clusters())
        .containsExactly("prod", "staging");
  }
}
