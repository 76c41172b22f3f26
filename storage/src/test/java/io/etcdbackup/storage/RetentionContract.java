package io.etcdbackup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.retention.PruneRequest;
import io.etcdbackup.core.retention.PruneResult;
import io.etcdbackup.core.retention.Pruner;
import io.etcdbackup.core.retention.RetentionPolicy;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.DeleteFailure;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.testing.DelegatingStore;
import io.etcdbackup.testing.SeriesWriter;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention against a real store: what {@code prune} deletes is exactly the plan, a plan is only
 * made from a complete listing, one series at a time, leftovers and unknown objects. Every
 * provider's test extends this, as with {@link BackupStoreContract}.
 */
public abstract class RetentionContract {
  protected static final String CLUSTER = "prod";
  protected static final String OTHER = "staging";
  /** The planner's now: seven hours after the objects' real write time, so leftovers are past a 6h grace. */
  protected static final Instant NOW = Instant.now().plus(Duration.ofHours(7)).truncatedTo(ChronoUnit.SECONDS);
  protected static final Duration LEFTOVER_GRACE = Duration.ofHours(6);

  /** A new, empty store for one test. */
  protected abstract BackupStore newStore() throws IOException;

  /**
   * The same store whose listing fails part way (S3: on the second page), as a flaky network
   * would; deletes still reach the real store, so a test sees any that were sent.
   */
  protected abstract BackupStore failingListing(BackupStore store) throws IOException;

  protected BackupStore store;
  protected SeriesWriter writer;

  @BeforeEach
  void openStore() throws IOException {
    store = newStore();
    writer = new SeriesWriter(store, 16);
  }

  @AfterEach
  void closeStore() throws IOException {
    store.close();
  }

  protected static PruneResult prune(BackupStore s, RetentionPolicy policy, boolean dryRun) {
    return new Pruner(new BackupRepository(s), Clock.fixed(NOW, ZoneOffset.UTC))
        .prune(new PruneRequest(CLUSTER, policy, LEFTOVER_GRACE, dryRun), RunListener.NONE, Cancellation.create());
  }

  /** {@code n} backups of {@code cluster}, one every {@code step}, the newest {@code newestAge} before NOW. */
  protected static List<Manifest> series(String cluster, int n, Duration step, Duration newestAge, long firstRevision,
      long revisionStep) {
    List<Manifest> out = new ArrayList<>();
    Instant oldest = NOW.minus(newestAge).minus(step.multipliedBy(n - 1L));
    for (int i = 0; i < n; i++) {
      out.add(SeriesWriter.manifest(cluster, oldest.plus(step.multipliedBy(i)), firstRevision + i * revisionStep,
          100 + i % 7));
    }
    return out;
  }

  protected Set<String> ids(String cluster) {
    return new BackupRepository(store).list(cluster).stream().map(Manifest::id).collect(Collectors.toCollection(TreeSet::new));
  }

  protected Set<String> keys() throws IOException {
    return store.list("").stream().map(StoredObject::key).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> idsOf(Collection<Manifest> ms) {
    return ms.stream().map(Manifest::id).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void twelveHundredBackupsPruneToExactlyWhatThePolicyKeeps() throws IOException {
    // Hourly for 50 days; revisions cross 100,000 and 1,000,000 on the way (a digit more must not
    // reorder anything).
    List<Manifest> all = series(CLUSTER, 1200, Duration.ofHours(1), Duration.ofHours(2), 98_000, 1_000);
    writer.write(all);
    RetentionPolicy policy = RetentionPolicy.builder().keepLast(10).keepDaily(7).keepWeekly(4).keepMonthly(2).build();

    PruneResult r = prune(store, policy, false);

    // The oracle, written apart from the planner: newest first by time, the newest 10, and the
    // newest of each of the last 7 days, 4 ISO weeks, 2 months that have a backup.
    List<Manifest> newestFirst = all.stream().sorted(Comparator.comparing(Manifest::startedAt).reversed()).toList();
    Set<String> expected = new LinkedHashSet<>();
    newestFirst.stream().limit(10).forEach(m -> expected.add(m.id()));
    expected.addAll(newestOfPeriods(newestFirst, 7, t -> LocalDate.ofInstant(t, ZoneOffset.UTC)));
    expected.addAll(newestOfPeriods(newestFirst, 4, t -> {
      LocalDate d = LocalDate.ofInstant(t, ZoneOffset.UTC);
      return d.get(IsoFields.WEEK_BASED_YEAR) * 100 + d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
    }));
    expected.addAll(newestOfPeriods(newestFirst, 2, t -> LocalDate.ofInstant(t, ZoneOffset.UTC).withDayOfMonth(1)));

    assertThat(ids(CLUSTER)).isEqualTo(new TreeSet<>(expected));
    assertThat(idsOf(r.deleted())).hasSize(1200 - expected.size()).doesNotContainAnyElementsOf(expected);
    assertThat(idsOf(r.deleted())).isEqualTo(idsOf(r.plan().toDelete()));
    assertThat(r.reason()).isEqualTo(Reason.OK);
    // Each deleted backup went whole: no data object of it remains.
    Set<String> expectedKeys = all.stream().filter(m -> expected.contains(m.id()))
        .flatMap(m -> List.of(m.manifestKey(), m.objectKey()).stream()).collect(Collectors.toCollection(TreeSet::new));
    assertThat(keys()).isEqualTo(expectedKeys);
  }

  private static <P> List<String> newestOfPeriods(List<Manifest> newestFirst, int n, Function<Instant, P> period) {
    List<String> out = new ArrayList<>();
    Set<P> seen = new LinkedHashSet<>();
    for (Manifest m : newestFirst) {
      if (seen.size() == n && !seen.contains(period.apply(m.startedAt()))) {
        break;
      }
      if (seen.add(period.apply(m.startedAt()))) {
        out.add(m.id());
      }
    }
    return out;
  }

  @Test
  void aDryRunPlansAndDeletesNothing() throws IOException {
    writer.write(series(CLUSTER, 20, Duration.ofHours(1), Duration.ofHours(2), 500, 10));
    Set<String> before = keys();

    PruneResult r = prune(store, RetentionPolicy.builder().keepLast(4).build(), true);

    assertThat(r.dryRun()).isTrue();
    assertThat(r.deleted()).hasSize(16);
    assertThat(keys()).isEqualTo(before);
  }

  @Test
  void aListingThatFailsPartWayDeletesNothing() throws IOException {
    // More than one S3 page (1,000 keys): 600 backups are 1,200 objects, all under the v2 prefix
    // (even revisions: SeriesWriter).
    writer.write(series(CLUSTER, 600, Duration.ofMinutes(10), Duration.ofHours(2), 2, 2));
    Set<String> before = keys();

    try (BackupStore flaky = failingListing(store)) {
      assertThatThrownBy(() -> prune(flaky, RetentionPolicy.builder().keepLast(1).minKeep(1).build(), false))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("cannot list");
    }
    assertThat(keys()).isEqualTo(before);
  }

  @Test
  void anUnreadableManifestDeletesNothing() throws IOException {
    List<Manifest> all = series(CLUSTER, 12, Duration.ofHours(1), Duration.ofHours(2), 10, 10);
    writer.write(all);
    writer.put(all.get(5).manifestKey(), "{\"formatVersion\": 1, \"id\": ");
    Set<String> before = keys();

    assertThatThrownBy(() -> prune(store, RetentionPolicy.builder().keepLast(1).minKeep(1).build(), false))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(all.get(5).manifestKey())
        .hasMessageContaining("nothing was deleted");
    assertThat(keys()).isEqualTo(before);
  }

  @Test
  void aManifestThatNamesAnotherBackupDeletesNothing() throws IOException {
    List<Manifest> all = series(CLUSTER, 6, Duration.ofHours(1), Duration.ofHours(2), 10, 10);
    writer.write(all);
    // Copied from another directory: it would make the planner count one backup twice.
    writer.put(Layout.manifestKey(CLUSTER, BackupId.create(NOW.minus(Duration.ofDays(30))).toString()),
        io.etcdbackup.core.store.ManifestCodec.toJson(all.get(0)));
    Set<String> before = keys();

    assertThatThrownBy(() -> prune(store, RetentionPolicy.builder().keepLast(1).minKeep(1).build(), false))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("names backup " + all.get(0).id());
    assertThat(keys()).isEqualTo(before);
  }

  @Test
  void onlyTheNamedSeriesIsTouched() throws IOException {
    writer.write(series(CLUSTER, 30, Duration.ofHours(1), Duration.ofHours(2), 100, 5));
    writer.write(series(OTHER, 30, Duration.ofHours(1), Duration.ofHours(2), 100, 5));
    // A series whose name starts with the other's: "prod" must not reach "prod-eu".
    writer.write(series(CLUSTER + "-eu", 5, Duration.ofHours(1), Duration.ofHours(2), 100, 5));
    Set<String> others = keys().stream().filter(k -> !inSeries(k, CLUSTER))
        .collect(Collectors.toCollection(TreeSet::new));

    PruneResult r = prune(store, RetentionPolicy.builder().keepLast(1).minKeep(1).build(), false);

    assertThat(r.deleted()).hasSize(29);
    assertThat(ids(CLUSTER)).hasSize(1);
    Set<String> othersAfter = keys().stream().filter(k -> !inSeries(k, CLUSTER))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(othersAfter).isEqualTo(others);
  }

  @Test
  void oldLeftoversAndUnfinishedUploadsGoAndUnknownObjectsStay() throws IOException {
    List<Manifest> all = series(CLUSTER, 3, Duration.ofHours(1), Duration.ofHours(2), 10, 10);
    writer.write(all);
    // One leftover in each layout: a killed run of an older version (v1) and of this one (v2).
    String leftover = Layout.objectKey(CLUSTER, BackupId.createV1(NOW.minus(Duration.ofDays(2)), 7).toString(),
        "snapshot.db.zst");
    String leftoverV2 = Layout.objectKey(CLUSTER, BackupId.create(NOW.minus(Duration.ofDays(3))).toString(),
        "snapshot.db.zst.age");
    writer.put(leftover, new byte[100]);
    writer.put(leftoverV2, new byte[100]);
    List<String> unknown = List.of(
        Layout.V1 + CLUSTER + "/README.txt",
        Layout.V1 + CLUSTER + "/log/00000000000000000001.wal",
        Layout.writePrefix(CLUSTER) + "README.txt",
        // a v1 id in the v2 layout: no version writes that
        Layout.writePrefix(CLUSTER) + BackupId.createV1(NOW.minus(Duration.ofDays(2)), 8) + "/snapshot.db",
        Layout.backupPrefix(CLUSTER, all.get(0).id()) + "notes.txt");
    unknown.forEach(k -> writer.put(k, "not a backup's"));
    // Another kind of object in the v2 series (the revision log to come): not even listed.
    List<String> otherKind = List.of(Layout.V2 + CLUSTER + "/revlog/00000000000000000001.log",
        Layout.V2 + CLUSTER + "/revlog/" + BackupId.create(NOW.minus(Duration.ofDays(9))) + "/snapshot.db");
    otherKind.forEach(k -> writer.put(k, "another kind's"));
    ObjectUpload unfinished = store.create(Layout.objectKey(CLUSTER, BackupId.create(NOW).toString(),
        "snapshot.db.zst"));
    // More than S3's default 8 MiB part: from here on a multipart upload exists (locally, a temporary file).
    unfinished.stream().write(new byte[9 * 1024 * 1024]);

    PruneResult r = prune(store, RetentionPolicy.builder().keepLast(3).build(), false);

    assertThat(r.deleted()).isEmpty();
    assertThat(r.leftovers()).extracting(BackupRepository.Leftover::id)
        .containsExactlyInAnyOrder(Layout.parse(leftover).orElseThrow().id(), Layout.parse(leftoverV2).orElseThrow().id());
    assertThat(r.uploads()).hasSize(1);
    for (String prefix : Layout.seriesPrefixes(CLUSTER)) {
      assertThat(store.incompleteUploads(prefix)).isEmpty();
    }
    assertThat(r.unknown()).extracting(StoredObject::key).containsExactlyInAnyOrderElementsOf(unknown);
    assertThat(keys()).doesNotContain(leftover, leftoverV2).containsAll(unknown).containsAll(otherKind);
    assertThat(ids(CLUSTER)).isEqualTo(idsOf(all));
    unfinished.close(); // the pruned upload's own abort finds nothing left, without an error
  }

  @Test
  void youngLeftoversStay() throws IOException {
    writer.write(series(CLUSTER, 3, Duration.ofHours(1), Duration.ofHours(2), 10, 10));
    String leftover = Layout.objectKey(CLUSTER, BackupId.create(NOW.minus(Duration.ofDays(2))).toString(),
        "snapshot.db");
    writer.put(leftover, new byte[100]);

    PruneResult r = new Pruner(new BackupRepository(store), Clock.fixed(NOW, ZoneOffset.UTC)).prune(
        new PruneRequest(CLUSTER, RetentionPolicy.builder().keepLast(3).build(), Duration.ofHours(8), false),
        RunListener.NONE, Cancellation.create());

    assertThat(r.leftovers()).isEmpty();
    assertThat(keys()).contains(leftover);
  }

  @Test
  void aBackupUnderAnUnexpiredObjectLockIsNotTried() throws IOException {
    Instant t = NOW.minus(Duration.ofDays(10));
    Manifest locked = SeriesWriter.manifest(CLUSTER, BackupId.create(t).toString(), t, 1, 10, true,
        new Manifest.Retention("COMPLIANCE", NOW.plus(Duration.ofDays(20))));
    Instant t2 = t.plus(Duration.ofHours(1));
    Manifest expired = SeriesWriter.manifest(CLUSTER, BackupId.createV1(t2, 2).toString(), t2, 2, 10, true,
        new Manifest.Retention("COMPLIANCE", NOW.minus(Duration.ofDays(1))));
    List<Manifest> recent = series(CLUSTER, 3, Duration.ofHours(1), Duration.ofHours(2), 10, 10);
    writer.write(List.of(locked, expired));
    writer.write(recent);
    Recording recording = new Recording(store);

    PruneResult r = prune(recording, RetentionPolicy.builder().keepLast(3).build(), false);

    assertThat(r.locked()).extracting(Manifest::id).containsExactly(locked.id());
    assertThat(r.deleted()).extracting(Manifest::id).containsExactly(expired.id());
    assertThat(recording.deleted).doesNotContain(locked.manifestKey(), locked.objectKey());
    assertThat(ids(CLUSTER)).contains(locked.id()).doesNotContain(expired.id());
    assertThat(r.reason()).isEqualTo(Reason.OK);
  }

  @Test
  void aDeleteTheStoreRefusesIsReportedAndTheRestOfThePlanRuns() throws IOException {
    List<Manifest> all = series(CLUSTER, 10, Duration.ofHours(1), Duration.ofHours(2), 10, 10);
    writer.write(all);
    Manifest refused = all.get(2);
    BackupStore refusing = new DelegatingStore(store) {
      @Override
      public List<DeleteFailure> deleteAll(Collection<String> keys) throws IOException {
        List<String> rest = keys.stream().filter(k -> !k.equals(refused.manifestKey())).toList();
        List<DeleteFailure> failed = new ArrayList<>(store.deleteAll(rest));
        if (rest.size() < keys.size()) {
          failed.add(new DeleteFailure(refused.manifestKey(), "AccessDenied", "Access Denied"));
        }
        return failed;
      }
    };

    PruneResult r = prune(refusing, RetentionPolicy.builder().keepLast(2).minKeep(1).build(), false);

    assertThat(r.reason()).isEqualTo(Reason.STORE_ERROR);
    assertThat(r.failed()).singleElement().satisfies(f -> {
      assertThat(f.manifest().id()).isEqualTo(refused.id());
      assertThat(f.code()).isEqualTo("AccessDenied");
      assertThat(f.whole()).isTrue();
    });
    assertThat(r.deleted()).hasSize(7).extracting(Manifest::id).doesNotContain(refused.id());
    // The refused backup is still there, whole: manifest and data.
    assertThat(ids(CLUSTER)).hasSize(3).contains(refused.id());
    assertThat(keys()).contains(refused.objectKey());
  }

  /** Records the keys a prune asks to delete. */
  static final class Recording extends DelegatingStore {
    final List<String> deleted = new ArrayList<>();

    Recording(BackupStore store) {
      super(store);
    }

    @Override
    public synchronized List<DeleteFailure> deleteAll(Collection<String> keys) throws IOException {
      deleted.addAll(keys);
      return store.deleteAll(keys);
    }

    @Override
    public synchronized void delete(String key) throws IOException {
      deleted.add(key);
      store.delete(key);
    }
  }

  /** True for the keys of {@code cluster}'s backups, in either layout. */
  private static boolean inSeries(String key, String cluster) {
    return Layout.seriesPrefixes(cluster).stream().anyMatch(key::startsWith);
  }
}
