package io.etcdbackup.core.snapshot;

/**
 * Keys of etcd's {@code key} bucket (etcd {@code mvcc/revision.go}): {@code u64 BE main},
 * {@code '_'}, {@code u64 BE sub} = 17 bytes; a tombstone (a delete) appends {@code 't'} = 18
 * bytes. Big-endian, so byte order is revision order.
 */
public final class Revisions {
  /** Length of a revision key. */
  public static final int LENGTH = 17;
  /** Length of a tombstone's key. */
  public static final int TOMBSTONE_LENGTH = 18;
  private static final byte SEPARATOR = '_';
  private static final byte TOMBSTONE_MARK = 't';

  private Revisions() {}

  /** The 17-byte key of revision {@code (main, sub)}. */
  public static byte[] encode(long main, long sub) {
    byte[] b = new byte[LENGTH];
    putLong(b, 0, main);
    b[8] = SEPARATOR;
    putLong(b, 9, sub);
    return b;
  }

  /** The main revision: the first 8 bytes, big-endian. */
  public static long main(byte[] key) {
    requireRevision(key);
    return getLong(key, 0);
  }

  /** The sub revision: bytes 9 to 16, big-endian. */
  public static long sub(byte[] key) {
    requireRevision(key);
    return getLong(key, 9);
  }

  /** The main revision of the revision key at {@code off} of {@code b}, which must hold its 17 bytes. */
  public static long main(byte[] b, int off) {
    requireRevision(b, off);
    return getLong(b, off);
  }

  /** The sub revision of the revision key at {@code off} of {@code b}. */
  public static long sub(byte[] b, int off) {
    requireRevision(b, off);
    return getLong(b, off + 9);
  }

  /** Whether the {@code len}-byte key at {@code off} of {@code b} marks a delete. */
  public static boolean isTombstone(byte[] b, int off, int len) {
    return len == TOMBSTONE_LENGTH && b[off + LENGTH] == TOMBSTONE_MARK;
  }

  /** Whether {@code key} marks a delete: 18 bytes ending in {@code 't'} (etcd {@code isTombstone}). */
  public static boolean isTombstone(byte[] key) {
    return key.length == TOMBSTONE_LENGTH && key[LENGTH] == TOMBSTONE_MARK;
  }

  private static void requireRevision(byte[] key) {
    if (key == null || key.length < LENGTH) {
      throw new IllegalArgumentException("a revision key has at least " + LENGTH + " bytes, got "
          + (key == null ? "null" : key.length));
    }
  }

  private static void requireRevision(byte[] b, int off) {
    if (off < 0 || b.length - off < LENGTH) {
      throw new IllegalArgumentException("a revision key has at least " + LENGTH + " bytes, got " + (b.length - off)
          + " from offset " + off);
    }
  }

  private static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }
}
