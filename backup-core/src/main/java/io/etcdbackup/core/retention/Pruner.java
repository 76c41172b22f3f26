package io.etcdbackup.core.retention;

import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Operation;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.Run;
import io.etcdbackup.core.run.RunEvent;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.DeleteFailure;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.StoredObject;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link RetentionPolicy} to one series: the engine behind {@code prune} and the
 * retention {@code snapshot} runs after a commit.
 *
 * <p><b>A plan only from a complete listing.</b> The series is listed and every manifest read
 * ({@link BackupRepository#scan}); a failed listing or read, or a single manifest that does not
 * parse, ends the prune before anything is deleted. Only the asked series' prefix is listed:
 * other clusters in the same store are never read for deletion.
 *
 * <p><b>Deletion</b>, oldest first, in batches of {@value #BATCH} backups: the manifests first (a
 * backup disappears as a whole the moment its manifest goes), then the data objects of those whose
 * manifest went. A backup under an unexpired object lock (its manifest's {@code retention}) is not
 * tried and is reported as locked. A delete the store refuses is reported, and the rest of the plan
 * still runs; the run then ends with {@link Reason#STORE_ERROR}. A data object left behind by a
 * failed second step is a leftover for the next prune.
 *
 * <p><b>Leftovers</b> (data without a manifest, unfinished uploads under the series) older than
 * the request's grace go too; objects the v1 layout does not define are reported and never
 * touched.
 */
public final class Pruner {
  private static final Logger LOG = LoggerFactory.getLogger(Pruner.class);
  /** Backups per delete batch: S3's DeleteObjects takes 1,000 keys. */
  static final int BATCH = 1000;

  private final BackupRepository repository;
  private final Clock clock;

  public Pruner(BackupRepository repository, Clock clock) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A prune on its own ({@code etcd-backup prune}): phases select, prune, cleanup. */
  public PruneResult prune(PruneRequest request, RunListener listener, Cancellation cancel) {
    Run run = new Run(Operation.PRUNE, request.cluster(), listener, cancel, clock);
    try {
      Planned planned = run.phase(Phase.SELECT, s -> plan(request, run.cancellation()));
      PruneResult result = apply(request, planned, run, true);
      return run.finished(result, result.reason(), summary(result));
    } catch (RuntimeException e) {
      throw run.failed(e);
    } catch (Error e) {
      throw run.failed(e);
    }
  }

  /**
   * The retention of a backup run, inside the caller's {@link Phase#PRUNE} phase: same steps,
   * no phases of its own. Failures reach the caller.
   */
  public PruneResult pruneWithin(PruneRequest request, Run run) {
    return apply(request, plan(request, run.cancellation()), run, false);
  }

  /** The listing and the plan it gives. */
  private record Planned(BackupRepository.Listing listing, RetentionPlan plan, Instant now) {}

  private Planned plan(PruneRequest request, Cancellation cancel) {
    BackupRepository.Listing listing = repository.scan(request.cluster(), cancel);
    if (!listing.unreadable().isEmpty()) {
      BackupRepository.Unreadable first = listing.unreadable().get(0);
      throw new IntegrityException("cannot plan the retention of cluster " + request.cluster() + ": "
          + listing.unreadable().size() + " manifest(s) cannot be read (first: " + first.key() + ": " + first.problem()
          + "); repair or remove them; nothing was deleted");
    }
    Instant now = clock.instant();
    RetentionPlan plan = RetentionPlanner.plan(listing.backups(), request.policy(), now);
    LOG.info("retention planned cluster={} store={} backups={} keep={} delete={} dryRun={}", request.cluster(),
        repository.store().location(), plan.entries().size(), plan.keepCount(), plan.deleteCount(), request.dryRun());
    for (String note : plan.notes()) {
      LOG.info("retention note cluster={}: {}", request.cluster(), note);
    }
    return new Planned(listing, plan, now);
  }

  private PruneResult apply(PruneRequest request, Planned p, Run run, boolean phases) {
    List<Manifest> toDelete = new ArrayList<>(p.plan().toDelete());
    Collections.reverse(toDelete); // oldest first
    List<Manifest> locked = toDelete.stream().filter(m -> m.lockedAt(p.now())).toList();
    toDelete.removeAll(locked);
    for (Manifest m : locked) {
      LOG.info("retention skips a locked backup cluster={} id={} retainUntil={}", m.clusterName(), m.id(),
          m.retention().retainUntil());
    }
    Instant leftoverBefore = p.now().minus(request.leftoverGrace());
    List<BackupRepository.Leftover> leftovers = p.listing().leftovers().stream()
        .filter(l -> l.newest().isBefore(leftoverBefore)).toList();
    List<IncompleteUpload> uploads = repository.unfinishedUploads(request.cluster(), leftoverBefore);
    for (StoredObject o : p.listing().unknown()) {
      LOG.info("retention leaves an unknown object cluster={} key={}", request.cluster(), o.key());
    }

    List<Manifest> deleted = new ArrayList<>();
    List<PruneResult.Failure> failed = new ArrayList<>();
    if (request.dryRun()) {
      deleted.addAll(toDelete);
    } else {
      Run.Step<Void, RuntimeException> delete = s -> {
        deleteBackups(toDelete, run.cancellation(), deleted, failed);
        return null;
      };
      Run.Step<Void, RuntimeException> clean = s -> {
        removeLeftovers(leftovers, uploads, run.cancellation());
        return null;
      };
      if (phases) {
        run.phase(Phase.PRUNE, delete);
        run.phase(Phase.CLEANUP, clean);
      } else {
        delete.run(null);
        clean.run(null);
      }
    }
    PruneResult result = new PruneResult(request.cluster(), request.dryRun(), p.plan(), deleted, locked, failed,
        leftovers, uploads, p.listing().unknown());
    run.emit(new RunEvent.Pruned(request.cluster(), p.plan().keepCount(), deleted.size(), locked.size(),
        failed.size(), result.bytesDeleted(), request.dryRun()));
    LOG.info("retention done cluster={} kept={} deleted={} locked={} failed={} leftovers={} uploads={} dryRun={}",
        request.cluster(), p.plan().keepCount(), deleted.size(), locked.size(), failed.size(), leftovers.size(),
        uploads.size(), request.dryRun());
    return result;
  }

  /** Manifests first, then the data objects of the backups whose manifest went; batch by batch. */
  private void deleteBackups(List<Manifest> backups, Cancellation cancel, List<Manifest> deleted,
      List<PruneResult.Failure> failed) {
    BackupStore store = repository.store();
    for (int from = 0; from < backups.size(); from += BATCH) {
      if (cancel.isCancelled()) {
        throw new CancelledException("cancelled: " + cancel.why() + "; " + deleted.size() + " backups were deleted "
            + "before it, the " + (backups.size() - from) + " others the plan deletes remain whole");
      }
      List<Manifest> batch = backups.subList(from, Math.min(backups.size(), from + BATCH));
      Map<String, DeleteFailure> refused = byKey(deleteAll(store, batch.stream().map(Manifest::manifestKey).toList()));
      List<Manifest> gone = new ArrayList<>();
      for (Manifest m : batch) {
        DeleteFailure f = refused.get(m.manifestKey());
        if (f == null) {
          gone.add(m);
        } else {
          LOG.warn("store refused to delete a manifest cluster={} id={} code={}: {}", m.clusterName(), m.id(),
              f.code(), f.message());
          failed.add(new PruneResult.Failure(m, f.key(), f.code(), f.message(), true));
        }
      }
      deleted.addAll(gone);
      Map<String, DeleteFailure> dataRefused = byKey(deleteAll(store, gone.stream().map(Manifest::objectKey).toList()));
      for (Manifest m : gone) {
        DeleteFailure f = dataRefused.get(m.objectKey());
        if (f != null) {
          LOG.warn("store refused to delete a data object cluster={} id={} code={}: {} (a leftover now)",
              m.clusterName(), m.id(), f.code(), f.message());
          failed.add(new PruneResult.Failure(m, f.key(), f.code(), f.message(), false));
        } else {
          LOG.info("backup deleted cluster={} id={} rev={} started={}", m.clusterName(), m.id(), m.revision(),
              m.startedAt());
        }
      }
    }
  }

  private void removeLeftovers(List<BackupRepository.Leftover> leftovers, List<IncompleteUpload> uploads,
      Cancellation cancel) {
    BackupStore store = repository.store();
    List<String> keys = leftovers.stream().flatMap(l -> l.objects().stream()).map(StoredObject::key).toList();
    for (int from = 0; from < keys.size(); from += BATCH) {
      cancel.check();
      for (DeleteFailure f : deleteAll(store, keys.subList(from, Math.min(keys.size(), from + BATCH)))) {
        LOG.warn("cannot remove leftover store={} key={} code={}: {}", store.location(), f.key(), f.code(), f.message());
      }
    }
    for (IncompleteUpload u : uploads) {
      cancel.check();
      repository.abort(u);
    }
  }

  private static List<DeleteFailure> deleteAll(BackupStore store, List<String> keys) {
    if (keys.isEmpty()) {
      return List.of();
    }
    try {
      return store.deleteAll(keys);
    } catch (IOException e) {
      throw new StoreException("cannot delete from " + store.location() + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, DeleteFailure> byKey(List<DeleteFailure> failures) {
    Map<String, DeleteFailure> out = new HashMap<>();
    failures.forEach(f -> out.put(f.key(), f));
    return out;
  }

  /** One line for the run's outcome. */
  static String summary(PruneResult r) {
    return (r.dryRun() ? "would delete " : "deleted ") + r.deleted().size() + " of " + r.plan().entries().size()
        + " backups of " + r.cluster() + (r.locked().isEmpty() ? "" : ", " + r.locked().size() + " locked")
        + (r.failed().isEmpty() ? "" : ", " + r.failed().size() + " refused by the store");
  }
}
