package io.etcdbackup.core.snapshot;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.bbolt.BboltReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.zip.CRC32C;

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
 * <p>Memory: without a compaction one pass and nothing held; with one, a first pass builds the
 * Keep index (one fingerprint and revision per user key) and a second one hashes. The file is not
 * checked as a whole (what is read is validated): run {@link SnapshotInspector#status} first.
 */
public final class OfflineHashKv {
  private static final byte[] KEY_BUCKET_NAME = EtcdSchema.KEY;
  /** Field 1, length-delimited: {@code (1 << 3) | 2}. */
  private static final int KEY_FIELD_TAG = (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

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
    if (revision < 0) {
      throw new IllegalArgumentException("revision (" + revision + ") must be 0 (current) or positive");
    }
    try (BboltReader r = BboltReader.open(db)) {
      boolean hasKeys = r.hasBucket(KEY_BUCKET_NAME);
      long compactRev = compactRevision(r);
      byte[] last = hasKeys ? r.lastKey(KEY_BUCKET_NAME) : null;
      // etcd's store starts at revision 1 (mvcc restore) and never lies below its compaction.
      long currentRev = Math.max(Math.max(1, compactRev), last == null ? 0 : revisionOf(db, last, "last key"));
      checkRange(db, revision, compactRev, currentRev, rules);
      long rev = revision == 0 ? currentRev : revision;
      CRC32C crc = new CRC32C();
      crc.update(KEY_BUCKET_NAME);
      if (hasKeys) {
        KeepIndex keep = compactRev > 0 ? keep(r, db, rev) : null;
        boolean filter = keep != null && !keep.isEmpty();
        r.forEach(KEY_BUCKET_NAME, (k, v) -> {
          long main = revisionOf(db, k, "key");
          if (main > rev) {
            return;
          }
          if (filter && main <= compactRev && !keep.keeps(userKey(db, k, v), main, Revisions.sub(k))) {
            return;
          }
          if (rules.skipsTombstoneAtCompactRevision() && main == compactRev && Revisions.isTombstone(k)) {
            return;
          }
          crc.update(k);
          crc.update(v);
        });
      }
      return new HashKvResult(crc.getValue(), compactRev, currentRev);
    }
  }

  /** Main revision of {@code meta/scheduledCompactRev} (or {@code finishedCompactRev}), -1 if never compacted. */
  static long compactRevision(BboltReader r) throws IOException {
    if (!r.hasBucket(EtcdSchema.META)) {
      return -1;
    }
    long rev = -1;
    for (byte[] name : new byte[][] {EtcdSchema.SCHEDULED_COMPACT_REV, EtcdSchema.FINISHED_COMPACT_REV}) {
      byte[] v = r.get(EtcdSchema.META, name);
      if (v != null) {
        if (v.length < Revisions.LENGTH) {
          throw new IntegrityException("meta/" + new String(name, java.nio.charset.StandardCharsets.US_ASCII)
              + " holds " + v.length + " bytes, not a revision");
        }
        rev = Math.max(rev, Revisions.main(v));
      }
    }
    return rev;
  }

  private static void checkRange(Path db, long revision, long compactRev, long currentRev, HashKvRules rules) {
    boolean compacted = revision > 0 && (revision < compactRev || (revision == compactRev && rules.refusesCompactRevision()));
    if (compacted) {
      throw new RevisionUnavailableException(db + ": revision " + revision + " has been compacted (compact revision "
          + compactRev + ")", true, revision, compactRev, currentRev);
    }
    if (revision > currentRev) {
      throw new RevisionUnavailableException(db + ": revision " + revision + " is a future revision (current revision "
          + currentRev + ")", false, revision, compactRev, currentRev);
    }
  }

  /** First pass: each user key's newest revision at or below {@code rev}. */
  private static KeepIndex keep(BboltReader r, Path db, long rev) throws IOException {
    KeepIndex keep = new KeepIndex();
    r.forEach(KEY_BUCKET_NAME, (k, v) -> {
      long main = revisionOf(db, k, "key");
      if (main <= rev) {
        keep.record(userKey(db, k, v), main, Revisions.sub(k), Revisions.isTombstone(k));
      }
    });
    return keep;
  }

  private static long revisionOf(Path db, byte[] key, String what) {
    if (key.length < Revisions.LENGTH) {
      throw new IntegrityException(db + ": bucket key: " + what + " of " + key.length + " bytes is not a revision");
    }
    return Revisions.main(key);
  }

  /**
   * Field 1 ({@code key}) of the {@code mvccpb.KeyValue} in {@code value}; empty if absent, as
   * proto3 decodes it (the entry {@code --bump-revision} adds has an empty value).
   */
  static byte[] userKey(Path db, byte[] revision, byte[] value) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(value);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == KEY_FIELD_TAG) {
          return in.readByteArray();
        }
        in.skipField(tag);
      }
      return new byte[0];
    } catch (InvalidProtocolBufferException e) {
      throw new IntegrityException(db + ": bucket key: the value at revision " + Revisions.main(revision)
          + " is not an mvccpb.KeyValue: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IntegrityException(db + ": bucket key: cannot decode the value at revision "
          + Revisions.main(revision) + ": " + e.getMessage(), e);
    }
  }
}
