package io.etcdbackup.core.backup;

import io.etcdbackup.core.EtcdBackupException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for a pipeline stage's thread, with its own failure (not a wrapper) reaching the caller. */
final class Futures {
  private Futures() {}

  static <T> T join(Future<T> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new EtcdBackupException(c.getMessage(), c);
    }
  }
}
