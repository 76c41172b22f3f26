package io.etcdbackup.core.snapshot;

import io.etcdbackup.core.IntegrityException;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What etcd's {@code treeIndex.Keep(atRev)} needs, and nothing more: for each user key, its newest
 * revision at or below {@code atRev} and whether that revision is a delete.
 *
 * <p>Why one revision per key is enough (etcd {@code key_index.go} {@code keep}/{@code doCompact}):
 * Keep picks the first generation whose tombstone is at or above {@code atRev} (or the last one)
 * and takes its newest revision at or below {@code atRev}, dropping it again if it is the
 * generation's tombstone. That is exactly the key's newest revision at or below {@code atRev},
 * unless that revision is a delete, in which case nothing is kept for the key.
 *
 * <p>Keys are held as 128-bit SHA-256 fingerprints in an open-addressing table of four longs a
 * slot (32 bytes, at most 70% full), not as byte strings: 46 to 92 MB per million distinct keys
 * whatever their sizes (etcd itself holds every key and revision in memory), and a collision is
 * out of reach even for keys chosen by an adversary.
 */
final class KeepIndex {
  private static final long OCCUPIED = 1L << 63;
  private static final long TOMBSTONE = 1L << 62;
  private static final long SUB_MASK = TOMBSTONE - 1;
  private static final int SLOT = 4;

  private final MessageDigest sha256;
  private final byte[] digest = new byte[32];
  private final long[] fingerprint = new long[2];
  private long[] table = new long[SLOT * 1024];
  private int size;
  private long live;

  KeepIndex() {
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Records revision {@code (main, sub)} of {@code userKey}; revisions must come in ascending order. */
  void record(byte[] userKey, long main, long sub, boolean tombstone) {
    record(userKey, 0, userKey.length, main, sub, tombstone);
  }

  /**
   * Records revision {@code (main, sub)} of the user key {@code b[off, off + len)}; revisions must
   * come in ascending order.
   *
   * @return the main revision this one replaces as the key's newest if that was not a delete, else -1
   */
  long record(byte[] b, int off, int len, long main, long sub, boolean tombstone) {
    if (sub < 0 || sub > SUB_MASK) {
      throw new IntegrityException("sub revision " + sub + " of revision " + main + " is out of range");
    }
    int slot = find(b, off, len);
    long flags = table[slot + 3];
    boolean wasLive = (flags & OCCUPIED) != 0 && (flags & TOMBSTONE) == 0;
    long replaced = wasLive ? table[slot + 2] : -1;
    if ((flags & OCCUPIED) == 0) {
      table[slot] = fingerprint[0];
      table[slot + 1] = fingerprint[1];
      size++;
    }
    table[slot + 2] = main;
    table[slot + 3] = OCCUPIED | (tombstone ? TOMBSTONE : 0) | sub;
    live += (tombstone ? 0 : 1) - (wasLive ? 1 : 0);
    if (size * 10L > (table.length / SLOT) * 7L) {
      grow();
    }
    return replaced;
  }

  /** Whether Keep holds revision {@code (main, sub)} of {@code userKey}. */
  boolean keeps(byte[] userKey, long main, long sub) {
    return keeps(userKey, 0, userKey.length, main, sub);
  }

  /** Whether Keep holds revision {@code (main, sub)} of the user key {@code b[off, off + len)}. */
  boolean keeps(byte[] b, int off, int len, long main, long sub) {
    int slot = find(b, off, len);
    long flags = table[slot + 3];
    return (flags & OCCUPIED) != 0 && (flags & TOMBSTONE) == 0 && table[slot + 2] == main && (flags & SUB_MASK) == sub;
  }

  /** Whether Keep is empty: no key is alive at {@code atRev}. etcd then filters nothing. */
  boolean isEmpty() {
    return live == 0;
  }

  /** Number of user keys whose newest recorded revision is not a delete. */
  long live() {
    return live;
  }

  /** Number of distinct user keys seen. */
  int keys() {
    return size;
  }

  /** The slot holding {@code userKey}'s fingerprint, or the empty slot where it belongs. */
  private int find(byte[] b, int off, int len) {
    sha256.update(b, off, len);
    try {
      sha256.digest(digest, 0, digest.length);
    } catch (DigestException e) {
      throw new IllegalStateException("a 32-byte buffer holds a SHA-256", e);
    }
    byte[] d = digest;
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (d[i] & 0xFF);
      lo = (lo << 8) | (d[8 + i] & 0xFF);
    }
    fingerprint[0] = hi;
    fingerprint[1] = lo;
    return probe(table, hi, lo);
  }

  private static int probe(long[] t, long hi, long lo) {
    int slots = t.length / SLOT;
    int i = (int) (hi ^ (hi >>> 32)) & (slots - 1);
    while (true) {
      int s = i * SLOT;
      if ((t[s + 3] & OCCUPIED) == 0 || (t[s] == hi && t[s + 1] == lo)) {
        return s;
      }
      i = (i + 1) & (slots - 1);
    }
  }

  private void grow() {
    long[] old = table;
    long[] bigger = new long[old.length * 2];
    for (int s = 0; s < old.length; s += SLOT) {
      if ((old[s + 3] & OCCUPIED) != 0) {
        int d = probe(bigger, old[s], old[s + 1]);
        System.arraycopy(old, s, bigger, d, SLOT);
      }
    }
    table = bigger;
  }
}
