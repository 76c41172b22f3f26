package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/** Another backup of the same cluster holds the lock (exit code 6). */
public class LockHeldException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public LockHeldException(String message) {
    super(message);
  }

  @Override
  public Reason reason() {
    return Reason.LOCK_HELD;
  }
}
