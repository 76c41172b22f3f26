package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/**
 * Refused for safety: a non-empty target without {@code --force}, too little disk space
 * (exit code 8). Nothing was changed.
 */
public class RefusedException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public RefusedException(String message) {
    super(message);
  }

  @Override
  public Reason reason() {
    return Reason.REFUSED;
  }
}
