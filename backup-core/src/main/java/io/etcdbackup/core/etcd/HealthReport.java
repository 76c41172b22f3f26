package io.etcdbackup.core.etcd;

import java.util.List;
import java.util.Optional;

/**
 * The cluster's health: every probed endpoint, the membership, alarms, quorum of the voting
 * members, optionally HashKV consistency, and the verdict with the problems behind it.
 */
public record HealthReport(
    Verdict verdict,
    List<EndpointReport> endpoints,
    List<MemberInfo> members,
    List<Alarm> alarms,
    int votingMembers,
    int healthyVotingMembers,
    int quorum,
    Optional<ConsistencyReport> consistency,
    List<String> problems) {

  /** Healthy; degraded (quorum held, but a member is down, alarmed or inconsistent); quorum lost. */
  public enum Verdict { HEALTHY, DEGRADED, QUORUM_LOST }

  public HealthReport {
    endpoints = List.copyOf(endpoints);
    members = List.copyOf(members);
    alarms = List.copyOf(alarms);
    problems = List.copyOf(problems);
  }
}
