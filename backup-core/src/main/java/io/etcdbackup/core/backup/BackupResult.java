package io.etcdbackup.core.backup;

import io.etcdbackup.core.retention.PruneResult;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.store.Manifest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A committed backup: its manifest, the attempts that failed before it (one line each), how many
 * leftovers of earlier interrupted runs were removed, and what the retention after the commit did
 * (when the request has a policy).
 */
public record BackupResult(Manifest manifest, List<String> failedAttempts, int leftoversRemoved,
    Optional<Pruning> pruning) {
  public BackupResult {
    failedAttempts = List.copyOf(failedAttempts);
    pruning = Objects.requireNonNullElse(pruning, Optional.empty());
  }

  /**
   * The retention after the commit. The backup is committed whatever happens here; a prune that
   * failed (a listing error, an unreadable manifest) or that the store partly refused ends the run
   * with its reason, so that a CronJob's exit code shows it.
   *
   * @param result what the prune did; empty when it failed before deciding anything
   * @param reason {@link Reason#OK}, or why the prune did not do all it planned
   * @param message the failure, one line; empty when OK
   */
  public record Pruning(Optional<PruneResult> result, Reason reason, String message) {
    public Pruning {
      result = Objects.requireNonNullElse(result, Optional.empty());
      Objects.requireNonNull(reason, "reason");
      message = message == null ? "" : message;
    }

    public boolean ok() {
      return reason == Reason.OK;
    }
  }

  /** The run's reason: {@link Reason#OK} unless the retention after the commit failed. */
  public Reason reason() {
    return pruning.map(Pruning::reason).orElse(Reason.OK);
  }
}
