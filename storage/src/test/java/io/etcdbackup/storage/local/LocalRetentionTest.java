package io.etcdbackup.storage.local;

import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.storage.RetentionContract;
import io.etcdbackup.testing.DelegatingStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

/** Retention over a local directory. */
class LocalRetentionTest extends RetentionContract {
  @TempDir
  Path tempDir;

  @Override
  protected BackupStore newStore() throws IOException {
    return LocalDirectoryStore.open(tempDir.resolve("store-" + UUID.randomUUID()));
  }

  @Override
  protected BackupStore failingListing(BackupStore healthy) {
    // A directory walk that breaks (an I/O error on the disk, a directory removed under it).
    return new DelegatingStore(healthy) {
      @Override
      public List<StoredObject> list(String prefix) throws IOException {
        throw new IOException(location() + ": cannot list " + prefix + ": Input/output error (injected)");
      }
    };
  }
}
