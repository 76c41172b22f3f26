package io.etcdbackup.scheduler;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * Whether this replica may run jobs now. A single daemon is always the leader ({@link #always()})
 * and writes nothing into etcd; with {@code --election} it is {@link
 * io.etcdbackup.scheduler.election.EtcdElection}, which answers from its lease. {@link #isLeader()}
 * is called at every fire and on every {@code /status}: cheap, no I/O.
 */
public interface Leadership {
  boolean isLeader();

  /** {@code leader} or {@code standby}, for {@code /status} and the logs. */
  default String role() {
    return isLeader() ? "leader" : "standby";
  }

  /**
   * Starts taking part; {@code lost} runs each time this replica stops being the leader, so that
   * the daemon cancels the job it is running. The daemon calls it once, when it starts.
   */
  default void start(Consumer<String> lost) {}

  /** Who leads, as the leader names itself ({@code host=... pid=...}), when known. */
  default Optional<String> leader() {
    return Optional.empty();
  }

  /** One replica, no election: always the leader, and writes nothing into etcd. */
  static Leadership always() {
    return () -> true;
  }
}
