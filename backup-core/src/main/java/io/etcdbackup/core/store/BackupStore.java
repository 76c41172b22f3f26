package io.etcdbackup.core.store;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
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
 *   <li>{@link #delete} is idempotent, and so is {@link #deleteAll}, which reports a key it could not
 *       delete without stopping at it.
 *   <li>{@link #incompleteUploads} shows an upload that was started and neither committed nor
 *       aborted (a killed run), and {@link #abortIncomplete} removes it.
 *   <li>A store with an {@link #objectLock()} writes objects that cannot be deleted before their
 *       retain-until date; a store without one refuses {@link #create(String, Instant)}. (On S3 the
 *       locked version is what stays: a delete of its key still succeeds and hides it behind a
 *       delete marker, so callers must not delete a backup before its date.)
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

  /**
   * Checks, before a backup streams, that a backup can go under {@code prefix} (a series): the
   * store answers, accepts the credentials and, where it can tell without leaving an object behind,
   * lets this user write. A wrong endpoint, secret, bucket or path then fails in seconds, not after
   * the whole db has streamed (issue 13). Leaves nothing behind.
   *
   * @throws IOException naming what failed
   */
  void checkWritable(String prefix) throws IOException;

  /**
   * Removes the objects under {@code keys} (batched where the store can: S3's {@code DeleteObjects}
   * takes 1,000 keys a request). A key the store refuses is returned, and the others still go; a
   * missing key is no failure. An {@link IOException} means the store could not be asked at all,
   * and says nothing of which keys went.
   */
  default List<DeleteFailure> deleteAll(Collection<String> keys) throws IOException {
    List<DeleteFailure> failed = new ArrayList<>();
    for (String key : keys) {
      try {
        delete(key);
      } catch (IOException e) {
        failed.add(new DeleteFailure(key, e.getClass().getSimpleName(), e.getMessage()));
      }
    }
    return failed;
  }

  /**
   * Uploads under {@code prefix} that were started and never committed nor aborted. One that is
   * still being written shows too: a clean-up leaves a grace period after its {@code initiated}.
   */
  default List<IncompleteUpload> incompleteUploads(String prefix) throws IOException {
    return List.of();
  }

  /** Discards an upload {@link #incompleteUploads} returned; no error if it is gone already. */
  default void abortIncomplete(IncompleteUpload upload) throws IOException {}

  /** The write-once setting new objects get, if the store has one (S3 Object Lock). */
  default Optional<ObjectLock> objectLock() {
    return Optional.empty();
  }

  /**
   * Starts writing a new object that the store locks until {@code retainUntil} under its
   * {@link #objectLock()}: the object cannot be deleted or overwritten before that date.
   *
   * @throws UnsupportedOperationException if the store has no object lock
   */
  default ObjectUpload create(String key, Instant retainUntil) throws IOException {
    throw new UnsupportedOperationException(location() + " has no object lock");
  }

  @Override
  void close() throws IOException;
}
