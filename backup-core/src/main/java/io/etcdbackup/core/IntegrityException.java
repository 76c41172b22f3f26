package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/**
 * Data failed a check: a SHA-256, the bbolt structure, a revision or HashKV comparison, a
 * decryption or decompression (exit code 5). The message names the object and the check.
 */
public class IntegrityException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public IntegrityException(String message) {
    super(message);
  }

  public IntegrityException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Reason reason() {
    return Reason.INTEGRITY;
  }
}
