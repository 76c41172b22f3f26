package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/**
 * The backup store failed: it cannot be reached or opened, refused access, or a listing, read,
 * write or commit did not complete (exit code 9). The message names the store and the key, never
 * a credential.
 */
public class StoreException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Reason reason() {
    return Reason.STORE_ERROR;
  }
}
