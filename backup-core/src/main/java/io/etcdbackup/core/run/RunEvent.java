package io.etcdbackup.core.run;

import io.etcdbackup.core.store.Manifest;
import java.time.Duration;
import java.time.Instant;

/**
 * What a run tells its listeners, in order per phase. Phases that overlap (stream, encode and
 * upload; download and decrypt) report from their own threads, so events of different phases
 * interleave. A failed run's {@link Finished} still comes, with the reason; phases that were
 * running when it failed end with that reason first.
 */
public sealed interface RunEvent {

  /** The run began: {@code subject} is the series (cluster name) once known, or the store. */
  record Started(Operation operation, String subject, Instant at) implements RunEvent {}

  /** A phase began; {@code attempt} counts from 1 (a backup retries on another member). */
  record PhaseStarted(Phase phase, int attempt) implements RunEvent {}

  /** Bytes through a phase so far; at most a few a second per phase. */
  record Progress(Phase phase, long bytes) implements RunEvent {}

  /** A phase ended, {@link Reason#OK} or not, after {@code took}, with {@code bytes} through it. */
  record PhaseEnded(Phase phase, int attempt, Duration took, long bytes, Reason reason) implements RunEvent {}

  /** One member's attempt failed; the next candidate follows. */
  record AttemptFailed(int attempt, String member, Reason reason, String message) implements RunEvent {}

  /** A backup was committed: its manifest is in the store. */
  record Committed(Manifest manifest) implements RunEvent {}

  /**
   * Retention ran over a series: how many backups it keeps, deleted (or would delete, in a dry
   * run), left under an object lock, and could not delete; the bytes the deletions freed.
   */
  record Pruned(String cluster, int kept, int deleted, int locked, int failed, long bytesDeleted, boolean dryRun)
      implements RunEvent {}

  /**
   * A drill's mode, known from its request: right after {@link Started}, so that a drill that
   * fails before it boots anything is still counted under its mode.
   */
  record Drill(DrillMode mode) implements RunEvent {}

  /** The run ended. Always the last event. */
  record Finished(Operation operation, Outcome outcome) implements RunEvent {}
}
