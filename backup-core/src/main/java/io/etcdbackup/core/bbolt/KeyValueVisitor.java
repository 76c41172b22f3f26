package io.etcdbackup.core.bbolt;

import java.io.IOException;

/** Receives the entries of a bucket in key order. */
@FunctionalInterface
public interface KeyValueVisitor {
  /**
   * One entry. Both arrays are fresh copies the visitor may keep. {@code value} is {@code null}
   * when the entry is a nested bucket (etcd has none).
   */
  void visit(byte[] key, byte[] value) throws IOException;
}
