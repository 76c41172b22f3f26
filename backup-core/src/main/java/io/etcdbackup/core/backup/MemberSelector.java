package io.etcdbackup.core.backup;

import io.etcdbackup.core.UnavailableException;
import io.etcdbackup.core.etcd.Alarm;
import io.etcdbackup.core.etcd.EndpointReport;
import io.etcdbackup.core.etcd.EndpointStatus;
import io.etcdbackup.core.etcd.HealthReport;
import io.etcdbackup.core.etcd.MemberInfo;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Chooses the members a snapshot may stream from, best first. A usable member is a voting member
 * (not a learner) that answered a linearizable read (so it is part of the quorum and its data is
 * current) and has no CORRUPT alarm. A NOSPACE alarm does not count against a member: etcd then
 * refuses writes, not reads or snapshots, and a backup is what an operator wants before compacting
 * and defragmenting it (issue 13). Followers come first, highest applied index first, to keep the
 * snapshot's load off the leader; the leader is the last resort.
 */
public final class MemberSelector {
  private MemberSelector() {}

  /** A member and the endpoint to stream from. */
  public record Candidate(MemberInfo member, URI endpoint, EndpointStatus status) {
    public String label() {
      return member.label() + " at " + endpoint;
    }
  }

  /**
   * The candidates, best first; with {@code forced} (a member id in hex, a name, or a client URL)
   * only that member.
   *
   * @throws UnavailableException if no member is usable, naming why each was not
   */
  public static List<Candidate> candidates(HealthReport report, Optional<String> forced) {
    Set<Long> alarmed = report.alarms().stream().filter(a -> !a.type().equals(Alarm.NOSPACE)).map(Alarm::memberId)
        .collect(Collectors.toSet());
    List<Candidate> usable = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (MemberInfo m : report.members()) {
      if (forced.isPresent() && !matches(m, forced.get(), report)) {
        continue;
      }
      Optional<EndpointReport> ep = report.endpoints().stream()
          .filter(r -> r.healthy() && r.memberId().orElse(-1L) == m.id()).findFirst();
      if (m.learner()) {
        rejected.add(m.label() + " is a learner");
      } else if (alarmed.contains(m.id())) {
        rejected.add(m.label() + " has an active CORRUPT alarm");
      } else if (ep.isEmpty()) {
        rejected.add(m.label() + " is not healthy");
      } else {
        usable.add(new Candidate(m, URI.create(ep.get().endpoint()), ep.get().status().orElseThrow()));
      }
    }
    if (forced.isPresent() && usable.isEmpty() && rejected.isEmpty()) {
      throw new UnavailableException("--member " + forced.get() + " matches no member of the cluster (members: "
          + report.members().stream().map(MemberInfo::label).collect(Collectors.joining(", ")) + ")");
    }
    if (usable.isEmpty()) {
      List<String> why = new ArrayList<>(rejected);
      why.addAll(report.problems());
      throw new UnavailableException("no usable member to take a snapshot from: " + String.join("; ", why));
    }
    usable.sort(Comparator.comparing((Candidate c) -> c.status().isLeader())
        .thenComparing(Comparator.comparingLong((Candidate c) -> c.status().raftAppliedIndex()).reversed()));
    return usable;
  }

  private static boolean matches(MemberInfo m, String forced, HealthReport report) {
    String f = forced.trim().toLowerCase(Locale.ROOT);
    if (f.equals(m.name().toLowerCase(Locale.ROOT)) || f.replaceFirst("^0+", "").equals(m.idHex())) {
      return true;
    }
    if (f.contains("://")) {
      String url = normalise(f);
      return m.clientUrls().stream().map(MemberSelector::normalise).anyMatch(url::equals)
          || report.endpoints().stream().anyMatch(r -> normalise(r.endpoint()).equals(url) && r.memberId().orElse(-1L) == m.id());
    }
    return false;
  }

  private static String normalise(String url) {
    URI u = URI.create(url.trim().toLowerCase(Locale.ROOT));
    return u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
  }
}
