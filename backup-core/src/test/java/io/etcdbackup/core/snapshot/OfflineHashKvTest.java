package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Offline HashKV against a literal model of etcd's key index ({@link ReferenceKeyIndex}) over
 * random histories, compacted the way 3.4.23 and 3.5.30 compact, or with a compaction pending.
 * The real-etcd comparison is OfflineHashKvIT.
 */
class OfflineHashKvTest {
  @TempDir Path dir;

  /** How the db looks after compaction at R. */
  enum Mode { FINISHED_3_5, FINISHED_3_4, PENDING }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void randomHistoriesMatchTheModel(int seed) throws Exception {
    Random rnd = new Random(seed);
    History h = History.random(rnd, 40 + rnd.nextInt(40), 2 + rnd.nextInt(8));
    long last = h.revision();
    long compactAt = 2 + rnd.nextInt((int) last - 1);
    for (Mode mode : Mode.values()) {
      boolean newRules = mode != Mode.FINISHED_3_4;
      ReferenceKeyIndex live = new ReferenceKeyIndex(h.records, newRules);
      List<History.Rec> db = mode == Mode.PENDING ? h.records : survivors(h.records, compactAt, newRules);
      live.compact(compactAt);
      Path f = dir.resolve("db-" + seed + "-" + mode);
      History.write(f, db, compactAt, mode == Mode.PENDING ? -1 : compactAt);
      HashKvRules rules = newRules ? HashKvRules.COMPACT_TOMBSTONE_SKIPPED : HashKvRules.COMPACT_REV_ALLOWED;
      for (long rev = compactAt; rev <= last; rev++) {
        Set<ReferenceKeyIndex.Rev> keep = live.keep(rev);
        long expected = ReferenceKeyIndex.hash(db, keep, compactAt, rev, rules.skipsTombstoneAtCompactRevision());
        HashKvResult got = OfflineHashKv.compute(f, rev, rules);
        assertThat(got.hash()).as("seed %d mode %s rev %d compact %d", seed, mode, rev, compactAt).isEqualTo(expected);
        assertThat(got.compactRevision()).isEqualTo(compactAt);
        assertThat(got.currentRevision()).isEqualTo(last);
        // a member restarted on this file rebuilds its index from it: same Keep
        Set<ReferenceKeyIndex.Rev> restarted = new ReferenceKeyIndex(db, newRules).keep(rev);
        assertThat(ReferenceKeyIndex.hash(db, restarted, compactAt, rev, rules.skipsTombstoneAtCompactRevision()))
            .isEqualTo(expected);
      }
      assertThat(OfflineHashKv.compute(f, 0, rules).hash()).isEqualTo(OfflineHashKv.compute(f, last, rules).hash());
    }
  }

  @Test
  void withoutCompactionEveryRecordUpToTheRevisionCounts() throws Exception {
    History h = new History().txn("put a 1").txn("put b 2").txn("del a").txn("put a 3", "put c 4");
    Path f = dir.resolve("plain.db");
    History.write(f, h.records, -1, -1);
    for (long rev = 1; rev <= h.revision(); rev++) {
      HashKvResult r = OfflineHashKv.compute(f, rev);
      assertThat(r.hash()).isEqualTo(ReferenceKeyIndex.hash(h.records, Set.of(), -1, rev, true));
      assertThat(r.compactRevision()).isEqualTo(-1);
      assertThat(r.currentRevision()).isEqualTo(5);
    }
  }

  @Test
  void tombstoneAtTheCompactionRevisionWithNothingAliveDependsOnTheRules() throws Exception {
    // put a, put b, del a, del b (rev 5), compact 5: 3.5.16+ keeps tombstone 5 on disk, Keep(5) is
    // empty, so only the tombstone rule keeps it out of the hash.
    History h = new History().txn("put a 1").txn("put b 2").txn("del a").txn("del b");
    List<History.Rec> db = survivors(h.records, 5, true);
    assertThat(db).extracting(History.Rec::main).containsExactly(5L);
    Path f = dir.resolve("tomb.db");
    History.write(f, db, 5, 5);
    long emptyHash = ReferenceKeyIndex.hash(List.of(), Set.of(), 5, 5, true);
    assertThat(OfflineHashKv.compute(f, 5, HashKvRules.COMPACT_TOMBSTONE_SKIPPED).hash()).isEqualTo(emptyHash);
    assertThat(OfflineHashKv.compute(f, 5, HashKvRules.COMPACT_REV_ALLOWED).hash()).isNotEqualTo(emptyHash);
    assertThatThrownBy(() -> OfflineHashKv.compute(f, 5, HashKvRules.COMPACT_REV_REFUSED))
        .isInstanceOf(RevisionUnavailableException.class).hasMessageContaining("revision 5 has been compacted");
    // rev 0 is resolved after the range check (etcd HashByRev), so even 3.4.0-3.4.26 answer it
    assertThat(OfflineHashKv.compute(f, 0, HashKvRules.COMPACT_REV_REFUSED).currentRevision()).isEqualTo(5);
  }

  @Test
  void compactedAndFutureRevisionsAreRefused() throws Exception {
    History h = new History().txn("put a 1").txn("put a 2").txn("put a 3").txn("put b 1");
    Path f = dir.resolve("range.db");
    History.write(f, survivors(h.records, 3, true), 3, 3);
    assertThatThrownBy(() -> OfflineHashKv.compute(f, 2))
        .isInstanceOfSatisfying(RevisionUnavailableException.class, e -> {
          assertThat(e.compacted()).isTrue();
          assertThat(e.compactRevision()).isEqualTo(3);
        })
        .hasMessageContaining("revision 2 has been compacted (compact revision 3)");
    assertThatThrownBy(() -> OfflineHashKv.compute(f, 6))
        .isInstanceOfSatisfying(RevisionUnavailableException.class, e -> assertThat(e.compacted()).isFalse())
        .hasMessageContaining("revision 6 is a future revision (current revision 5)");
    assertThat(OfflineHashKv.compute(f, 3).compactRevision()).isEqualTo(3);
    assertThatThrownBy(() -> OfflineHashKv.compute(f, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void emptyDbIsAtRevisionOne() throws Exception {
    Path f = dir.resolve("empty.db");
    History.write(f, List.of(), -1, -1);
    HashKvResult r = OfflineHashKv.compute(f, 0);
    assertThat(r.currentRevision()).isEqualTo(1);
    assertThat(r.hash()).isEqualTo(ReferenceKeyIndex.hash(List.of(), Set.of(), -1, 1, true));
  }

  /** What stays on disk after a finished compaction at {@code atRev}. */
  static List<History.Rec> survivors(List<History.Rec> records, long atRev, boolean newRules) {
    Set<ReferenceKeyIndex.Rev> available = new ReferenceKeyIndex(records, newRules).compactAvailable(atRev);
    return records.stream()
        .filter(r -> r.main() > atRev || available.contains(new ReferenceKeyIndex.Rev(r.main(), r.sub())))
        .toList();
  }
}
