package io.etcdbackup.core.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.HashKVResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcdbackup.core.UnavailableException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a cluster what {@code etcdctl endpoint health}, {@code endpoint status}, {@code alarm list},
 * {@code member list} and {@code endpoint hashkv} would, and turns the answers into one verdict.
 */
public final class ClusterInspector {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterInspector.class);
  private static final ByteSequence HEALTH_KEY = ByteSequence.from("health", StandardCharsets.UTF_8);

  private final EtcdClients clients;
  private final EtcdConnectionConfig config;

  public ClusterInspector(EtcdClients clients) {
    this.clients = clients;
    this.config = clients.config();
  }

  /** What to probe. */
  public record HealthOptions(boolean wholeCluster, boolean consistency) {}

  /**
   * The member list, asked of each endpoint in turn until one answers.
   *
   * @throws UnavailableException naming every endpoint and why it failed, when none answers
   */
  public List<MemberInfo> members() {
    List<String> failures = new ArrayList<>();
    for (URI endpoint : config.endpoints()) {
      try {
        List<Member> list = await(clients.shared(endpoint).getClusterClient().listMember()).getMembers();
        return list.stream().map(ClusterInspector::toInfo)
            .sorted(Comparator.comparing(MemberInfo::name).thenComparingLong(MemberInfo::id)).toList();
      } catch (Exception e) {
        interruptIfNeeded(e);
        failures.add(EtcdErrors.describe(endpoint, e, config));
      }
    }
    throw new UnavailableException("no endpoint answered the member list: " + String.join("; ", failures));
  }

  /**
   * Probes the endpoints (and, with {@code wholeCluster}, every member's client URLs) and decides.
   * One round: the member list, each endpoint's status and linearizable read, and the first
   * endpoint's alarm list are asked at once, since none depends on another's answer; only members
   * whose client URLs are not among the endpoints are probed after the member list, as before.
   */
  public HealthReport health(HealthOptions options) {
    Set<String> targets = new LinkedHashSet<>();
    config.endpoints().forEach(u -> targets.add(u.toString()));
    String first = targets.iterator().next();
    CompletableFuture<List<AlarmMember>> firstAlarms = clients.shared(URI.create(first)).getMaintenanceClient()
        .listAlarms().thenApply(r -> r.getAlarms());

    Optional<List<MemberInfo>> members = Optional.empty();
    Optional<String> membersError = Optional.empty();
    List<EndpointReport> reports = new ArrayList<>();
    ExecutorService pool = pool(targets.size() + 1);
    try {
      CompletableFuture<List<MemberInfo>> listing = CompletableFuture.supplyAsync(this::members, pool);
      List<CompletableFuture<EndpointReport>> probes = targets.stream()
          .map(t -> CompletableFuture.supplyAsync(() -> probe(t), pool)).toList();
      probes.forEach(p -> reports.add(p.join()));
      try {
        members = Optional.of(listing.join());
      } catch (CompletionException e) {
        if (!(e.getCause() instanceof UnavailableException u)) {
          throw e;
        }
        membersError = Optional.of(u.getMessage());
      }
    } finally {
      pool.shutdownNow();
    }

    if (options.wholeCluster() && members.isPresent()) {
      Set<String> others = new LinkedHashSet<>();
      members.get().forEach(m -> m.clientUrls().forEach(u -> others.add(normalise(u))));
      others.removeAll(targets);
      reports.addAll(forEachParallel(List.copyOf(others), this::probe));
    }
    List<Alarm> alarms = alarms(reports, first, firstAlarms);
    Optional<ConsistencyReport> consistency = options.consistency()
        ? Optional.of(consistency(reports)) : Optional.empty();
    return decide(members, membersError, reports, alarms, consistency);
  }

  private HealthReport decide(Optional<List<MemberInfo>> members, Optional<String> membersError,
      List<EndpointReport> reports, List<Alarm> alarms, Optional<ConsistencyReport> consistency) {
    List<String> problems = new ArrayList<>();
    Map<Long, MemberInfo> byId = new HashMap<>();
    members.ifPresent(ms -> ms.forEach(m -> byId.put(m.id(), m)));

    for (EndpointReport r : reports) {
      if (!r.healthy()) {
        String who = r.memberId().map(id -> byId.containsKey(id) ? "member " + byId.get(id).label() + " at " : "")
            .orElseGet(() -> memberNameFor(r.endpoint(), members));
        problems.add(who + r.endpoint() + " is unhealthy: " + r.error().orElse("unknown error"));
      }
    }
    for (Alarm a : alarms) {
      MemberInfo m = byId.get(a.memberId());
      problems.add("alarm " + a.type() + " is active on member " + (m != null ? m.label() : a.memberIdHex())
          + (a.type().equals("NOSPACE")
              ? ": the database exceeded its quota; compact, defragment, then disarm the alarm" : ""));
    }
    consistency.ifPresent(c -> c.mismatched().forEach(problems::add));

    Set<Long> healthyIds = reports.stream().filter(EndpointReport::healthy)
        .map(EndpointReport::memberId).flatMap(Optional::stream).collect(Collectors.toSet());
    int voting;
    int healthyVoting;
    if (members.isPresent()) {
      List<MemberInfo> votingMembers = members.get().stream().filter(m -> !m.learner()).toList();
      voting = votingMembers.size();
      healthyVoting = (int) votingMembers.stream().filter(m -> healthyIds.contains(m.id())).count();
      for (MemberInfo m : votingMembers) {
        boolean probed = reports.stream().anyMatch(r -> r.memberId().orElse(-1L) == m.id()
            || m.clientUrls().stream().map(ClusterInspector::normalise).anyMatch(u -> u.equals(r.endpoint())));
        if (!probed) {
          problems.add("member " + m.label() + " was not checked: none of its client URLs " + m.clientUrls()
              + " is among the probed endpoints");
        }
      }
    } else {
      voting = 0;
      healthyVoting = 0;
      if (healthyIds.isEmpty()) {
        problems.add(0, "no endpoint answered");
      } else {
        problems.add(0, membersError.orElse("the member list is unavailable"));
      }
    }
    int quorum = voting / 2 + 1;

    HealthReport.Verdict verdict;
    if (members.isEmpty() || healthyVoting < quorum) {
      verdict = HealthReport.Verdict.QUORUM_LOST;
      if (members.isPresent()) {
        problems.add(0, "quorum lost: " + healthyVoting + " of " + voting + " voting members healthy, "
            + quorum + " needed");
      }
    } else if (!problems.isEmpty()) {
      verdict = HealthReport.Verdict.DEGRADED;
    } else {
      verdict = HealthReport.Verdict.HEALTHY;
    }
    LOG.debug("health verdict={} voting={} healthy={} alarms={}", verdict, voting, healthyVoting, alarms.size());
    return new HealthReport(verdict, reports, members.orElse(List.of()), alarms, voting, healthyVoting, quorum,
        consistency, problems);
  }

  private static String memberNameFor(String endpoint, Optional<List<MemberInfo>> members) {
    return members.flatMap(ms -> ms.stream()
            .filter(m -> m.clientUrls().stream().map(ClusterInspector::normalise).anyMatch(endpoint::equals))
            .findFirst())
        .map(m -> "member " + m.label() + " at ").orElse("");
  }

  /**
   * Health (a linearizable read, as etcdctl endpoint health does it) and status of one endpoint,
   * over a connection to it alone. An endpoint whose status cannot be read counts as unhealthy:
   * without its member id, quorum cannot be judged.
   */
  private EndpointReport probe(String endpoint) {
    Client c = clients.shared(URI.create(endpoint));
    // Both asked at once; the read is awaited first, so that its time is its own.
    CompletableFuture<StatusResponse> statusCall = c.getMaintenanceClient().statusMember(endpoint);
    long start = System.nanoTime();
    Optional<String> readError = Optional.empty();
    try {
      await(c.getKVClient().get(HEALTH_KEY));
    } catch (Exception e) {
      interruptIfNeeded(e);
      String cause = EtcdErrors.causeAt(URI.create(endpoint), e, config);
      // etcdctl counts "permission denied" as healthy: the request went through consensus.
      if (!cause.startsWith("permission denied")) {
        readError = Optional.of(cause);
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    Optional<EndpointStatus> status = Optional.empty();
    Optional<String> statusError = Optional.empty();
    try {
      status = Optional.of(toStatus(await(statusCall)));
    } catch (Exception e) {
      interruptIfNeeded(e);
      statusError = Optional.of(EtcdErrors.causeAt(URI.create(endpoint), e, config));
    }
    Optional<String> statusProblem = statusError.map(s -> "status: " + s);
    Optional<String> error = readError.or(() -> statusProblem);
    return new EndpointReport(endpoint, error.isEmpty(), took, error, status);
  }

  /**
   * The alarm list of the first healthy endpoint that answers it, in the reports' order; {@code
   * early} is the answer of {@code first}, asked with the probes and used only if it is healthy.
   */
  private List<Alarm> alarms(List<EndpointReport> reports, String first,
      CompletableFuture<List<AlarmMember>> early) {
    for (EndpointReport r : reports) {
      if (!r.healthy()) {
        continue;
      }
      try {
        CompletableFuture<List<AlarmMember>> call = r.endpoint().equals(first) ? early
            : clients.shared(URI.create(r.endpoint())).getMaintenanceClient().listAlarms().thenApply(a -> a.getAlarms());
        return await(call).stream().map(a -> new Alarm(a.getMemberId(), a.getAlarmType().name())).toList();
      } catch (Exception e) {
        interruptIfNeeded(e);
        LOG.debug("alarm list failed endpoint={} cause={}", r.endpoint(), EtcdErrors.cause(e, config));
      } finally {
        early.cancel(true); // not wanted once any endpoint was asked: its own, or a healthier one's
      }
    }
    early.cancel(true);
    return List.of();
  }

  private ConsistencyReport consistency(List<EndpointReport> reports) {
    List<EndpointReport> answering = reports.stream().filter(r -> r.status().isPresent()).toList();
    // One revision every member has applied: the lowest current revision among them.
    long rev = answering.stream().mapToLong(r -> r.status().get().revision()).min().orElse(0);
    Map<Long, EndpointReport> oneEndpointPerMember = new LinkedHashMap<>();
    answering.forEach(r -> oneEndpointPerMember.putIfAbsent(r.status().get().memberId(), r));
    List<ConsistencyReport.MemberHash> hashes = forEachParallel(List.copyOf(oneEndpointPerMember.values()), r -> {
      try {
        Client c = clients.shared(URI.create(r.endpoint()));
        HashKVResponse h = await(c.getMaintenanceClient().hashKV(r.endpoint(), rev));
        return new ConsistencyReport.MemberHash(r.endpoint(), r.status().get().memberId(),
            Optional.of(Integer.toUnsignedLong(h.getHash())), h.getCompacted(), Optional.empty());
      } catch (Exception e) {
        interruptIfNeeded(e);
        return new ConsistencyReport.MemberHash(r.endpoint(), r.status().get().memberId(), Optional.empty(), 0,
            Optional.of(EtcdErrors.cause(e, config)));
      }
    });
    return new ConsistencyReport(rev, hashes, mismatches(rev, hashes));
  }

  /** Members whose hash differs from the most common one among members with the same compact revision. */
  static List<String> mismatches(long rev, List<ConsistencyReport.MemberHash> hashes) {
    List<String> out = new ArrayList<>();
    Map<Long, List<ConsistencyReport.MemberHash>> byCompact = hashes.stream().filter(h -> h.hash().isPresent())
        .collect(Collectors.groupingBy(ConsistencyReport.MemberHash::compactRevision, LinkedHashMap::new, Collectors.toList()));
    for (List<ConsistencyReport.MemberHash> group : byCompact.values()) {
      Map<Long, Long> counts = group.stream().collect(Collectors.groupingBy(h -> h.hash().get(), Collectors.counting()));
      long majority = counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(0L);
      boolean tie = counts.values().stream().filter(n -> n.equals(counts.get(majority))).count() > 1;
      for (ConsistencyReport.MemberHash h : group) {
        if (tie ? counts.size() > 1 : h.hash().get() != majority) {
          out.add("member " + Long.toHexString(h.memberId()) + " at " + h.endpoint() + " has HashKV "
              + h.hash().get() + " at revision " + rev + ", others have " + (tie ? "different values" : majority)
              + ": its data differs (possible corruption)");
        }
      }
    }
    hashes.stream().filter(h -> h.error().isPresent()).forEach(h ->
        out.add("member " + Long.toHexString(h.memberId()) + " at " + h.endpoint() + " could not compute HashKV at revision "
            + rev + ": " + h.error().get()));
    return out;
  }

  private <T, R> List<R> forEachParallel(List<T> items, Function<T, R> f) {
    if (items.isEmpty()) {
      return List.of();
    }
    ExecutorService pool = pool(items.size());
    try {
      List<CompletableFuture<R>> futures = items.stream().map(i -> CompletableFuture.supplyAsync(() -> f.apply(i), pool)).toList();
      return futures.stream().map(CompletableFuture::join).toList();
    } finally {
      pool.shutdownNow();
    }
  }

  private static ExecutorService pool(int tasks) {
    return Executors.newFixedThreadPool(Math.min(tasks, 8), r -> {
      Thread t = new Thread(r, "etcd-probe");
      t.setDaemon(true);
      return t;
    });
  }

  private <T> T await(CompletableFuture<T> f) throws ExecutionException, InterruptedException, TimeoutException {
    try {
      return f.get(config.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw e;
    }
  }

  private static void interruptIfNeeded(Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
  }

  static String normalise(String url) {
    URI u = URI.create(url.trim());
    return u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
  }

  static MemberInfo toInfo(Member m) {
    return new MemberInfo(m.getId(), m.getName(),
        m.getPeerURIs().stream().map(URI::toString).toList(),
        m.getClientURIs().stream().map(URI::toString).toList(),
        m.isLearner());
  }

  static EndpointStatus toStatus(StatusResponse s) {
    return new EndpointStatus(s.getHeader().getClusterId(), s.getHeader().getMemberId(), s.getVersion(), s.getDbSize(), s.getDbSizeInUse(),
        s.getLeader(), s.isLearner(), s.getRaftTerm(), s.getRaftIndex(), s.getRaftAppliedIndex(),
        s.getHeader().getRevision(), s.getErrorList());
  }
}
