package io.etcdbackup.core.snapshot;

import io.etcdbackup.core.IntegrityException;
import java.nio.charset.StandardCharsets;

/**
 * Bucket names and meta keys of etcd's backend (etcd 3.5 {@code server/mvcc/buckets/bucket.go};
 * the same names in 3.4 and 3.6). The arrays are shared constants: never modify them.
 */
public final class EtcdSchema {
  public static final byte[] KEY = bytes("key");
  public static final byte[] META = bytes("meta");
  public static final byte[] LEASE = bytes("lease");
  public static final byte[] ALARM = bytes("alarm");
  public static final byte[] CLUSTER = bytes("cluster");
  public static final byte[] MEMBERS = bytes("members");
  public static final byte[] MEMBERS_REMOVED = bytes("members_removed");
  public static final byte[] AUTH = bytes("auth");
  public static final byte[] AUTH_USERS = bytes("authUsers");
  /** In {@link #AUTH}: one byte, 1 when auth is on (auth/store.go enableFlagKey). */
  public static final byte[] AUTH_ENABLED = bytes("authEnabled");
  public static final byte[] AUTH_ROLES = bytes("authRoles");

  /** {@code meta/consistent_index}: u64 BE, the raft index applied to the backend. */
  public static final byte[] CONSISTENT_INDEX = bytes("consistent_index");
  /** {@code meta/term} (3.5+): u64 BE, the raft term of that index. */
  public static final byte[] TERM = bytes("term");
  /** {@code meta/scheduledCompactRev}: revision key of the last requested compaction. */
  public static final byte[] SCHEDULED_COMPACT_REV = bytes("scheduledCompactRev");
  /** {@code meta/finishedCompactRev}: revision key of the last completed compaction. */
  public static final byte[] FINISHED_COMPACT_REV = bytes("finishedCompactRev");
  /** {@code meta/confState} (3.5+): JSON of the raft ConfState. */
  public static final byte[] CONF_STATE = bytes("confState");

  private EtcdSchema() {}

  /**
   * A u64 meta value ({@code meta/consistent_index}, {@code meta/term}) as etcd writes it: 8 bytes,
   * big-endian ({@code binary.BigEndian.PutUint64} in {@code UnsafeUpdateConsistentIndex}, etcd 3.5
   * {@code server/mvcc/buckets/cindex.go}).
   */
  public static byte[] encodeU64(long v) {
    byte[] b = new byte[8];
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }

  /**
   * A u64 meta value as etcd reads it ({@code UnsafeReadConsistentIndex}, same file): an absent key
   * ({@code null}) reads as 0, as in etcd; anything but 8 bytes is refused, where etcd would panic
   * or read a prefix.
   *
   * @throws IntegrityException if {@code value} is not 8 bytes long
   */
  public static long decodeU64(byte[] value) {
    if (value == null) {
      return 0;
    }
    if (value.length != 8) {
      throw new IntegrityException("a u64 meta value has 8 bytes, this one " + value.length);
    }
    long v = 0;
    for (byte x : value) {
      v = (v << 8) | (x & 0xFF);
    }
    return v;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
