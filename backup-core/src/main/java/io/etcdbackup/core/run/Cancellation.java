package io.etcdbackup.core.run;

import io.etcdbackup.core.CancelledException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks a run to stop: a signal, the scheduler shutting down or losing its election, or a
 * deadline. Cancelling is cooperative and prompt: every wait of a run (a stage's future, a retry
 * pause, the lock, a stalled stream) is made in short slices that look at the token, and
 * callbacks registered with {@link #onCancel} fail the spools at once, so a stage blocked on one
 * wakes up. The run then cleans up (aborts its upload, writes no manifest, removes its spools) and
 * fails with {@link CancelledException}. Thread-safe; cancelling twice keeps the first reason.
 */
public final class Cancellation {
  /** How often a wait looks at the token. */
  static final long SLICE_MILLIS = 100;

  private static final ScheduledExecutorService TIMER = timer();

  private final CountDownLatch cancelled = new CountDownLatch(1);
  private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();
  private volatile String why;
  private volatile ScheduledFuture<?> deadline;

  private Cancellation() {}

  /** A token nobody has cancelled yet. */
  public static Cancellation create() {
    return new Cancellation();
  }

  /**
   * Cancels this token after {@code timeout}, saying {@code the run took longer than <flag> <timeout>};
   * {@code Duration.ZERO} sets no deadline. Returns this token.
   */
  public Cancellation deadline(Duration timeout, String flag) {
    if (timeout != null && !timeout.isZero() && !timeout.isNegative()) {
      String text = "the run took longer than " + flag + " " + Durations.format(timeout);
      deadline = TIMER.schedule(() -> cancel(text), timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  /** Cancels the run; {@code why} says who asked ("SIGTERM received"). Idempotent. */
  public void cancel(String why) {
    synchronized (this) {
      if (this.why != null) {
        return;
      }
      this.why = why;
    }
    cancelled.countDown();
    for (Runnable r : callbacks) {
      r.run();
    }
  }

  public boolean isCancelled() {
    return why != null;
  }

  /** Who cancelled, or null. */
  public String why() {
    return why;
  }

  /** Throws {@link CancelledException} once cancelled. */
  public void check() {
    String w = why;
    if (w != null) {
      throw new CancelledException("cancelled: " + w + "; nothing was committed");
    }
  }

  /**
   * Runs {@code action} when the token is cancelled (at once, on this thread, if it already is).
   * Close the registration when the guarded work is over.
   */
  public Registration onCancel(Runnable action) {
    callbacks.add(action);
    if (isCancelled()) {
      action.run();
    }
    return () -> callbacks.remove(action);
  }

  /** A callback registration; closing it removes the callback. */
  @FunctionalInterface
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Blocks until this token is cancelled: the main loop of a server (the exporter, the daemon).
   * Returns early, with the interrupt flag set, if the thread is interrupted.
   */
  public void awaitCancelled() {
    try {
      cancelled.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sleeps {@code d}, or less if cancelled; then {@link #check()}. */
  public void sleep(Duration d) {
    try {
      cancelled.await(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancelledException("cancelled: interrupted");
    }
    check();
  }

  /**
   * Waits for {@code f}, looking at the token every {@value #SLICE_MILLIS} ms.
   *
   * @throws CancelledException once cancelled, without waiting for {@code f}
   * @throws ExecutionException with {@code f}'s failure
   */
  public <T> T await(Future<T> f) throws ExecutionException {
    while (true) {
      check();
      try {
        return f.get(SLICE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // look at the token again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancelledException("cancelled: interrupted");
      }
    }
  }

  /**
   * Waits at most {@code max} for {@code f}, looking at the token as {@link #await(Future)} does.
   *
   * @throws TimeoutException if {@code f} is not done within {@code max}
   */
  public <T> T await(Future<T> f, Duration max) throws ExecutionException, TimeoutException {
    long end = System.nanoTime() + max.toNanos();
    while (true) {
      check();
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException();
      }
      try {
        return f.get(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, SLICE_MILLIS), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // look at the token again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancelledException("cancelled: interrupted");
      }
    }
  }

  /** Drops the deadline's timer task once the run is over (a long daemon keeps no stale tasks). */
  public void close() {
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
  }

  private static ScheduledExecutorService timer() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread th = new Thread(r, "run-deadline");
      th.setDaemon(true);
      return th;
    });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }
}
