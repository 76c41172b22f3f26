package io.etcdbackup.core.stream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Forces a file's written data to disk on a helper thread every so many bytes, while the writer
 * goes on, so that the final {@code fsync} finds little left to do. Linux starts writing back
 * dirty pages only after 30 s or when 10% of RAM is dirty, so without this a file is written to
 * the page cache at memory speed and then waits for the disk for as long again (1 GiB: about 2 s
 * of fsync on the benchmark machine's virtio disk, 0.2 s with a sync every 64 MiB). Durability is
 * unchanged: only the writer's final {@code force} counts. Used by the bbolt writer and the
 * restore's file copy.
 *
 * <p>A failed sync is reported by the next call to {@link #written} or {@link #await}. Not
 * thread-safe: one writer calls it.
 */
public final class BackgroundSync implements Closeable {
  public static final long DEFAULT_EVERY = 64L << 20;

  private final FileChannel channel;
  private final long every;
  private final String name;
  private ExecutorService executor;
  private Future<?> running;
  private long unsynced;

  public BackgroundSync(FileChannel channel, long every, String name) {
    this.channel = channel;
    this.every = every;
    this.name = name;
  }

  /** {@code bytes} more were written; starts a sync once enough are pending and none is running. */
  public void written(long bytes) throws IOException {
    unsynced += bytes;
    if (unsynced < every) {
      return;
    }
    if (running != null) {
      if (!running.isDone()) {
        return;
      }
      await();
    }
    if (executor == null) {
      executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sync " + name);
        t.setDaemon(true);
        return t;
      });
    }
    unsynced = 0;
    running = executor.submit(() -> {
      try {
        channel.force(false);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Waits for the running sync, if any, and reports its failure. */
  public void await() throws IOException {
    Future<?> f = running;
    if (f == null) {
      return;
    }
    running = null;
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a sync of " + name);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
      if (cause instanceof IOException io) {
        throw new IOException(name + ": background sync failed: " + io.getMessage(), io);
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(name + ": background sync failed", cause);
    }
  }

  /** Lets a running sync end (its outcome no longer matters) and stops the thread. */
  @Override
  public void close() {
    if (executor == null) {
      return;
    }
    executor.shutdown();
    boolean interrupted = false;
    while (!executor.isTerminated()) {
      try {
        executor.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
