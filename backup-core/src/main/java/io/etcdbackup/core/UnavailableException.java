package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/**
 * No etcd member could be used: none answered, TLS or authentication failed on every endpoint, or
 * every candidate failed mid-snapshot (exit code 4).
 */
public class UnavailableException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public UnavailableException(String message) {
    super(message);
  }

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Reason reason() {
    return Reason.UNAVAILABLE;
  }
}
