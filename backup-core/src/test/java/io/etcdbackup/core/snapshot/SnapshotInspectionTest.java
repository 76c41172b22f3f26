package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SnapshotInspector#inspect}: the status of {@link SnapshotInspector#status} and the hash of
 * the model ({@link ReferenceKeyIndex}) and of {@link OfflineHashKv#compute}, with a second pass
 * over bucket {@code key} exactly when Keep drops an entry still on disk.
 */
class SnapshotInspectionTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void randomHistoriesGiveTheStatusAndTheModelsHash(int seed) throws Exception {
    Random rnd = new Random(seed);
    History h = History.random(rnd, 40 + rnd.nextInt(40), 2 + rnd.nextInt(8));
    long last = h.revision();
    long compactAt = 2 + rnd.nextInt((int) last - 1);
    for (OfflineHashKvTest.Mode mode : OfflineHashKvTest.Mode.values()) {
      boolean newRules = mode != OfflineHashKvTest.Mode.FINISHED_3_4;
      ReferenceKeyIndex live = new ReferenceKeyIndex(h.records, newRules);
      boolean pending = mode == OfflineHashKvTest.Mode.PENDING;
      List<History.Rec> db = pending ? h.records : OfflineHashKvTest.survivors(h.records, compactAt, newRules);
      live.compact(compactAt);
      Path f = dir.resolve("db-" + seed + "-" + mode);
      History.write(f, db, compactAt, pending ? -1 : compactAt);
      SnapshotStatus status = SnapshotInspector.status(f);
      HashKvRules rules = newRules ? HashKvRules.COMPACT_TOMBSTONE_SKIPPED : HashKvRules.COMPACT_REV_ALLOWED;
      for (long rev = compactAt; rev <= last; rev++) {
        Set<ReferenceKeyIndex.Rev> keep = live.keep(rev);
        long expected = ReferenceKeyIndex.hash(db, keep, compactAt, rev, rules.skipsTombstoneAtCompactRevision());
        SnapshotInspection got = SnapshotInspector.inspect(f, rev, rules);
        String as = String.format("seed %d mode %s rev %d compact %d", seed, mode, rev, compactAt);
        assertThat(got.status()).as(as).isEqualTo(status);
        assertThat(got.hashKv()).as(as).isEqualTo(OfflineHashKv.compute(f, rev, rules));
        assertThat(got.hashKv().hash()).as(as).isEqualTo(expected);
        assertThat(got.hashKvPasses()).as(as).isEqualTo(keepDropsAHashedEntry(db, keep, compactAt, rev, rules) ? 2 : 1);
        if (rev == compactAt && !pending) {
          // a finished compaction leaves only what Keep at its own revision holds
          assertThat(got.hashKvPasses()).as(as).isEqualTo(1);
        }
      }
      assertThat(SnapshotInspector.inspect(f, 0, rules).hashKv()).isEqualTo(OfflineHashKv.compute(f, last, rules));
    }
  }

  /** Whether the exact hash leaves out an entry that hashing everything up to {@code rev} would take. */
  private static boolean keepDropsAHashedEntry(List<History.Rec> db, Set<ReferenceKeyIndex.Rev> keep, long compactRev,
      long rev, HashKvRules rules) {
    if (keep.isEmpty()) {
      return false;
    }
    for (History.Rec r : db) {
      boolean skippedByRule = rules.skipsTombstoneAtCompactRevision() && r.main() == compactRev && r.tombstone();
      if (r.main() <= rev && r.main() <= compactRev && !skippedByRule && !keep.contains(new ReferenceKeyIndex.Rev(r.main(), r.sub()))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void aSecondPassOnlyWhenKeepDropsAnEntryOnDisk() throws Exception {
    // put a@2, put a@3, put b@4, put a@5, put c@6
    History h = new History().txn("put a 1").txn("put a 2").txn("put b 3").txn("put a 4").txn("put c 5");
    HashKvRules rules = HashKvRules.COMPACT_TOMBSTONE_SKIPPED;
    // compaction at 4 pending: a@2 is still on disk and Keep(4) = {a@3, b@4} drops it
    Path pending = dir.resolve("pending.db");
    History.write(pending, h.records, 4, -1);
    assertThat(SnapshotInspector.inspect(pending, 4, rules).hashKvPasses()).isEqualTo(2);
    // finished: a@2 is gone; at revision 4 Keep drops nothing on disk
    Path finished = dir.resolve("finished.db");
    List<History.Rec> survivors = h.records.subList(1, 5);
    History.write(finished, survivors, 4, 4);
    assertThat(SnapshotInspector.inspect(finished, 4, rules).hashKvPasses()).isEqualTo(1);
    // at revision 5, Keep(5) holds a@5 instead of a@3, which is on disk at or below the compaction
    SnapshotInspection later = SnapshotInspector.inspect(finished, 5, rules);
    assertThat(later.hashKvPasses()).isEqualTo(2);
    assertThat(later.hashKv().hash()).isEqualTo(
        ReferenceKeyIndex.hash(survivors, new ReferenceKeyIndex(survivors, true).keep(5), 4, 5, true));
    // at revision 6 too; c@6 is no older key's replacement
    assertThat(SnapshotInspector.inspect(finished, 6, rules).hashKvPasses()).isEqualTo(2);
  }

  @Test
  void withoutCompactionOnePass() throws Exception {
    History h = new History().txn("put a 1").txn("put b 2").txn("del a").txn("put a 3", "put c 4");
    Path f = dir.resolve("plain.db");
    History.write(f, h.records, -1, -1);
    for (long rev = 1; rev <= h.revision(); rev++) {
      SnapshotInspection i = SnapshotInspector.inspect(f, rev, HashKvRules.COMPACT_TOMBSTONE_SKIPPED);
      assertThat(i.hashKv()).isEqualTo(OfflineHashKv.compute(f, rev));
      assertThat(i.hashKvPasses()).isEqualTo(1);
      assertThat(i.status()).isEqualTo(SnapshotInspector.status(f));
    }
  }

  @Test
  void anUnavailableRevisionStillGivesTheStatus() throws Exception {
    History h = new History().txn("put a 1").txn("put a 2").txn("put a 3").txn("put b 1");
    Path f = dir.resolve("range.db");
    History.write(f, OfflineHashKvTest.survivors(h.records, 3, true), 3, 3);
    SnapshotInspection compacted = SnapshotInspector.inspect(f, 2, HashKvRules.COMPACT_TOMBSTONE_SKIPPED);
    assertThat(compacted.status()).isEqualTo(SnapshotInspector.status(f));
    assertThatThrownBy(compacted::hashKv).isInstanceOfSatisfying(RevisionUnavailableException.class, e -> {
      assertThat(e.compacted()).isTrue();
      assertThat(e.compactRevision()).isEqualTo(3);
    }).hasMessageContaining("revision 2 has been compacted (compact revision 3)");
    SnapshotInspection future = SnapshotInspector.inspect(f, 6, HashKvRules.COMPACT_TOMBSTONE_SKIPPED);
    assertThat(future.status().revision()).isEqualTo(5);
    assertThatThrownBy(future::hashKv).isInstanceOfSatisfying(RevisionUnavailableException.class,
        e -> assertThat(e.compacted()).isFalse());
    assertThatThrownBy(() -> SnapshotInspector.inspect(f, -1, HashKvRules.COMPACT_TOMBSTONE_SKIPPED))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aDbWithoutBucketKeyHashesNothing() throws Exception {
    Path f = dir.resolve("nokey.db");
    try (var w = io.etcdbackup.core.bbolt.BboltWriter.create(f, 4096)) {
      w.bucket(EtcdSchema.META).put(EtcdSchema.CONSISTENT_INDEX, new byte[8]);
      w.finish();
    }
    SnapshotInspection i = SnapshotInspector.inspect(f, 0, HashKvRules.COMPACT_TOMBSTONE_SKIPPED);
    assertThat(i.status().revision()).isZero();
    assertThat(i.hashKv()).isEqualTo(OfflineHashKv.compute(f, 0));
    assertThat(i.hashKvPasses()).isZero();
  }

  @Test
  void aCorruptFileFailsTheCheckFirst() throws Exception {
    History h = History.random(new Random(3), 400, 50);
    Path f = dir.resolve("corrupt.db");
    History.write(f, h.records, -1, -1);
    long size = Files.size(f);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x7f}), size - 4096 + 3); // high byte of the root page's id
    }
    // the HashKV inputs cannot be read either; the check's finding is reported
    assertThatThrownBy(() -> SnapshotInspector.inspect(f, 0, HashKvRules.COMPACT_TOMBSTONE_SKIPPED))
        .isInstanceOf(IntegrityException.class).hasMessageContaining("header says page");
  }

  @Test
  void aValueThatIsNoKeyValueFailsWhenCompacted() throws Exception {
    History h = new History().txn("put a 1").txn("put a 2");
    History.Rec bad = new History.Rec(4, 0, "x", false, Revisions.encode(4, 0), new byte[] {0x0a, 0x7f});
    List<History.Rec> records = new java.util.ArrayList<>(h.records);
    records.add(bad);
    Path f = dir.resolve("bad.db");
    History.write(f, records, 2, 2);
    assertThatThrownBy(() -> SnapshotInspector.inspect(f, 4, HashKvRules.COMPACT_TOMBSTONE_SKIPPED))
        .isInstanceOf(IntegrityException.class).hasMessageContaining("the value at revision 4 is not an mvccpb.KeyValue");
    assertThatThrownBy(() -> OfflineHashKv.compute(f, 4)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("the value at revision 4 is not an mvccpb.KeyValue");
    // without a compaction, values are hashed, not decoded
    Path g = dir.resolve("bad-uncompacted.db");
    History.write(g, records, -1, -1);
    assertThat(SnapshotInspector.inspect(g, 4, HashKvRules.COMPACT_TOMBSTONE_SKIPPED).hashKv())
        .isEqualTo(OfflineHashKv.compute(g, 4));
  }
}
