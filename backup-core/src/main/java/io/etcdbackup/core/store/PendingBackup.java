package io.etcdbackup.core.store;

import io.etcdbackup.core.StoreException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backup being written: its data object, not visible until {@link #commitData()}, then its
 * manifest, the commit point ({@link #commit(Manifest)}). Made by {@link BackupRepository#begin},
 * which owns the keys. Closing it without a commit aborts the data object's upload, or deletes the
 * data object if it was committed and no manifest write was even tried (a cancelled run); a data
 * object whose manifest write failed is left for the leftover clean-up, since the manifest may
 * have landed although its write reported a failure.
 *
 * <p>Every store failure surfaces as {@link StoreException}, so that the run ends with the
 * {@code store_error} reason whatever the provider.
 */
public final class PendingBackup implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PendingBackup.class);

  private final BackupRepository repository;
  private final String cluster;
  private final BackupId id;
  private final String objectName;
  private final ObjectUpload upload;
  private final Manifest.Retention retention;
  private boolean dataCommitted;
  private boolean manifestTried;

  PendingBackup(BackupRepository repository, String cluster, BackupId id, String objectName, ObjectUpload upload,
      Manifest.Retention retention) {
    this.repository = repository;
    this.retention = retention;
    this.cluster = cluster;
    this.id = id;
    this.objectName = objectName;
    this.upload = upload;
  }

  public BackupId id() {
    return id;
  }

  /** The object lock the backup's objects are written under, if the store has one. */
  public Optional<Manifest.Retention> retention() {
    return Optional.ofNullable(retention);
  }

  public String objectName() {
    return objectName;
  }

  public String objectKey() {
    return Layout.objectKey(cluster, id.toString(), objectName);
  }

  /** Where the data object's bytes go; a failure of the store is a {@link StoreException}. */
  public OutputStream stream() {
    String where = repository.where(objectKey());
    return new FilterOutputStream(upload.stream()) {
      @Override
      public void write(int b) throws IOException {
        try {
          out.write(b);
        } catch (IOException e) {
          throw failed(e);
        }
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        try {
          out.write(b, off, len);
        } catch (IOException e) {
          throw failed(e);
        }
      }

      @Override
      public void close() throws IOException {
        try {
          out.close();
        } catch (IOException e) {
          throw failed(e);
        }
      }

      private StoreException failed(IOException e) {
        return new StoreException("cannot upload " + where + ": " + e.getMessage(), e);
      }
    };
  }

  /** Makes the data object visible under its key (still no backup: no manifest). */
  public StoredObject commitData() {
    try {
      StoredObject o = upload.commit();
      dataCommitted = true;
      return o;
    } catch (IOException e) {
      throw new StoreException("cannot complete the upload of " + repository.where(objectKey()) + ": " + e.getMessage(), e);
    }
  }

  /** Writes the manifest (signed, when the repository has a key): from here on the backup exists. Returns it as written. */
  public Manifest commit(Manifest m) {
    if (!dataCommitted) {
      throw new IllegalStateException("the data object of " + id + " is not committed");
    }
    if (!m.objectKey().equals(objectKey())) {
      throw new IllegalArgumentException("manifest of " + m.objectKey() + " for the pending backup " + objectKey());
    }
    if (!Objects.equals(m.retention(), retention)) {
      throw new IllegalArgumentException("manifest of " + id + " says retention " + m.retention() + ", its objects "
          + retention);
    }
    manifestTried = true;
    return repository.commit(m);
  }

  @Override
  public void close() {
    try {
      if (!dataCommitted) {
        upload.abort();
      } else if (!manifestTried) {
        repository.store().delete(objectKey());
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot remove the uncommitted backup cluster={} id={}: {} (the next run's clean-up removes it)",
          cluster, id, e.getMessage());
    }
  }
}
