package io.etcdbackup.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Object storage for backups: a flat namespace of keys ({@code /}-separated, relative to the
 * store's root or prefix) holding immutable objects.
 *
 * <p>Contract, which every provider's test extends {@code BackupStoreContract} to prove:
 * <ul>
 *   <li>An object written through {@link #create(String)} becomes visible under its key only when
 *       {@link ObjectUpload#commit()} returns; until then {@link #list}, {@link #stat} and
 *       {@link #open} do not see it (nor a partial version of it), and {@link ObjectUpload#abort()}
 *       leaves nothing behind (no partial object, no incomplete multipart upload).
 *   <li>Committing over an existing key replaces it whole.
 *   <li>{@link #open} of a missing key throws {@link io.etcdbackup.core.NotFoundException}.
 *   <li>{@link #list} returns every committed object under the prefix, however many (paging is
 *       the provider's business), in no particular order.
 *   <li>{@link #delete} is idempotent.
 *   <li>Errors are {@link IOException}s whose message names the store location and the key, never
 *       a credential.
 * </ul>
 * Implementations are thread-safe; one upload is used by one thread.
 */
public interface BackupStore extends AutoCloseable {

  /** Where this store points, for messages and manifests, without credentials: {@code s3://bucket/prefix}. */
  String location();

  /** Starts writing a new object under {@code key}. */
  ObjectUpload create(String key) throws IOException;

  /** Opens a committed object for reading; the caller closes the stream. */
  InputStream open(String key) throws IOException;

  /** The committed object under {@code key}, if there is one. */
  Optional<StoredObject> stat(String key) throws IOException;

  /** Every committed object whose key starts with {@code prefix}. */
  List<StoredObject> list(String prefix) throws IOException;

  /** Removes the object under {@code key}; no error if there is none. */
  void delete(String key) throws IOException;

  @Override
  void close() throws IOException;
}
