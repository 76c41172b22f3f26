package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/**
 * The one unchecked base of this tool's failures. Its message is a complete sentence a person can
 * act on (what is wrong, where, what to do); the subclasses tell the CLI which exit code to use
 * through {@link #reason()} (docs/exit-codes.md). Anything else that escapes is an unexpected
 * failure ({@link Reason#INTERNAL}, exit code 1).
 */
public class EtcdBackupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EtcdBackupException(String message) {
    super(message);
  }

  public EtcdBackupException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Why the run failed, for exit codes and metric labels; each subclass names its own. */
  public Reason reason() {
    return Reason.INTERNAL;
  }
}
