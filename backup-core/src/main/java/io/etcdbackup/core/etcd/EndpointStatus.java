package io.etcdbackup.core.etcd;

import java.util.List;

/** What {@code etcdctl endpoint status} reports for one endpoint. */
public record EndpointStatus(
    long clusterId,
    long memberId,
    String version,
    long dbSize,
    long dbSizeInUse,
    long leader,
    boolean learner,
    long raftTerm,
    long raftIndex,
    long raftAppliedIndex,
    long revision,
    List<String> errors) {

  public EndpointStatus {
    errors = List.copyOf(errors);
  }

  public boolean isLeader() {
    return memberId != 0 && memberId == leader;
  }
}
