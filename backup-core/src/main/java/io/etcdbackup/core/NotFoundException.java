package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/** No such backup, object or series; nothing at or before the requested time or revision (exit code 7). */
public class NotFoundException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(message);
  }

  @Override
  public Reason reason() {
    return Reason.NOT_FOUND;
  }
}
