package io.etcdbackup.core.run;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of an operation as its listeners see it: it times each phase, reports progress at a
 * bounded rate, and ends with one {@link Outcome}. The engine code reads as its pipeline, with each
 * step inside {@link #phase}; overlapping steps on other threads use {@link #start} and their
 * {@link Span}.
 */
public final class Run {
  private static final Logger LOG = LoggerFactory.getLogger(Run.class);
  /** Progress events per phase at most this often: a progress line redraws a few times a second. */
  private static final long PROGRESS_NANOS = 200_000_000L;

  private final Operation operation;
  private final RunListener listener;
  private final Cancellation cancellation;
  private final Instant startedAt;
  private final long startNanos = System.nanoTime();
  private final Map<Phase, Long> phaseNanos = new EnumMap<>(Phase.class);
  private volatile int attempt = 1;

  public Run(Operation operation, String subject, RunListener listener, Cancellation cancellation, Clock clock) {
    this.operation = operation;
    this.listener = listener == null ? RunListener.NONE : listener;
    this.cancellation = cancellation == null ? Cancellation.create() : cancellation;
    this.startedAt = clock.instant();
    emit(new RunEvent.Started(operation, subject, startedAt));
  }

  public Cancellation cancellation() {
    return cancellation;
  }

  public Instant startedAt() {
    return startedAt;
  }

  /** Time since the run began. */
  public Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Attempts count from 1; a backup that moves to the next member calls this. */
  public void nextAttempt(String member, Reason reason, String message) {
    emit(new RunEvent.AttemptFailed(attempt, member, reason, message));
    attempt++;
  }

  public int attempt() {
    return attempt;
  }

  /** A step of the run on this thread. */
  @FunctionalInterface
  public interface Step<T, E extends Exception> {
    T run(Span span) throws E;
  }

  /** Runs {@code step} as {@code phase}: checks for cancellation first, reports start and end. */
  public <T, E extends Exception> T phase(Phase phase, Step<T, E> step) throws E {
    cancellation.check();
    Span span = start(phase);
    try {
      T result = step.run(span);
      span.end();
      return result;
    } catch (Exception | Error e) {
      span.fail(e);
      throw e;
    }
  }

  /** Starts {@code phase} for a step that ends elsewhere (another thread): end or fail the span. */
  public Span start(Phase phase) {
    emit(new RunEvent.PhaseStarted(phase, attempt));
    return new Span(phase, attempt);
  }

  /** Milliseconds of the latest ended {@code phase} (a retried backup: the attempt that succeeded). */
  public synchronized long millis(Phase phase) {
    return phaseNanos.getOrDefault(phase, 0L) / 1_000_000;
  }

  /** Reports any event the engine makes (a commit). */
  public void emit(RunEvent e) {
    listener.on(e);
  }

  /** Ends the run with success. */
  public <T> T succeeded(T result) {
    cancellation.close();
    emit(new RunEvent.Finished(operation, new Outcome(Reason.OK, "", elapsed())));
    return result;
  }

  /**
   * Ends the run with a result that is not all the caller asked for ({@code reason} other than
   * {@link Reason#OK}: a prune whose store refused some deletes), or with success.
   */
  public <T> T finished(T result, Reason reason, String message) {
    if (reason == Reason.OK) {
      return succeeded(result);
    }
    cancellation.close();
    emit(new RunEvent.Finished(operation, new Outcome(reason, message, elapsed())));
    return result;
  }

  /** Ends the run with {@code failure}'s reason; returns it for the caller to throw. */
  public <X extends Throwable> X failed(X failure) {
    cancellation.close();
    Reason reason = Reason.of(failure);
    LOG.debug("run failed operation={} reason={}", operation.label(), reason.label(), failure);
    emit(new RunEvent.Finished(operation, new Outcome(reason, String.valueOf(failure.getMessage()), elapsed())));
    return failure;
  }

  /** One phase in progress. Ending it twice is harmless (the first end counts). */
  public final class Span {
    private final Phase phase;
    private final int attemptNo;
    private final long start = System.nanoTime();
    private final AtomicLong bytes = new AtomicLong();
    private volatile long lastReport = start;
    private volatile boolean ended;

    private Span(Phase phase, int attemptNo) {
      this.phase = phase;
      this.attemptNo = attemptNo;
    }

    public Phase phase() {
      return phase;
    }

    /** {@code n} more bytes went through this phase. */
    public void add(long n) {
      long total = bytes.addAndGet(n);
      long now = System.nanoTime();
      if (now - lastReport >= PROGRESS_NANOS) {
        lastReport = now;
        emit(new RunEvent.Progress(phase, total));
      }
    }

    public long bytes() {
      return bytes.get();
    }

    /** {@code out}, counting what is written through it into this phase. */
    public OutputStream counting(OutputStream out) {
      return new FilterOutputStream(out) {
        @Override
        public void write(int b) throws IOException {
          out.write(b);
          add(1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          add(len);
        }
      };
    }

    /** {@code in}, counting what is read through it into this phase. */
    public InputStream counting(InputStream in) {
      return new FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          int b = in.read();
          if (b >= 0) {
            add(1);
          }
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = in.read(b, off, len);
          if (n > 0) {
            add(n);
          }
          return n;
        }
      };
    }

    public void end() {
      finish(Reason.OK);
    }

    /** Ends the phase with a result that is not all it should be ({@code reason}), without a failure to throw. */
    public void end(Reason reason) {
      finish(reason);
    }

    /** Ends the phase with {@code t}'s reason, or {@code cancelled} when the run was (a stage that saw its spool fail). */
    public void fail(Throwable t) {
      finish(cancellation.isCancelled() ? Reason.CANCELLED : Reason.of(t));
    }

    private void finish(Reason reason) {
      synchronized (this) {
        if (ended) {
          return;
        }
        ended = true;
      }
      long took = System.nanoTime() - start;
      synchronized (Run.this) {
        phaseNanos.put(phase, took);
      }
      emit(new RunEvent.PhaseEnded(phase, attemptNo, Duration.ofNanos(took), bytes.get(), reason));
    }
  }
}
