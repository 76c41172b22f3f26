package io.etcdbackup.core.snapshot;

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

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
