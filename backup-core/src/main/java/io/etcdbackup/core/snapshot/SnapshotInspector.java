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
      StatusDigest digest = new StatusDigest(db);
      BboltCheck.check(r, digest);
      return new SnapshotStatus(digest.crc.getValue(), digest.revision, digest.totalKey, r.totalSize());
    }
  }

  /** The running figures of one status pass. */
  private static final class StatusDigest implements BucketEntryVisitor {
    private final Path db;
    private final CRC32C crc = new CRC32C();
    private boolean inKeyBucket;
    private long revision;
    private long totalKey;

    StatusDigest(Path db) {
      this.db = db;
    }

    @Override
    public void bucket(byte[] name) {
      crc.update(name);
      inKeyBucket = Arrays.equals(name, EtcdSchema.KEY);
    }

    @Override
    public void entry(EntryView e) {
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
      }
      totalKey++;
    }
  }
}
