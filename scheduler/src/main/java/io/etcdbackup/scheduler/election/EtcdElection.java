package io.etcdbackup.scheduler.election;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.run.Durations;
import io.etcdbackup.scheduler.Leadership;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code schedule --election}: one active replica among several, through etcd's election API
 * (v3election, what {@code etcdctl elect} uses) on a lease of this replica's own.
 *
 * <p>What it writes into the cluster being backed up: one lease per replica ({@code --election-ttl})
 * and one key per replica, {@code /etcd-backup/election/<cluster-name>/<lease id in hex>}, whose
 * value names the replica ({@code host=... pid=...}); the key lives and dies with the lease. The
 * replica whose key has the lowest create revision is the leader. Nothing else, and nothing at all
 * without {@code --election}.
 *
 * <p>Why leadership is judged here, not by the server: a replica cut off from etcd learns nothing
 * from the server, while the server lets its lease expire no earlier than TTL after the last
 * keep-alive was <em>sent</em> (the server extends a lease when it receives one, and an etcd
 * leader change only extends leases: lessor.Promote in etcd's lease/lessor.go). So this replica
 * counts itself leader until TTL after the send time of its last answered keep-alive, less a
 * margin, and steps down at once then, cancelling its running job through the listener, before
 * another replica can have been elected. Keep-alives go every TTL/3: two lost in a row and it
 * steps down.
 *
 * <p>A campaign that etcd answers is only taken once the leader key read back is this replica's
 * own and its lease is still good: etcd's server-side campaign does not re-check its key after its
 * wait (client/v3/concurrency/election.go), so a campaign outliving its lease could answer late.
 */
public final class EtcdElection implements Leadership, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdElection.class);
  public static final String PREFIX = "/etcd-backup/election/";
  /** etcd refuses shorter leases by default (minTTL: 3/2 of the election timeout, 1s). */
  public static final Duration MIN_TTL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(15);
  private static final long TICK_MS = 100;

  /**
   * @param cluster names the election ({@code cluster-name}); required with {@code --election}
   * @param ttl the lease's time to live: how long a dead leader keeps the others waiting
   */
  public record Options(String cluster, Duration ttl) {
    public Options {
      Objects.requireNonNull(cluster, "cluster");
      ttl = Objects.requireNonNullElse(ttl, DEFAULT_TTL);
      if (ttl.compareTo(MIN_TTL) < 0 || ttl.toNanos() % 1_000_000_000L != 0) {
        throw new InvalidInputException("--election-ttl (" + Durations.format(ttl) + ") must be whole seconds, at least "
            + Durations.format(MIN_TTL) + " (etcd's shortest lease)");
      }
    }

    public String electionName() {
      return PREFIX + cluster;
    }
  }

  private final Client client;
  private final Options options;
  private final Duration callTimeout;
  private final String identity;
  private final Thread loop;
  private volatile Consumer<String> onLost = why -> {};
  private volatile boolean closed;
  /** Our leader key while we lead; null otherwise. */
  private volatile LeaderKey leading;
  /** System.nanoTime() until which our lease is certainly alive on the server. */
  private volatile long validUntil;
  private volatile long leaseId;
  private volatile String leader = "";

  /**
   * @param client its own client (closed by the caller after this): campaigns block on it for long
   * @param callTimeout for every call but the campaign (the connection's command timeout)
   */
  public EtcdElection(Client client, Options options, Duration callTimeout, String identity) {
    this.client = client;
    this.options = options;
    this.callTimeout = callTimeout;
    this.identity = identity;
    this.loop = new Thread(this::campaignForever, "election");
    loop.setDaemon(true);
  }

  /**
   * Starts campaigning; {@code lost} runs (on the election thread) each time leadership ends. A
   * second call (the daemon after a reload) only replaces {@code lost}: the leadership carries over.
   */
  @Override
  public synchronized void start(Consumer<String> lost) {
    this.onLost = Objects.requireNonNull(lost, "lost");
    if (loop.getState() != Thread.State.NEW) {
      return;
    }
    LOG.info("election started cluster={} name={} ttl={} identity={}", options.cluster(), options.electionName(),
        Durations.format(options.ttl()), identity);
    loop.start();
  }

  @Override
  public boolean isLeader() {
    return leading != null && System.nanoTime() - validUntil < 0;
  }

  /** The value of the current leader's key ({@code host=... pid=...}), as last read; empty if unknown. */
  @Override
  public Optional<String> leader() {
    return leader.isEmpty() ? Optional.empty() : Optional.of(leader);
  }

  private void campaignForever() {
    Duration backoff = Duration.ofMillis(500);
    String lastProblem = null;
    while (!closed) {
      try {
        campaignOnce();
        backoff = Duration.ofMillis(500);
        lastProblem = null;
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        String problem = String.valueOf(rootMessage(e));
        if (!problem.equals(lastProblem)) { // once per problem, not every retry
          LOG.warn("election cluster={}: {}; retrying", options.cluster(), problem);
          lastProblem = problem;
        }
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException ie) {
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(options.ttl()) > 0 ? options.ttl() : backoff.multipliedBy(2);
      } finally {
        stepDown("the lease is gone");
        revokeQuietly();
      }
    }
  }

  /** One lease: campaign with it, lead while it lives; returns or throws when it is gone. */
  private void campaignOnce() throws Exception {
    long sent = System.nanoTime();
    var grant = client.getLeaseClient().grant(options.ttl().toSeconds()).get(callMs(), TimeUnit.MILLISECONDS);
    leaseId = grant.getID();
    long ttl = TimeUnit.SECONDS.toNanos(grant.getTTL()); // the server may have raised it to its minimum
    long margin = ttl / 6;
    long interval = ttl / 3;
    validUntil = sent + ttl - margin;
    long nextKeepAlive = sent + interval;
    ByteSequence name = bytes(options.electionName());
    CompletableFuture<io.etcd.jetcd.election.CampaignResponse> campaign =
        client.getElectionClient().campaign(name, leaseId, bytes(identity));
    LOG.debug("campaigning cluster={} lease={}", options.cluster(), Long.toHexString(leaseId));
    try {
      while (!closed) {
        long now = System.nanoTime();
        if (now - validUntil >= 0) {
          stepDown("no keep-alive of lease " + Long.toHexString(leaseId) + " answered for "
              + Durations.format(Duration.ofNanos(ttl - margin)));
          return; // the lease is presumed gone: a new one, a new campaign
        }
        if (now - nextKeepAlive >= 0) {
          nextKeepAlive = now + interval;
          keepAlive(ttl, margin, interval);
          readLeader(name);
        }
        if (leading == null && campaign.isDone()) {
          LeaderKey key = campaign.get().getLeader(); // a failed campaign throws: a new lease, a new campaign
          KeyValue current = client.getElectionClient().leader(name).get(callMs(), TimeUnit.MILLISECONDS).getKv();
          if (!current.getKey().equals(key.getKey()) || System.nanoTime() - validUntil >= 0) {
            throw new IllegalStateException("etcd answered the campaign, but the leader key is not this replica's");
          }
          leader = current.getValue().toString(StandardCharsets.UTF_8);
          leading = key;
          LOG.info("leadership won cluster={} lease={} key={}: scheduling", options.cluster(), Long.toHexString(leaseId),
              key.getKey().toString(StandardCharsets.UTF_8));
        }
        Thread.sleep(TICK_MS);
      }
    } finally {
      campaign.cancel(true);
    }
  }

  /** One keep-alive: an answer moves the lease's certain life on; none lets it run down. */
  private void keepAlive(long ttl, long margin, long interval) {
    long sent = System.nanoTime();
    try {
      LeaseKeepAliveResponse r = client.getLeaseClient().keepAliveOnce(leaseId)
          .get(Math.min(callMs(), TimeUnit.NANOSECONDS.toMillis(interval)), TimeUnit.MILLISECONDS);
      if (r.getTTL() <= 0) {
        throw new LeaseGoneException("etcd no longer knows lease " + Long.toHexString(leaseId));
      }
      validUntil = sent + ttl - margin;
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof io.etcd.jetcd.lease.NoSuchLeaseException) {
        throw new LeaseGoneException("etcd no longer knows lease " + Long.toHexString(leaseId));
      }
      LOG.debug("keep-alive failed cluster={}: {}", options.cluster(), rootMessage(e));
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.debug("keep-alive unanswered cluster={} lease={}", options.cluster(), Long.toHexString(leaseId));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LeaseGoneException("interrupted");
    }
  }

  /** Who leads, for /status; a leader whose key no longer leads steps down (its key was deleted). */
  private void readLeader(ByteSequence name) {
    try {
      KeyValue kv = client.getElectionClient().leader(name).get(callMs(), TimeUnit.MILLISECONDS).getKv();
      leader = kv.getValue().toString(StandardCharsets.UTF_8);
      LeaderKey mine = leading;
      if (mine != null && !kv.getKey().equals(mine.getKey())) {
        stepDown("another key leads now (" + kv.getKey().toString(StandardCharsets.UTF_8) + ")");
        throw new LeaseGoneException("this replica's election key no longer leads");
      }
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof io.etcd.jetcd.election.NoLeaderException) {
        leader = "";
      }
      LOG.debug("cannot read the leader cluster={}: {}", options.cluster(), rootMessage(e));
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.debug("cannot read the leader cluster={}: {}", options.cluster(), rootMessage(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LeaseGoneException("interrupted");
    }
  }

  /** The lease is gone or no longer ours to trust: start over with a new one. */
  private static final class LeaseGoneException extends RuntimeException {
    LeaseGoneException(String message) {
      super(message, null, false, false);
    }
  }

  private void stepDown(String why) {
    if (leading != null) {
      leading = null;
      LOG.warn("leadership lost cluster={}: {}; running jobs are cancelled, scheduling stops", options.cluster(), why);
      onLost.accept("this replica lost the leadership: " + why);
    }
  }

  private void revokeQuietly() {
    long id = leaseId;
    if (id != 0) {
      leaseId = 0;
      client.getLeaseClient().revoke(id).orTimeout(callMs(), TimeUnit.MILLISECONDS).exceptionally(t -> null);
    }
  }

  private long callMs() {
    return Math.max(1, callTimeout.toMillis());
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getClass().getSimpleName() + ": " + c.getMessage();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Resigns (so that a standby takes over at once, not after the TTL) and revokes the lease. */
  @Override
  public void close() {
    closed = true;
    LeaderKey key = leading;
    leading = null;
    if (key != null) {
      try {
        client.getElectionClient().resign(key).get(callMs(), TimeUnit.MILLISECONDS);
        LOG.info("leadership resigned cluster={}", options.cluster());
      } catch (Exception e) {
        LOG.warn("cannot resign cluster={}: {} (the lease's expiry frees it)", options.cluster(), rootMessage(e));
      }
    }
    loop.interrupt();
    try {
      loop.join(callMs() + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    revokeQuietly();
  }
}
