package io.etcdbackup.storage.local;

import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.storage.StoreInventoryContract;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.io.TempDir;

/** The store exporter's figures over a local directory. */
class LocalStoreInventoryTest extends StoreInventoryContract {
  @TempDir
  Path tempDir;

  @Override
  protected BackupStore newStore() throws IOException {
    return LocalDirectoryStore.open(tempDir.resolve("store-" + UUID.randomUUID()));
  }

  @Override
  protected String kind() {
    return "file";
  }
}
