package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/** A flag, value, URI or file given by the user is unusable (exit code 2). */
public class InvalidInputException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public Reason reason() {
    return Reason.INVALID_INPUT;
  }
}
