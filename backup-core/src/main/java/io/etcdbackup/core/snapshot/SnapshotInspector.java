package io.etcdbackup.core.snapshot;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.bbolt.BboltCheck;
import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.core.bbolt.BucketEntryVisitor;
import io.etcdbackup.core.bbolt.EntryView;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/** {@code snapshot status} of a db file, computed the way etcd 3.4 and 3.5 do it. */
public final class SnapshotInspector {
  private SnapshotInspector() {}

  /**
   * Checks {@code db} with {@link BboltCheck} (etcd runs bbolt's {@code tx.Check()} first and
   * refuses the file on any error) and reports its status. The check and the figures come from one
   * pass over the file (etcdutl {@code snapshot/v3_snapshot.go} {@code Status}: a CRC-32C over each
   * bucket name followed by its keys and values, a nested bucket contributing its key and an empty
   * value; every entry counted; the revision from the last key of bucket {@code key}).
   *
   * @throws IntegrityException if the file fails the check
   */
  public static SnapshotStatus status(Path db) throws IOException {
    try (BboltReader r = BboltReader.open(db)) {
      return status(r, db, null);
    }
  }

  /**
   * {@link #status(Path)} of the file {@code r} reads, with every top-level bucket and entry also
   * shown to {@code also} in the same pass, right after the check accepted it: a restore rewrites
   * the db while it is checked, instead of reading it twice. Some violations are found only after
   * the last entry, so what {@code also} made of the entries counts only if this returns normally.
   *
   * @throws IntegrityException if the file fails the check
   */
  public static SnapshotStatus status(BboltReader r, BucketEntryVisitor also) throws IOException {
    return status(r, r.path(), also);
  }

  private static SnapshotStatus status(BboltReader r, Path db, BucketEntryVisitor also) throws IOException {
    StatusDigest digest = new StatusDigest(db, null, also);
    BboltCheck.check(r, digest);
    return digest.status(r);
  }

  /**
   * {@link #status} and {@link OfflineHashKv#compute(Path, long, HashKvRules)} in as few passes as
   * etcd's rules allow: the check's pass also hashes bucket {@code key} (and builds the Keep index
   * when the db was compacted); only a compaction still pending in the db, whose Keep drops entries
   * the pass hashed, costs a second pass over bucket {@code key} (see {@code HashKvPass}).
   *
   * <p>The HashKV inputs read before the pass (the compaction revision, the last key) are read
   * from the unchecked file; if that fails, the check's own finding is reported first.
   *
   * @param hashKvRevision the revision to hash, 0 for the current one
   * @param rules the HashKV rules of the member to compare with ({@link HashKvRules#forEtcdVersion})
   * @throws IntegrityException if the file fails the check, or its content fails HashKV's decoding
   *     (a revision key too short, a value that is not an {@code mvccpb.KeyValue})
   */
  public static SnapshotInspection inspect(Path db, long hashKvRevision, HashKvRules rules) throws IOException {
    HashKvPass.requireRevision(hashKvRevision);
    try (BboltReader r = BboltReader.open(db)) {
      HashKvPass hashKv = null;
      RevisionUnavailableException unavailable = null;
      RuntimeException unreadable = null;
      try {
        hashKv = HashKvPass.start(r, db, hashKvRevision, rules);
      } catch (RevisionUnavailableException e) {
        unavailable = e;
      } catch (IntegrityException e) {
        unreadable = e; // the check below names the broken page, if it finds one
      }
      StatusDigest digest = new StatusDigest(db, hashKv, null);
      BboltCheck.check(r, digest);
      if (unreadable != null) {
        throw unreadable;
      }
      SnapshotStatus status = digest.status(r);
      if (hashKv == null) {
        return new SnapshotInspection(status, null, unavailable, 0);
      }
      HashKvResult result = hashKv.finish(r);
      return new SnapshotInspection(status, result, null, hashKv.passes());
    }
  }

  /** The running figures of one status pass, and the HashKV pass and the visitor fed from it, if any. */
  private static final class StatusDigest implements BucketEntryVisitor {
    private final Path db;
    private final HashKvPass hashKv;
    private final BucketEntryVisitor also;
    private final CRC32C crc = new CRC32C();
    private boolean inKeyBucket;
    private long revision;
    private long totalKey;

    StatusDigest(Path db, HashKvPass hashKv, BucketEntryVisitor also) {
      this.db = db;
      this.hashKv = hashKv;
      this.also = also;
    }

    SnapshotStatus status(BboltReader r) {
      return new SnapshotStatus(crc.getValue(), revision, totalKey, r.totalSize());
    }

    @Override
    public void bucket(byte[] name) throws IOException {
      crc.update(name);
      inKeyBucket = Arrays.equals(name, EtcdSchema.KEY);
      if (also != null) {
        also.bucket(name);
      }
    }

    @Override
    public void entry(EntryView e) throws IOException {
      byte[] b = e.array();
      crc.update(b, e.keyOffset(), e.keyLength());
      if (!e.isBucket()) {
        crc.update(b, e.valueOffset(), e.valueLength());
      }
      if (inKeyBucket) {
        if (e.keyLength() < Revisions.LENGTH) {
          throw new IntegrityException(db + ": bucket key holds a " + e.keyLength() + "-byte key, not a revision");
        }
        revision = Revisions.main(b, e.keyOffset());
        if (hashKv != null) {
          hashKv.entry(e);
        }
      }
      totalKey++;
      if (also != null) {
        also.entry(e);
      }
    }
  }
}
