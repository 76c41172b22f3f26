package io.etcdbackup.testing;

import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.DeleteFailure;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.ObjectLock;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A real store behind a test's fault injection: override the one operation that should fail (a
 * listing error, a refused delete) and everything else reaches the real store. Does not close the
 * store it wraps.
 */
public class DelegatingStore implements BackupStore {
  protected final BackupStore store;

  public DelegatingStore(BackupStore store) {
    this.store = store;
  }

  @Override
  public String location() {
    return store.location();
  }

  @Override
  public ObjectUpload create(String key) throws IOException {
    return store.create(key);
  }

  @Override
  public ObjectUpload create(String key, Instant retainUntil) throws IOException {
    return store.create(key, retainUntil);
  }

  @Override
  public InputStream open(String key) throws IOException {
    return store.open(key);
  }

  @Override
  public Optional<StoredObject> stat(String key) throws IOException {
    return store.stat(key);
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    return store.list(prefix);
  }

  @Override
  public void delete(String key) throws IOException {
    store.delete(key);
  }

  @Override
  public void checkWritable(String prefix) throws IOException {
    store.checkWritable(prefix);
  }

  @Override
  public List<DeleteFailure> deleteAll(Collection<String> keys) throws IOException {
    return store.deleteAll(keys);
  }

  @Override
  public List<IncompleteUpload> incompleteUploads(String prefix) throws IOException {
    return store.incompleteUploads(prefix);
  }

  @Override
  public void abortIncomplete(IncompleteUpload upload) throws IOException {
    store.abortIncomplete(upload);
  }

  @Override
  public Optional<ObjectLock> objectLock() {
    return store.objectLock();
  }

  @Override
  public void close() {}
}
