package io.etcdbackup.core.bbolt;

import java.io.IOException;

/** Receives one bucket's entries for a {@link BboltWriter}. */
public interface BucketWriter {
  /**
   * Adds an entry. Keys must be strictly ascending (unsigned bytes), non-empty and at most 32768
   * bytes (bbolt {@code MaxKeySize}); otherwise {@link IllegalArgumentException}. The arrays are
   * not copied and must not change until the bucket is finished.
   */
  void put(byte[] key, byte[] value) throws IOException;
}
