package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/**
 * A local disk is full: the spool ({@code --spool-dir}) during a backup or a download, or a
 * restore target (exit code 8). Another member would not do better, so a backup does not retry.
 */
public class NoSpaceException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public NoSpaceException(String message, Throwable cause) {
    super(message, cause);
  }

  public NoSpaceException(String message) {
    super(message);
  }

  @Override
  public Reason reason() {
    return Reason.NO_SPACE;
  }
}
