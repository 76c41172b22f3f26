package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.IntegrityException;

/**
 * Where a bucket's keys live: the 16-byte bucket header ({@code u64 root, u64 sequence}, bbolt
 * {@code bucket.go}) stored as the value of the bucket's key in its parent; when {@code root} is 0
 * the bucket is inline and the rest of the value is a complete leaf node image.
 */
record BucketRef(byte[] name, long root, Page inline) {
  static final int HEADER_SIZE = 16;

  static BucketRef parse(String file, byte[] name, byte[] value) {
    if (value == null || value.length < HEADER_SIZE) {
      throw new IntegrityException(file + ": bucket " + Keys.name(name) + ": value of "
          + (value == null ? 0 : value.length) + " bytes is shorter than a bucket header (rule: bucket header)");
    }
    long root = Le.u64(value, 0);
    if (root != 0) {
      return new BucketRef(name, root, null);
    }
    Page p = new Page(file, "inline bucket " + Keys.name(name), value, HEADER_SIZE, value.length - HEADER_SIZE);
    p.requireTreeNode();
    if (!p.isLeaf()) {
      throw p.corrupt("inline node is a " + p.type() + " (rule: an inline bucket is one leaf)");
    }
    return new BucketRef(name, 0, p);
  }

  boolean isInline() {
    return inline != null;
  }
}
