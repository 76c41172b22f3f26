package io.etcdbackup.core.snapshot;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.core.bbolt.EntryView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * One offline HashKV (see {@link OfflineHashKv} for the rules) fed with the entries of bucket
 * {@code key} in order, by a pass of its own or by the check's pass ({@link SnapshotInspector}).
 *
 * <p>Keep can only be known at the end of the bucket (a revision stays in Keep until a newer one
 * of its user key turns up), so the hash is computed optimistically: every entry up to the
 * hashed revision goes in, as if Keep dropped nothing, while the Keep index is built. An entry at
 * or below the compaction revision that Keep drops is either a delete (Keep never holds one) or a
 * revision that a newer one of the same key (up to the hashed revision) replaces, and both are
 * seen as they come. If none was hashed, or Keep ends up empty (etcd then filters nothing), the
 * optimistic hash is exact: one pass. Otherwise a second pass hashes with the finished Keep, as the
 * original two-pass computation did. That happens when a compaction is still pending in the db,
 * and when a key changed between the compaction revision and the hashed one (Keep is taken at the
 * hashed revision: etcd {@code kvstore.go} {@code HashByRev} calls {@code kvindex.Keep(rev)}).
 */
final class HashKvPass {
  static final byte[] KEY_BUCKET_NAME = EtcdSchema.KEY;
  /** Field 1, length-delimited: {@code (1 << 3) | 2}. */
  private static final int KEY_FIELD_TAG = (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private final Path db;
  private final HashKvRules rules;
  private final boolean hasKeys;
  private final long compactRev;
  private final long currentRev;
  private final long rev;
  private final KeepIndex keep;
  private final CRC32C crc = new CRC32C();
  private boolean keepDropsAHashedEntry;
  private int passes;

  private HashKvPass(Path db, HashKvRules rules, boolean hasKeys, long compactRev, long currentRev, long rev) {
    this.db = db;
    this.rules = rules;
    this.hasKeys = hasKeys;
    this.compactRev = compactRev;
    this.currentRev = currentRev;
    this.rev = rev;
    this.keep = compactRev > 0 ? new KeepIndex() : null;
    crc.update(KEY_BUCKET_NAME);
  }

  /**
   * Reads what the hash depends on besides the entries (the compaction revision from
   * {@code meta}, the current revision from the last key), checks {@code revision} against them
   * and returns the pass to feed.
   *
   * @throws RevisionUnavailableException if the revision is compacted or in the future
   */
  static HashKvPass start(BboltReader r, Path db, long revision, HashKvRules rules) throws IOException {
    requireRevision(revision);
    boolean hasKeys = r.hasBucket(KEY_BUCKET_NAME);
    long compactRev = compactRevision(r);
    byte[] last = hasKeys ? r.lastKey(KEY_BUCKET_NAME) : null;
    // etcd's store starts at revision 1 (mvcc restore) and never lies below its compaction.
    long currentRev = Math.max(Math.max(1, compactRev), last == null ? 0 : revisionOf(db, last, 0, last.length, "last key"));
    checkRange(db, revision, compactRev, currentRev, rules);
    return new HashKvPass(db, rules, hasKeys, compactRev, currentRev, revision == 0 ? currentRev : revision);
  }

  static void requireRevision(long revision) {
    if (revision < 0) {
      throw new IllegalArgumentException("revision (" + revision + ") must be 0 (current) or positive");
    }
  }

  /** Whether the db has a {@code key} bucket to feed to {@link #entry}. */
  boolean hasKeys() {
    return hasKeys;
  }

  /** The next entry of bucket {@code key}, in key order. */
  void entry(EntryView e) {
    byte[] b = e.array();
    int k = e.keyOffset();
    int kl = e.keyLength();
    long main = revisionOf(db, b, k, kl, "key");
    if (e.isBucket()) {
      throw new IntegrityException(db + ": bucket key: the entry at revision " + main + " is a nested bucket");
    }
    if (main > rev) {
      return;
    }
    boolean tombstone = Revisions.isTombstone(b, k, kl);
    if (keep != null) {
      long range = userKeyRange(b, k, e.valueOffset(), e.valueLength());
      long replaced = keep.record(b, (int) (range >>> 32), (int) range, main, Revisions.sub(b, k), tombstone);
      if (replaced >= 0 && replaced <= compactRev) {
        keepDropsAHashedEntry = true; // a hashed revision that is no longer its key's newest
      }
    }
    if (rules.skipsTombstoneAtCompactRevision() && main == compactRev && tombstone) {
      return;
    }
    if (keep != null && tombstone && main <= compactRev) {
      keepDropsAHashedEntry = true; // Keep never holds a delete
    }
    crc.update(b, k, kl);
    crc.update(b, e.valueOffset(), e.valueLength());
  }

  /** The result, after a second pass over bucket {@code key} if Keep drops an entry the first one hashed. */
  HashKvResult finish(BboltReader r) throws IOException {
    passes = hasKeys ? 1 : 0;
    if (keep != null && !keep.isEmpty() && keepDropsAHashedEntry) {
      rehash(r);
      passes = 2;
    }
    return new HashKvResult(crc.getValue(), compactRev, currentRev);
  }

  /** Passes over bucket {@code key} that {@link #finish} counted (for tests). */
  int passes() {
    return passes;
  }

  /** The second pass: every entry up to the revision, Keep applied at or below the compaction revision. */
  private void rehash(BboltReader r) throws IOException {
    crc.reset();
    crc.update(KEY_BUCKET_NAME);
    r.forEachEntry(KEY_BUCKET_NAME, e -> {
      byte[] b = e.array();
      int k = e.keyOffset();
      int kl = e.keyLength();
      long main = revisionOf(db, b, k, kl, "key");
      if (main > rev) {
        return;
      }
      if (main <= compactRev) {
        long range = userKeyRange(b, k, e.valueOffset(), e.valueLength());
        if (!keep.keeps(b, (int) (range >>> 32), (int) range, main, Revisions.sub(b, k))) {
          return;
        }
      }
      if (rules.skipsTombstoneAtCompactRevision() && main == compactRev && Revisions.isTombstone(b, k, kl)) {
        return;
      }
      crc.update(b, k, kl);
      crc.update(b, e.valueOffset(), e.valueLength());
    });
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
          throw new IntegrityException("meta/" + new String(name, StandardCharsets.US_ASCII)
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

  static long revisionOf(Path db, byte[] b, int off, int len, String what) {
    if (len < Revisions.LENGTH) {
      throw new IntegrityException(db + ": bucket key: " + what + " of " + len + " bytes is not a revision");
    }
    return Revisions.main(b, off);
  }

  /**
   * Where field 1 ({@code key}) of the {@code mvccpb.KeyValue} at {@code b[off, off + len)} lies,
   * as {@code offset << 32 | length}; empty if absent, as proto3 decodes it (the entry
   * {@code --bump-revision} adds has an empty value). {@code rev} is the offset of the entry's
   * revision key, for messages.
   */
  long userKeyRange(byte[] b, int rev, int off, int len) {
    return userKeyRange(db, b, rev, off, len);
  }

  /** {@link #userKeyRange(byte[], int, int, int)} of a db named {@code db} in messages. */
  static long userKeyRange(Path db, byte[] b, int rev, int off, int len) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(b, off, len);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == KEY_FIELD_TAG) {
          int size = in.readRawVarint32();
          int start = off + in.getTotalBytesRead();
          in.skipRawBytes(size); // fails as readByteArray would on a negative or overlong size
          return (long) start << 32 | size;
        }
        in.skipField(tag);
      }
      return (long) off << 32;
    } catch (InvalidProtocolBufferException e) {
      throw new IntegrityException(db + ": bucket key: the value at revision " + Revisions.main(b, rev)
          + " is not an mvccpb.KeyValue: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new IntegrityException(db + ": bucket key: cannot decode the value at revision "
          + Revisions.main(b, rev) + ": " + e.getMessage(), e);
    }
  }
}
