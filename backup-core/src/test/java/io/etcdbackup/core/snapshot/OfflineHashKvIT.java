package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link OfflineHashKv} on a snapshot equals the live member's {@code HashKV} at the same
 * revisions, on etcd 3.4.23 and 3.5.30: before any compaction, then current, one below, just
 * after a compaction, at the compaction revision itself, and after every key was deleted and
 * compacted away.
 */
@ExtendWith(EtcdClusterExtension.class)
class OfflineHashKvIT {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void offlineHashKvEqualsTheMembers(EtcdVersion version) throws Exception {
    HashKvRules rules = HashKvRules.forEtcdVersion(version.version());
    try (EtcdCluster c = EtcdCluster.builder().version(version).members(1).start()) {
      RealEtcd.put(c.client().getKVClient(), "/first", "1");
      RealEtcd.put(c.client().getKVClient(), "/first", "2");
      Path fresh = RealEtcd.save(c, dir.resolve("fresh.db"));
      assertSameAsMember(c, fresh, 0, rules, -1);
      assertSameAsMember(c, fresh, 2, rules, -1);

      RealEtcd.Marks marks = RealEtcd.writeHistory(c.client());
      long compactAt = marks.compactRevision();
      long current = marks.current();
      Path snap = RealEtcd.save(c, dir.resolve("history.db"));

      for (long rev : new long[] {0, current, current - 1, compactAt + 1}) {
        assertSameAsMember(c, snap, rev, rules, compactAt);
      }
      assertBothRefuse(c, snap, compactAt - 1, rules, "compacted");
      assertBothRefuse(c, snap, current + 1, rules, "future");
      atTheCompactionRevision(c, snap, compactAt, rules);

      afterDeletingAndCompactingEverything(c, version, rules);
    }
  }

  /**
   * 3.4.23 refuses HashKV at the compaction revision. 3.5.30 answers from the hash it stored while
   * compacting, computed before the compaction (its compact_revision is the previous one, -1), so
   * it cannot match a file; a restarted member has no stored hashes and computes it as the file does.
   */
  private static void atTheCompactionRevision(EtcdCluster c, Path snap, long compactAt, HashKvRules rules)
      throws Exception {
    if (rules.refusesCompactRevision()) {
      assertBothRefuse(c, snap, compactAt, rules, "compacted");
      return;
    }
    assertThat(RealEtcd.hashKv(c, compactAt)[1]).as("stored hash of the compaction").isEqualTo(-1);
    c.stop(0);
    c.restart(0);
    assertSameAsMember(c, snap, compactAt, rules, compactAt);
  }

  /**
   * Deletes every key in one delete (tombstones at revision R), compacts at R and restarts. 3.4.23
   * deletes those tombstones while compacting; 3.5.30 keeps them, and then only its tombstone rule
   * keeps them out of the hash, since nothing is alive (Keep is empty).
   */
  private void afterDeletingAndCompactingEverything(EtcdCluster c, EtcdVersion version, HashKvRules rules)
      throws Exception {
    var deleted = c.client().getKVClient().delete(RealEtcd.bs("/"), DeleteOption.builder().isPrefix(true).build())
        .get(30, TimeUnit.SECONDS);
    long r = deleted.getHeader().getRevision();
    c.client().getKVClient().compact(r, CompactOption.builder().withCompactPhysical(true).build()).get(30, TimeUnit.SECONDS);
    c.stop(0);
    c.restart(0);
    Path snap = RealEtcd.save(c, dir.resolve("deleted.db"));
    long[] keys = new long[1];
    try (BboltReader reader = BboltReader.open(snap)) {
      reader.forEach(EtcdSchema.KEY, (k, v) -> keys[0]++);
    }
    if (version == EtcdVersion.V3_4) {
      assertThat(keys[0]).as("3.4.23 compaction deletes the tombstones at its revision").isZero();
      assertSameAsMember(c, snap, 0, rules, r);
      return;
    }
    assertThat(keys[0]).as("3.5.30 compaction keeps the tombstones at its revision").isEqualTo(deleted.getDeleted()).isPositive();
    assertSameAsMember(c, snap, r, rules, r);
    assertSameAsMember(c, snap, 0, rules, r);
    assertThat(OfflineHashKv.compute(snap, r, HashKvRules.COMPACT_REV_ALLOWED).hash())
        .as("without the tombstone rule").isNotEqualTo(RealEtcd.hashKv(c, r)[0]);
  }

  private static void assertSameAsMember(EtcdCluster c, Path snap, long rev, HashKvRules rules, long compactAt)
      throws Exception {
    long[] live = RealEtcd.hashKv(c, rev);
    HashKvResult ours = OfflineHashKv.compute(snap, rev, rules);
    assertThat(ours.compactRevision()).as("compact revision at rev %d", rev).isEqualTo(live[1]).isEqualTo(compactAt);
    assertThat(ours.hash()).as("hash at rev %d", rev).isEqualTo(live[0]);
  }

  private static void assertBothRefuse(EtcdCluster c, Path snap, long rev, HashKvRules rules, String why) {
    assertThatThrownBy(() -> RealEtcd.hashKv(c, rev)).isInstanceOf(ExecutionException.class)
        .hasMessageContaining(why.equals("compacted") ? "compacted" : "future");
    assertThatThrownBy(() -> OfflineHashKv.compute(snap, rev, rules)).isInstanceOfSatisfying(
        RevisionUnavailableException.class, e -> assertThat(e.compacted()).isEqualTo(why.equals("compacted")));
  }
}
