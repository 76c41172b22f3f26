package io.etcdbackup.restore;

import java.nio.charset.StandardCharsets;

/**
 * The JSON forms of a member that restore writes, as Go's {@code json.Marshal} renders etcd's
 * {@code membership.Member} (server/etcdserver/api/membership/member.go, v3.5.30).
 *
 * <p>{@code Member} embeds {@code RaftAttributes} and {@code Attributes}, so its fields come out
 * flat in this order: {@code id} (a uint64 number), {@code peerURLs}, {@code isLearner}
 * (omitempty; restore creates no learners), {@code name} (omitempty), {@code clientURLs}
 * (omitempty; unknown until the member publishes them).
 */
final class MemberJson {
  private MemberJson() {}

  /**
   * {@code {"id":..,"peerURLs":[..],"name":".."}}: the value of {@code members/<hex id>} in the
   * backend and the context of the member's ConfChange entry in the WAL.
   */
  static byte[] member(PlannedMember m) {
    StringBuilder sb = new StringBuilder(96);
    sb.append("{\"id\":").append(GoJson.unsigned(m.id())).append(",\"peerURLs\":");
    GoJson.appendStringArray(sb, m.peerUrls());
    if (!m.name().isEmpty()) {
      sb.append(",\"name\":");
      GoJson.appendQuoted(sb, m.name());
    }
    sb.append('}');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** {@code {"peerURLs":[..]}}: the v2 store value of {@code /0/members/<hex id>/raftAttributes}. */
  static String raftAttributes(PlannedMember m) {
    StringBuilder sb = new StringBuilder(64);
    sb.append("{\"peerURLs\":");
    GoJson.appendStringArray(sb, m.peerUrls());
    return sb.append('}').toString();
  }
}
