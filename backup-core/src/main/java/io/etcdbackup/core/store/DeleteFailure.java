package io.etcdbackup.core.store;

import java.util.Objects;

/**
 * A key that {@link BackupStore#deleteAll} could not delete while the others went.
 *
 * @param code the store's error code ({@code AccessDenied} for an object under S3 Object Lock),
 *     or the exception's class name where the store has none
 * @param message the store's message, for the report
 */
public record DeleteFailure(String key, String code, String message) {
  public DeleteFailure {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(code, "code");
    message = message == null ? "" : message;
  }
}
