package io.etcdbackup.core.store;

import java.util.Objects;

/**
 * A key that {@link BackupStore#deleteAll} could not delete while the others went.
 *
 * <p>Not a guard for locked backups: a delete of the key of an object under S3 Object Lock is no
 * failure, because S3 only adds a delete marker in front of the locked version, which stays until
 * its date (docs/storage.md). Callers leave a backup alone until its retain-until date.
 *
 * @param code the store's error code ({@code AccessDenied}, {@code InternalError}...), or the
 *     exception's class name where the store has none
 * @param message the store's message, for the report
 */
public record DeleteFailure(String key, String code, String message) {
  public DeleteFailure {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(code, "code");
    message = message == null ? "" : message;
  }
}
