package io.etcdbackup.core.snapshot;

import io.etcdbackup.core.bbolt.BboltReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * etcd's {@code Maintenance.HashKV(revision)} computed from a db file, equal to what the member the
 * file came from answers (ETCD-FORMATS.md §6).
 *
 * <p>The hash is a CRC-32C over {@code "key"} and then every entry of bucket {@code key} with
 * main revision at or below the hashed revision, except, for main revisions at or below the
 * compaction revision, entries that Keep (see {@code KeepIndex}) would not keep (only when Keep is
 * non-empty), and, by {@link HashKvRules}, a tombstone at exactly the compaction revision.
 *
 * <p>The compaction revision is {@code meta/scheduledCompactRev}: a member moves its compaction
 * revision when a compaction is scheduled, and a restarted member resumes a pending one, so the
 * entries it has yet to delete are exactly those Keep filters out. The current revision is the
 * main revision of the last key, raised to the compaction revision if lower (the member's own
 * revision never lies below its compaction; 3.4.32+ and 3.5.14+ apply the same raise on restart).
 *
 * <p>Passes and memory: without a compaction one pass and nothing held; with one, the pass also
 * builds the Keep index (one fingerprint and revision per user key), and a second pass follows
 * only when a compaction is still pending in the db (see {@code HashKvPass}). The file is not
 * checked as a whole (what is read is validated): run {@link SnapshotInspector#status} first, or
 * {@link SnapshotInspector#inspect}, which checks the file and computes both in one pass.
 */
public final class OfflineHashKv {
  private OfflineHashKv() {}

  /**
   * HashKV at {@code revision} (0 = the current revision) with the rules of current etcd
   * releases (3.4.34+, 3.5.16+, 3.6: {@link HashKvRules#COMPACT_TOMBSTONE_SKIPPED}).
   *
   * @throws RevisionUnavailableException if the revision is compacted or in the future
   */
  public static HashKvResult compute(Path db, long revision) throws IOException {
    return compute(db, revision, HashKvRules.COMPACT_TOMBSTONE_SKIPPED);
  }

  /**
   * HashKV at {@code revision} (0 = the current revision) as a member following {@code rules}
   * computes it; get them with {@link HashKvRules#forEtcdVersion(String)}.
   *
   * @throws RevisionUnavailableException if the revision is compacted (below the compaction
   *     revision, or equal to it when {@code rules} refuse that) or above the current revision
   */
  public static HashKvResult compute(Path db, long revision, HashKvRules rules) throws IOException {
    HashKvPass.requireRevision(revision);
    try (BboltReader r = BboltReader.open(db)) {
      HashKvPass pass = HashKvPass.start(r, db, revision, rules);
      if (pass.hasKeys()) {
        r.forEachEntry(HashKvPass.KEY_BUCKET_NAME, pass::entry);
      }
      return pass.finish(r);
    }
  }

  /** Main revision of {@code meta/scheduledCompactRev} (or {@code finishedCompactRev}), -1 if never compacted. */
  static long compactRevision(BboltReader r) throws IOException {
    return HashKvPass.compactRevision(r);
  }
}
