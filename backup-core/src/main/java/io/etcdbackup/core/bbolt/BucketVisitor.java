package io.etcdbackup.core.bbolt;

import java.io.IOException;

/**
 * Receives a whole database in bbolt order while {@link BboltCheck} checks it: each top-level
 * bucket's name, then that bucket's entries in key order.
 */
public interface BucketVisitor {
  /** A top-level bucket begins; its entries follow. */
  void bucket(byte[] name) throws IOException;

  /** One entry of the current bucket; {@code value} is {@code null} for a nested bucket. */
  void entry(byte[] key, byte[] value) throws IOException;
}
