package io.etcdbackup.core.bbolt;

/** FNV-1a, 64 bits: the checksum bbolt stores in its meta pages ({@code meta.sum64} in bbolt {@code db.go}). */
final class Fnv1a64 {
  static final long OFFSET_BASIS = 0xcbf29ce484222325L;
  static final long PRIME = 0x100000001b3L;

  private Fnv1a64() {}

  static long hash(byte[] data, int off, int len) {
    long h = OFFSET_BASIS;
    for (int i = off; i < off + len; i++) {
      h ^= data[i] & 0xFF;
      h *= PRIME;
    }
    return h;
  }
}
