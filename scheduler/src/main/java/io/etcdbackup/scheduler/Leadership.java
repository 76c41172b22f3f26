package io.etcdbackup.scheduler;

/**
 * Whether this replica may run jobs now. The seam of {@code --election} (issue 11, point 3): a
 * single daemon is always the leader ({@link #always()}); an election-backed one answers from its
 * lease and cancels the running job through the daemon when it loses it. Called at every fire and
 * on every {@code /status}: cheap, no I/O.
 */
public interface Leadership {
  boolean isLeader();

  /** {@code leader} or {@code standby}, for {@code /status} and the logs. */
  default String role() {
    return isLeader() ? "leader" : "standby";
  }

  /** One replica, no election: always the leader, and writes nothing into etcd. */
  static Leadership always() {
    return () -> true;
  }
}
