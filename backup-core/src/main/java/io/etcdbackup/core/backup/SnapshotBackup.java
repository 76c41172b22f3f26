package io.etcdbackup.core.backup;

import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.UnavailableException;
import io.etcdbackup.core.retention.PruneRequest;
import io.etcdbackup.core.retention.PruneResult;
import io.etcdbackup.core.retention.Pruner;
import io.etcdbackup.core.retention.RetentionPolicy;
import io.etcdbackup.core.etcd.ClusterInspector;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.etcd.HealthReport;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Operation;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.Run;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.ManifestCodec;
import io.etcdbackup.core.stream.Spool;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One verified backup, from a snapshot stream to a committed manifest: the engine behind
 * {@code snapshot}, the scheduler's backup job and the metrics. {@link #run} reads as the
 * pipeline; one member's attempt (spools, the overlapping stages, the checks, the commit) is a
 * {@link BackupAttempt}, the manifest is put together in {@link ManifestAssembly}, and the keys
 * and the commit belong to the {@link BackupRepository}.
 *
 * <p>Every phase is reported to the {@link RunListener}; the run ends with one {@link Reason}.
 * If the member fails mid-stream the run goes on with the next candidate; any other failure, a
 * cancellation or the deadline aborts the upload, leaves no manifest, removes the spools, and
 * reaches the caller.
 *
 * <p>It writes nothing into the cluster it backs up, unless the request asks for the lock.
 */
public final class SnapshotBackup {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotBackup.class);

  private final EtcdClients clients;
  private final SnapshotSource source;
  private final BackupRepository repository;
  private final Clock clock;
  private final String toolVersion;

  public SnapshotBackup(EtcdClients clients, SnapshotSource source, BackupRepository repository, Clock clock,
      String toolVersion) {
    this.clients = clients;
    this.source = source;
    this.repository = repository;
    this.clock = clock;
    this.toolVersion = toolVersion;
  }

  public BackupResult run(BackupRequest request) {
    return run(request, RunListener.NONE, Cancellation.create());
  }

  /** The pipeline: select, [lock], stream + encode + upload, check, commit (per attempt), clean up. */
  public BackupResult run(BackupRequest request, RunListener listener, Cancellation cancel) {
    cancel.deadline(request.timeout(), "--timeout");
    Run run = new Run(Operation.BACKUP, request.clusterName().orElse(""), listener, cancel, clock);
    // Jackson's first use costs most of a second: pay it while the snapshot streams.
    CompletableFuture.runAsync(ManifestCodec::warmUp);
    try {
      Target target = run.phase(Phase.SELECT, s -> select(request));
      try (BackupLock lock = request.lock().isPresent() ? run.phase(Phase.LOCK, s -> lock(target, request, run)) : null) {
        // What runs killed with SIGKILL left in the spool dir (up to twice the db each); live runs' spools stay.
        Spool.removeLeftovers(request.spoolDir());
        BackupResult result = attempts(run, request, target);
        int removed = run.phase(Phase.CLEANUP, s -> removeLeftovers(target.cluster(), request));
        Optional<BackupResult.Pruning> pruning = request.retention().map(p -> prune(run, target, request, p));
        BackupResult done = new BackupResult(result.manifest(), result.failedAttempts(), removed, pruning);
        return run.finished(done, done.reason(), pruning.map(BackupResult.Pruning::message).orElse(""));
      }
    } catch (RuntimeException e) {
      throw run.failed(e);
    } catch (Error e) {
      throw run.failed(e);
    }
  }

  /** The series and the members to try, best first. */
  record Target(String cluster, String clusterIdHex, List<MemberSelector.Candidate> candidates) {}

  private Target select(BackupRequest request) {
    HealthReport health = new ClusterInspector(clients).health(new ClusterInspector.HealthOptions(true, false));
    List<MemberSelector.Candidate> candidates = MemberSelector.candidates(health, request.member());
    long clusterId = candidates.get(0).status().clusterId();
    String cluster = request.clusterName().orElse("etcd-" + Long.toHexString(clusterId));
    LOG.info("backup started cluster={} store={} candidates={}", cluster, repository.store().location(),
        candidates.stream().map(c -> c.member().name()).toList());
    try {
      repository.store().checkWritable(Layout.writePrefix(cluster));
    } catch (IOException e) {
      throw new StoreException("the backup store cannot take this backup (checked before the snapshot streams): "
          + e.getMessage(), e);
    }
    return new Target(cluster, Long.toHexString(clusterId), candidates);
  }

  private BackupLock lock(Target target, BackupRequest request, Run run) {
    BackupRequest.Lock l = request.lock().orElseThrow();
    return BackupLock.acquire(clients.forCluster(), clients.config(), target.cluster(), l.ttl(), l.maxWait(),
        run.startedAt(), run.cancellation());
  }

  /**
   * The next candidate each time; with fewer candidates than attempts (a one-member cluster) the
   * list starts over, so a passing fault of the only member is retried after a pause. Only a
   * member's failure is retried: a full disk, a store error or a failed check would fail again.
   */
  private BackupResult attempts(Run run, BackupRequest request, Target target) {
    BackupRequest.Retry retry = request.retry();
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < retry.maxAttempts(); i++) {
      MemberSelector.Candidate c = target.candidates().get(i % target.candidates().size());
      if (i > 0) {
        run.cancellation().sleep(retry.backoff().multipliedBy(1L << Math.min(i - 1, 6)));
      }
      try {
        BackupAttempt attempt = new BackupAttempt(clients, source, repository, clock, toolVersion, request, target, c, run);
        return new BackupResult(attempt.run(), failures, 0, Optional.empty());
      } catch (BackupAttempt.MemberFailed e) {
        failures.add(c.label() + ": " + e.getMessage());
        LOG.warn("snapshot attempt failed cluster={} member={} attempt={}: {}", target.cluster(), c.member().name(),
            i + 1, e.getMessage());
        run.nextAttempt(c.member().name(), Reason.UNAVAILABLE, e.getMessage());
      }
    }
    throw new UnavailableException("no member completed a snapshot of " + target.cluster() + ": "
        + String.join("; ", failures));
  }

  /**
   * PRUNE: the request's retention over the series, once the backup is committed. Its failure does
   * not undo the backup: it is reported in the result and ends the run with its reason.
   */
  private BackupResult.Pruning prune(Run run, Target target, BackupRequest request, RetentionPolicy policy) {
    Run.Span span = run.start(Phase.PRUNE);
    try {
      PruneResult r = new Pruner(repository, clock).pruneWithin(
          new PruneRequest(target.cluster(), policy, request.leftoverGrace(), false), run);
      span.end(r.reason());
      return new BackupResult.Pruning(Optional.of(r), r.reason(), r.reason() == Reason.OK ? ""
          : "retention: the store refused " + r.failed().size() + " deletes (first: " + r.failed().get(0).key() + ": "
              + r.failed().get(0).code() + ")");
    } catch (RuntimeException e) {
      span.fail(e);
      LOG.warn("retention after the backup failed cluster={}: {}", target.cluster(), e.getMessage());
      return new BackupResult.Pruning(Optional.empty(), Reason.of(e), "retention: " + e.getMessage());
    }
  }

  private int removeLeftovers(String cluster, BackupRequest request) {
    try {
      Instant now = clock.instant();
      List<BackupRepository.Leftover> leftovers = repository.leftovers(cluster, request.leftoverGrace(), now);
      for (BackupRepository.Leftover l : leftovers) {
        repository.delete(l);
      }
      // A run killed mid-upload leaves an upload that is no object, so the listing above never sees it (issue 13).
      List<IncompleteUpload> uploads = repository.unfinishedUploads(cluster, now.minus(request.leftoverGrace()));
      uploads.forEach(repository::abort);
      return leftovers.size() + uploads.size();
    } catch (IOException | RuntimeException e) {
      // The backup is committed; a failed clean-up is retried by the next run.
      LOG.warn("leftover clean-up failed cluster={}: {}", cluster, e.getMessage());
      return 0;
    }
  }
}
