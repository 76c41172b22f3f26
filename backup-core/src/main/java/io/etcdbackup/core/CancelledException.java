package io.etcdbackup.core;

import io.etcdbackup.core.run.Reason;

/**
 * The run was cancelled (a signal, the scheduler stopping) or passed its deadline
 * ({@code --timeout}) (exit code 10). It wrote no manifest, aborted its upload and removed its
 * spools; the message says who cancelled it.
 */
public class CancelledException extends EtcdBackupException {
  private static final long serialVersionUID = 1L;

  public CancelledException(String message) {
    super(message);
  }

  @Override
  public Reason reason() {
    return Reason.CANCELLED;
  }
}
