package io.etcdbackup.core.store;

import java.time.Instant;
import java.util.Objects;

/** A committed object: its key (relative to the store), size in bytes and last-modified time. */
public record StoredObject(String key, long size, Instant lastModified) {
  public StoredObject {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(lastModified, "lastModified");
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0: " + size);
    }
  }
}
