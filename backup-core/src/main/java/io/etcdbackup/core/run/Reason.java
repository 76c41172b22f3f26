package io.etcdbackup.core.run;

import io.etcdbackup.core.EtcdBackupException;
import java.util.Locale;

/**
 * Why a run ended: one small, fixed set shared by the CLI's exit codes, the metrics' {@code reason}
 * label and the scheduler's job states, so that they can never disagree. The set is closed on
 * purpose: a metric label must never carry free text (docs/metrics.md), and a script must be able
 * to act on the exit code alone (docs/exit-codes.md).
 *
 * <p>Failures are classified by type, never by message text: a failure of this tool's own
 * {@link EtcdBackupException} hierarchy carries its reason; anything else is {@link #INTERNAL}.
 */
public enum Reason {
  /** The run did what it was asked. */
  OK(0),
  /** A flag, value, URI or file given by the user is unusable; nothing was done. */
  INVALID_INPUT(2),
  /** No etcd member could be used (none answered, TLS or auth refused, every candidate failed). */
  UNAVAILABLE(4),
  /** Data failed a check: SHA-256, bbolt, status figures, HashKV, decryption. */
  INTEGRITY(5),
  /** Another run holds the etcd lock of the series ({@code --lock}). */
  LOCK_HELD(6),
  /** No such backup; nothing at or before the requested time or revision. */
  NOT_FOUND(7),
  /** Refused for safety: a non-empty target without {@code --force}. Nothing was changed. */
  REFUSED(8),
  /** A local disk is full: the spool ({@code --spool-dir}) or a restore target. */
  NO_SPACE(8),
  /** The backup store failed: unreachable, access denied, a write or listing that did not complete. */
  STORE_ERROR(9),
  /** Cancelled (SIGTERM, SIGINT, the scheduler stopping) or past its {@code --timeout}. */
  CANCELLED(10),
  /** A failure none of the above names; the message says what. */
  INTERNAL(1);

  private final int exitCode;

  Reason(int exitCode) {
    this.exitCode = exitCode;
  }

  /** The process exit code of a command that ends for this reason. */
  public int exitCode() {
    return exitCode;
  }

  /** The metric label value and the word in logs and JSON: {@code lock_held}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The reason of a failure, by its type: the first of this tool's exceptions in the cause chain
   * (a stage's {@code IOException} may carry the failure that ended it).
   */
  public static Reason of(Throwable t) {
    int depth = 0;
    for (Throwable c = t; c != null && depth < 20; c = c.getCause(), depth++) {
      if (c instanceof EtcdBackupException e) {
        return e.reason();
      }
    }
    return INTERNAL;
  }
}
