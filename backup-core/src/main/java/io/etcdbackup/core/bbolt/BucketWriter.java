package io.etcdbackup.core.bbolt;

import java.io.IOException;

/** Receives one bucket's entries for a {@link BboltWriter}. */
public interface BucketWriter {
  /**
   * Adds an entry. Keys must be strictly ascending (unsigned bytes), non-empty and at most 32768
   * bytes (bbolt {@code MaxKeySize}); otherwise {@link IllegalArgumentException}. Both arrays are
   * copied before this returns: the caller may reuse them.
   */
  void put(byte[] key, byte[] value) throws IOException;

  /**
   * Adds the entry with key {@code key[keyOffset, keyOffset + keyLength)} and value
   * {@code value[valueOffset, valueOffset + valueLength)}, copying both before this returns; the
   * rules of {@link #put(byte[], byte[])} apply.
   */
  default void put(byte[] key, int keyOffset, int keyLength, byte[] value, int valueOffset, int valueLength)
      throws IOException {
    put(java.util.Arrays.copyOfRange(key, keyOffset, keyOffset + keyLength),
        java.util.Arrays.copyOfRange(value, valueOffset, valueOffset + valueLength));
  }

  /**
   * Adds a copy of {@code entry}, as read from another file ({@link BboltReader#forEachEntry}).
   *
   * @throws IllegalArgumentException if the entry is a nested bucket, which the writer cannot copy
   */
  default void put(EntryView entry) throws IOException {
    if (entry.isBucket()) {
      throw new IllegalArgumentException("key " + Keys.hex(entry.key()) + " is a nested bucket: the writer "
          + "writes plain entries only");
    }
    put(entry.array(), entry.keyOffset(), entry.keyLength(), entry.array(), entry.valueOffset(), entry.valueLength());
  }
}
