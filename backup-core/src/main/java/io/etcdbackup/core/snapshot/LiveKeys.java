package io.etcdbackup.core.snapshot;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.bbolt.BboltReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The number of keys a member serving a db file answers a count over the whole keyspace with
 * ({@code etcdctl get "" --from-key --count-only}): user keys whose newest revision is not a delete.
 * Not {@link SnapshotStatus#totalKey()}, which counts every entry of every bucket.
 *
 * <p>Memory: one {@link KeepIndex} slot per distinct user key (fingerprints, not the keys).
 */
public final class LiveKeys {
  private LiveKeys() {}

  /** Live user keys at the db's current revision; 0 for a db without a {@code key} bucket. */
  public static long count(Path db) throws IOException {
    try (BboltReader r = BboltReader.open(db)) {
      if (!r.hasBucket(EtcdSchema.KEY)) {
        return 0;
      }
      KeepIndex index = new KeepIndex();
      // Bucket key is in revision order, so each key's last entry is its newest revision.
      r.forEachEntry(EtcdSchema.KEY, e -> {
        byte[] b = e.array();
        int k = e.keyOffset();
        long main = HashKvPass.revisionOf(db, b, k, e.keyLength(), "key");
        if (e.isBucket()) {
          throw new IntegrityException(db + ": bucket key: the entry at revision " + main + " is a nested bucket");
        }
        long range = HashKvPass.userKeyRange(db, b, k, e.valueOffset(), e.valueLength());
        index.record(b, (int) (range >>> 32), (int) range, main, Revisions.sub(b, k),
            Revisions.isTombstone(b, k, e.keyLength()));
      });
      return index.live();
    }
  }
}
