package io.etcdbackup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.metrics.MetricNames;
import io.etcdbackup.core.metrics.StoreInventory;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.testing.DelegatingStore;
import io.etcdbackup.testing.SeriesWriter;
import io.etcdbackup.testing.TestClock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store exporter's figures against a real store: what the gauges say is what was written, a
 * store that fails withdraws them (and only {@code scrape_success} and {@code last_refresh} stay),
 * recovery brings them back, and label values come only from the fixed sets. Every provider's test
 * extends this, as with {@link BackupStoreContract}.
 */
public abstract class StoreInventoryContract {
  protected static final String PROD = "prod";
  protected static final String STAGING = "staging";
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
  private static final List<String> FIGURES = List.of(MetricNames.STORE_BACKUPS, MetricNames.STORE_NEWEST,
      MetricNames.STORE_OLDEST, MetricNames.STORE_NEWEST_REVISION, MetricNames.STORE_BYTES, MetricNames.STORE_UNREADABLE);

  /** A new, empty store for one test. */
  protected abstract BackupStore newStore() throws IOException;

  /** The store kind label the provider's stores get. */
  protected abstract String kind();

  protected BackupStore store;
  protected SeriesWriter writer;
  protected final TestClock clock = new TestClock(T0.plus(Duration.ofDays(30)));
  protected final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @BeforeEach
  void openStore() throws IOException {
    store = newStore();
    writer = new SeriesWriter(store, 8);
  }

  @AfterEach
  void closeStore() throws IOException {
    registry.close();
    store.close();
  }

  /** The store, whose listings fail while {@code failing} is set (a disk or an endpoint in trouble). */
  protected static BackupStore failingWhile(BackupStore store, AtomicBoolean failing) {
    return failingWhile(store, failing, prefix -> true);
  }

  /** The store, whose listings of the prefixes {@code which} accepts fail while {@code failing} is set. */
  protected static BackupStore failingWhile(BackupStore store, AtomicBoolean failing, Predicate<String> which) {
    return new DelegatingStore(store) {
      @Override
      public List<StoredObject> list(String prefix) throws IOException {
        if (failing.get() && which.test(prefix)) {
          throw new IOException(location() + ": cannot list " + prefix + ": Input/output error (injected)");
        }
        return super.list(prefix);
      }
    };
  }

  /** {@code n} backups of {@code cluster}, an hour apart, the first at {@code first}, revisions 1000 apart. */
  protected static List<Manifest> hourly(String cluster, int n, Instant first, long firstRevision, long size) {
    List<Manifest> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(SeriesWriter.manifest(cluster, first.plus(Duration.ofHours(i)), firstRevision + 1000L * i, size + i));
    }
    return out;
  }

  protected StoreInventory inventory(BackupStore s, String... clusters) {
    return new StoreInventory(new BackupRepository(s), List.of(clusters), clock, registry);
  }

  /** The gauge {@code metric} of {@code cluster}, or null when there is none. */
  protected Double gauge(String metric, String cluster) {
    Gauge g = registry.find(metric).tags(MetricNames.CLUSTER, cluster, MetricNames.STORE, kind()).gauge();
    return g == null ? null : g.value();
  }

  /** Every gauge of {@code cluster}, by metric name. */
  protected Map<String, Double> gauges(String cluster) {
    Map<String, Double> out = new TreeMap<>();
    for (Meter m : registry.getMeters()) {
      if (cluster.equals(m.getId().getTag(MetricNames.CLUSTER)) && m instanceof Gauge g) {
        out.put(m.getId().getName(), g.value());
      }
    }
    return out;
  }

  private static double seconds(Instant t) {
    return t.toEpochMilli() / 1000.0;
  }

  @Test
  void theFiguresOfTwoClustersAreWhatWasWritten() {
    List<Manifest> prod = hourly(PROD, 30, T0, 1_000_000, 4000);
    List<Manifest> staging = hourly(STAGING, 4, T0.plus(Duration.ofDays(2)), 500, 100);
    writer.write(prod);
    writer.write(staging);

    StoreInventory.Snapshot s = inventory(store).refresh(Cancellation.create());

    assertThat(s.series()).containsOnlyKeys(PROD, STAGING);
    Manifest newest = prod.get(prod.size() - 1);
    assertThat(gauges(PROD)).containsExactlyInAnyOrderEntriesOf(Map.of(
        MetricNames.STORE_BACKUPS, 30.0,
        MetricNames.STORE_NEWEST, seconds(newest.startedAt()),
        MetricNames.STORE_OLDEST, seconds(T0),
        MetricNames.STORE_NEWEST_REVISION, (double) newest.revision(),
        MetricNames.STORE_BYTES, (double) prod.stream().mapToLong(Manifest::storedSize).sum(),
        MetricNames.STORE_UNREADABLE, 0.0,
        MetricNames.STORE_SCRAPE_SUCCESS, 1.0,
        MetricNames.STORE_LAST_REFRESH, seconds(clock.instant())));
    // the newest by its start, not its completion (the data is as old as the snapshot's start)
    assertThat(newest.completedAt()).isAfter(newest.startedAt());
    assertThat(gauge(MetricNames.STORE_NEWEST, STAGING)).isEqualTo(seconds(T0.plus(Duration.ofDays(2)).plus(Duration.ofHours(3))));
    assertThat(gauge(MetricNames.STORE_NEWEST_REVISION, STAGING)).isEqualTo(3500.0);
    assertThat(gauge(MetricNames.STORE_BACKUPS, STAGING)).isEqualTo(4.0);
    assertThat(gauge(MetricNames.STORE_BYTES, STAGING)).isEqualTo(100.0 + 101 + 102 + 103);
  }

  @Test
  void theNewestIsTheNewestByStartTimeThenRevision() {
    Instant t = T0.plus(Duration.ofHours(5));
    // Two runs in one second (ties are rare, not impossible): the higher revision is the newer.
    writer.write(List.of(SeriesWriter.manifest(PROD, t, 900, 10), SeriesWriter.manifest(PROD, t, 901, 10),
        SeriesWriter.manifest(PROD, T0, 99_999, 10)));

    inventory(store, PROD).refresh(Cancellation.create());

    assertThat(gauge(MetricNames.STORE_NEWEST, PROD)).isEqualTo(seconds(t));
    assertThat(gauge(MetricNames.STORE_NEWEST_REVISION, PROD)).isEqualTo(901.0);
    assertThat(gauge(MetricNames.STORE_OLDEST, PROD)).isEqualTo(seconds(T0));
  }

  @Test
  void aWatchedClusterWithoutBackupsHasZeroBackupsAndNoTimestamps() {
    writer.write(hourly(PROD, 2, T0, 10, 10));

    StoreInventory.Snapshot s = inventory(store, PROD, "new-cluster").refresh(Cancellation.create());

    assertThat(s.series()).containsOnlyKeys(PROD, "new-cluster");
    assertThat(gauges("new-cluster")).containsExactlyInAnyOrderEntriesOf(Map.of(
        MetricNames.STORE_BACKUPS, 0.0,
        MetricNames.STORE_BYTES, 0.0,
        MetricNames.STORE_UNREADABLE, 0.0,
        MetricNames.STORE_SCRAPE_SUCCESS, 1.0,
        MetricNames.STORE_LAST_REFRESH, seconds(clock.instant())));
    assertThat(registry.scrape()).doesNotContain("newest_timestamp_seconds{cluster=\"new-cluster\"");
  }

  @Test
  void namedClustersAreTheOnlyOnesWatched() {
    writer.write(hourly(PROD, 2, T0, 10, 10));
    writer.write(hourly(STAGING, 2, T0, 10, 10));

    inventory(store, STAGING).refresh(Cancellation.create());

    assertThat(gauges(PROD)).isEmpty();
    assertThat(gauge(MetricNames.STORE_BACKUPS, STAGING)).isEqualTo(2.0);
  }

  @Test
  void aFailingStoreWithdrawsTheFiguresAndRecoveryBringsThemBack() {
    writer.write(hourly(PROD, 3, T0, 10, 10));
    writer.write(hourly(STAGING, 2, T0, 10, 10));
    AtomicBoolean failing = new AtomicBoolean();
    StoreInventory inventory = inventory(failingWhile(store, failing));
    inventory.refresh(Cancellation.create());
    Instant firstRead = clock.instant();
    assertThat(gauges(PROD)).containsKeys(FIGURES.toArray(String[]::new));

    failing.set(true);
    clock.advance(Duration.ofMinutes(1));
    StoreInventory.Snapshot down = inventory.refresh(Cancellation.create());

    assertThat(down.series().values()).noneMatch(StoreInventory.Series::readable);
    for (String cluster : List.of(PROD, STAGING)) {
      // no last known figure served as fresh: only the failure and when the last good read was
      assertThat(gauges(cluster)).containsExactlyInAnyOrderEntriesOf(Map.of(
          MetricNames.STORE_SCRAPE_SUCCESS, 0.0,
          MetricNames.STORE_LAST_REFRESH, seconds(firstRead)));
    }
    assertThat(registry.scrape()).doesNotContain(MetricNames.STORE_NEWEST).doesNotContain(MetricNames.STORE_BACKUPS);

    writer.write(hourly(PROD, 1, T0.plus(Duration.ofDays(1)), 50_000, 10));
    failing.set(false);
    clock.advance(Duration.ofMinutes(1));
    inventory.refresh(Cancellation.create());

    assertThat(gauge(MetricNames.STORE_SCRAPE_SUCCESS, PROD)).isEqualTo(1.0);
    assertThat(gauge(MetricNames.STORE_BACKUPS, PROD)).isEqualTo(4.0);
    assertThat(gauge(MetricNames.STORE_NEWEST, PROD)).isEqualTo(seconds(T0.plus(Duration.ofDays(1))));
    assertThat(gauge(MetricNames.STORE_LAST_REFRESH, PROD)).isEqualTo(seconds(clock.instant()));
    assertThat(gauge(MetricNames.STORE_BACKUPS, STAGING)).isEqualTo(2.0);
  }

  @Test
  void oneClusterFailingLeavesTheOthersAlone() {
    writer.write(hourly(PROD, 3, T0, 10, 10));
    writer.write(hourly(STAGING, 2, T0, 10, 10));
    AtomicBoolean failing = new AtomicBoolean();
    BackupStore stagingFails = failingWhile(store, failing, prefix -> Layout.seriesPrefixes(STAGING).contains(prefix));
    StoreInventory inventory = inventory(stagingFails, PROD, STAGING);
    inventory.refresh(Cancellation.create());
    failing.set(true);

    inventory.refresh(Cancellation.create());

    assertThat(gauge(MetricNames.STORE_SCRAPE_SUCCESS, STAGING)).isEqualTo(0.0);
    assertThat(gauge(MetricNames.STORE_BACKUPS, STAGING)).isNull();
    assertThat(gauge(MetricNames.STORE_SCRAPE_SUCCESS, PROD)).isEqualTo(1.0);
    assertThat(gauge(MetricNames.STORE_BACKUPS, PROD)).isEqualTo(3.0);
  }

  @Test
  void aStoreThatFailsFromTheStartReportsZeroForTheNamedClusters() {
    AtomicBoolean failing = new AtomicBoolean(true);

    inventory(failingWhile(store, failing), PROD).refresh(Cancellation.create());

    assertThat(gauges(PROD)).containsExactlyEntriesOf(Map.of(MetricNames.STORE_SCRAPE_SUCCESS, 0.0));
  }

  @Test
  void unreadableManifestsAreCountedApartAndTheReadableOnesStillCount() {
    List<Manifest> prod = hourly(PROD, 5, T0, 10, 10);
    writer.write(prod);
    Manifest newest = prod.get(4);
    writer.put(newest.manifestKey(), "{ not json");

    inventory(store, PROD).refresh(Cancellation.create());

    assertThat(gauge(MetricNames.STORE_SCRAPE_SUCCESS, PROD)).isEqualTo(1.0);
    assertThat(gauge(MetricNames.STORE_UNREADABLE, PROD)).isEqualTo(1.0);
    assertThat(gauge(MetricNames.STORE_BACKUPS, PROD)).isEqualTo(4.0);
    // the newest backup that could be restored: an age alert fires if that one is too old
    assertThat(gauge(MetricNames.STORE_NEWEST, PROD)).isEqualTo(seconds(prod.get(3).startedAt()));
  }

  @Test
  void labelValuesComeOnlyFromTheFixedSets() {
    writer.write(hourly(PROD, 2, T0, 10, 10));
    writer.write(hourly(STAGING, 2, T0, 10, 10));
    // things a store may hold that are no series: a name that is not a cluster name, stray files
    writer.put("v1/Not A Cluster/20260301T000000Z-r00000000000000000010-abcd/manifest.json", "{}");
    writer.put("v1/" + PROD + "/notes.txt", "hello");
    writer.put("README", "hello");
    AtomicBoolean failing = new AtomicBoolean();
    StoreInventory inventory = inventory(failingWhile(store, failing));
    inventory.refresh(Cancellation.create());
    failing.set(true);
    inventory.refresh(Cancellation.create());
    failing.set(false);
    inventory.refresh(Cancellation.create());

    List<Meter> ours = registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("etcd_backup_store_")).toList();
    assertThat(ours).hasSize(2 * 8);
    for (Meter m : ours) {
      assertThat(m.getId().getTags()).extracting(Tag::getKey).containsExactly(MetricNames.CLUSTER, MetricNames.STORE);
      assertThat(m.getId().getTag(MetricNames.STORE)).isIn(MetricNames.STORE_KINDS).isEqualTo(kind());
      assertThat(m.getId().getTag(MetricNames.CLUSTER)).isIn(PROD, STAGING);
    }
    assertThat(ours).extracting(m -> m.getId().getName()).containsOnly(MetricNames.STORE_BACKUPS, MetricNames.STORE_NEWEST,
        MetricNames.STORE_OLDEST, MetricNames.STORE_NEWEST_REVISION, MetricNames.STORE_BYTES, MetricNames.STORE_UNREADABLE,
        MetricNames.STORE_SCRAPE_SUCCESS, MetricNames.STORE_LAST_REFRESH);
  }

  @Test
  void aScrapeDuringARefreshSeesTheOldFigures() throws Exception {
    writer.write(hourly(PROD, 2, T0, 10, 10));
    writer.write(hourly(STAGING, 2, T0, 10, 10));
    AtomicBoolean hold = new AtomicBoolean();
    CountDownLatch reachedStaging = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BackupStore slowStaging = new DelegatingStore(store) {
      @Override
      public InputStream open(String key) throws IOException {
        if (hold.get() && Layout.seriesPrefixes(STAGING).stream().anyMatch(key::startsWith)) {
          reachedStaging.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
          }
        }
        return super.open(key);
      }
    };
    StoreInventory inventory = inventory(slowStaging);
    inventory.refresh(Cancellation.create());
    writer.write(hourly(PROD, 1, T0.plus(Duration.ofDays(3)), 90_000, 10));
    writer.write(hourly(STAGING, 1, T0.plus(Duration.ofDays(3)), 90_000, 10));
    hold.set(true);

    CompletableFuture<StoreInventory.Snapshot> refresh = CompletableFuture.supplyAsync(() -> inventory.refresh(Cancellation.create()));
    assertThat(reachedStaging.await(30, TimeUnit.SECONDS)).isTrue();
    // prod is read already, staging half way: the gauges still show the last refresh, whole
    String during = registry.scrape();
    assertThat(gauge(MetricNames.STORE_BACKUPS, PROD)).isEqualTo(2.0);
    assertThat(gauge(MetricNames.STORE_NEWEST_REVISION, PROD)).isEqualTo(1010.0);
    assertThat(gauge(MetricNames.STORE_BACKUPS, STAGING)).isEqualTo(2.0);
    release.countDown();
    refresh.get(30, TimeUnit.SECONDS);

    assertThat(during).contains("etcd_backup_store_backups{cluster=\"prod\",store=\"" + kind() + "\"} 2");
    assertThat(gauge(MetricNames.STORE_BACKUPS, PROD)).isEqualTo(3.0);
    assertThat(gauge(MetricNames.STORE_NEWEST_REVISION, PROD)).isEqualTo(90_000.0);
    assertThat(gauge(MetricNames.STORE_BACKUPS, STAGING)).isEqualTo(3.0);
  }

  @Test
  void aCancelledRefreshPublishesNothing() {
    writer.write(hourly(PROD, 2, T0, 10, 10));
    StoreInventory inventory = inventory(store, PROD);
    Cancellation cancel = Cancellation.create();
    cancel.cancel("SIGTERM received");

    assertThatThrownBy(() -> inventory.refresh(cancel)).isInstanceOf(CancelledException.class);

    assertThat(gauges(PROD)).isEmpty();
    assertThat(inventory.current().series()).isEmpty();
  }

  @Test
  void refreshedWithinCountsFromTheLastFinishedRefreshEvenAFailedOne() {
    AtomicBoolean failing = new AtomicBoolean(true);
    StoreInventory inventory = inventory(failingWhile(store, failing), PROD);
    Duration window = Duration.ofMinutes(3);

    clock.advance(Duration.ofMinutes(2));
    assertThat(inventory.refreshedWithin(window)).as("within the window from the start").isTrue();
    clock.advance(Duration.ofMinutes(2));
    assertThat(inventory.refreshedWithin(window)).as("no refresh for 4 minutes").isFalse();

    inventory.refresh(Cancellation.create());
    assertThat(inventory.refreshedWithin(window)).as("a store that fails is the metrics' business").isTrue();
    clock.advance(window.plusSeconds(1));
    assertThat(inventory.refreshedWithin(window)).isFalse();
  }

  @Test
  void clusterNamesAreCheckedOnce() {
    assertThatThrownBy(() -> inventory(store, "bad name"))
        .hasMessage("--cluster-name (bad name) must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    assertThat(Set.copyOf(registry.getMeters())).isEmpty();
  }
}
