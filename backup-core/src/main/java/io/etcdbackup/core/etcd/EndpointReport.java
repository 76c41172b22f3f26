package io.etcdbackup.core.etcd;

import java.time.Duration;
import java.util.Optional;

/**
 * One endpoint's health, as {@code etcdctl endpoint health} decides it (a linearizable read that
 * went through consensus, and how long it took), and its status when it answered.
 */
public record EndpointReport(
    String endpoint, boolean healthy, Duration took, Optional<String> error, Optional<EndpointStatus> status) {

  public Optional<Long> memberId() {
    return status.map(EndpointStatus::memberId);
  }
}
