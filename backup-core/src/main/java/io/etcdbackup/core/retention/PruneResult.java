package io.etcdbackup.core.retention;

import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.StoredObject;
import java.util.List;

/**
 * What a prune did (or, in a dry run, would do) to one series.
 *
 * @param plan the planner's decision for every backup
 * @param deleted backups removed, oldest first (in a dry run: those that would be)
 * @param locked backups the plan deletes but an unexpired object lock keeps: not tried
 * @param failed backups the store refused to delete (their manifest is still there: they remain
 *     whole), and backups whose manifest went but whose data object did not (left for the
 *     leftover clean-up)
 * @param leftovers interrupted runs' data removed (older than the leftover grace)
 * @param uploads unfinished uploads aborted (older than the leftover grace)
 * @param unknown objects under the series that are no part of a backup: reported, never touched
 */
public record PruneResult(String cluster, boolean dryRun, RetentionPlan plan, List<Manifest> deleted,
    List<Manifest> locked, List<Failure> failed, List<BackupRepository.Leftover> leftovers,
    List<IncompleteUpload> uploads, List<StoredObject> unknown) {

  public PruneResult {
    deleted = List.copyOf(deleted);
    locked = List.copyOf(locked);
    failed = List.copyOf(failed);
    leftovers = List.copyOf(leftovers);
    uploads = List.copyOf(uploads);
    unknown = List.copyOf(unknown);
  }

  /**
   * A delete the store refused.
   *
   * @param whole true: the manifest stayed, so the backup is still there whole; false: the
   *     manifest went and the data object stayed (the next prune removes it as a leftover)
   */
  public record Failure(Manifest manifest, String key, String code, String message, boolean whole) {}

  /** Bytes the deleted backups held. */
  public long bytesDeleted() {
    return deleted.stream().mapToLong(Manifest::storedSize).sum();
  }

  /** {@link Reason#OK}, or {@link Reason#STORE_ERROR} when the store refused a delete. */
  public Reason reason() {
    return failed.isEmpty() ? Reason.OK : Reason.STORE_ERROR;
  }
}
