package io.etcdbackup.core;

/** No such backup, object or series; nothing at or before the requested time or revision (exit code 7). */
public class NotFoundException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public NotFoundException(String message) {
    super(message);
  }
}
