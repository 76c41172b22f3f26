package io.etcdbackup.core.stream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads a source ahead on a thread of its own into a few fixed buffers, so that the source's work
 * (a network read and the hash behind it, a decryption) runs on one core while the reader's
 * (decompression) runs on another. Memory is {@code buffers * bufferSize}, whatever the length.
 *
 * <p>The reader sees the source's bytes in order, then its end, or its failure: the very exception
 * the source threw, from the {@code read} that follows the last byte read before it, so that a
 * caller classifies it by type as if it had read the source itself. The source is closed on the
 * producer thread when it ends, fails or is stopped.
 *
 * <p>{@link #close()} (or {@link #fail}) from any thread stops the producer at once: a reader
 * waiting for data wakes up, the producer is interrupted out of its waits, and a read it is
 * blocked in is ended by closing {@code unblock} (the raw network stream: closing one from another
 * thread is what aborts a download). It returns once the producer has ended, so that nothing reads
 * the source behind the caller's back afterwards.
 *
 * <p>One reader at a time; several may read in turn (the decoder, then a drain of what it left),
 * each after the one before it returned.
 */
public final class ReadAheadInputStream extends InputStream {
  /** How long a close waits for the producer to leave a read that {@code unblock} did not end. */
  private static final long JOIN_MILLIS = 10_000;

  private final InputStream source;
  private final Closeable unblock;
  private final Thread producer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<byte[]> free = new ArrayDeque<>();
  private final ArrayDeque<Chunk> filled = new ArrayDeque<>();
  /** The producer published its last chunk: {@link #failure} tells whether the source failed. */
  private boolean ended;
  private Throwable failure;
  /** Set by {@link #fail} or {@link #close}: what every later read throws. */
  private volatile Throwable stopped;

  // the reader's side, used by one thread at a time
  private Chunk current;
  private int pos;

  private record Chunk(byte[] buf, int length) {}

  private ReadAheadInputStream(InputStream source, String name, int buffers, int bufferSize, Closeable unblock) {
    this.source = source;
    this.unblock = unblock;
    for (int i = 0; i < buffers; i++) {
      free.add(new byte[bufferSize]);
    }
    this.producer = new Thread(this::produce, name);
    producer.setDaemon(true);
  }

  /**
   * Starts reading {@code source} on a new daemon thread named {@code name}, into {@code buffers}
   * arrays of {@code bufferSize} bytes.
   *
   * @param unblock closed by {@link #close()} when the producer is still running, to end a read it
   *     is blocked in; {@code null} when the source's reads end by themselves (a producer reading
   *     another read-ahead is interrupted out of it)
   */
  public static ReadAheadInputStream start(InputStream source, String name, int buffers, int bufferSize,
      Closeable unblock) {
    if (buffers < 1 || bufferSize < 1) {
      throw new IllegalArgumentException("buffers (" + buffers + ") and bufferSize (" + bufferSize + ") must be positive");
    }
    ReadAheadInputStream in = new ReadAheadInputStream(source, name, buffers, bufferSize, unblock);
    in.producer.start();
    return in;
  }

  private void produce() {
    Throwable failed = null;
    try {
      byte[] buf;
      while ((buf = takeFree()) != null) {
        int n = 0;
        int r = 0;
        try {
          // Whole buffers: one hand-over per buffer, not one per network read of a few KiB.
          while (n < buf.length && (r = source.read(buf, n, buf.length - n)) >= 0) {
            n += r;
          }
        } finally {
          publish(buf, n); // what was read before a failure comes before it
        }
        if (r < 0) {
          break;
        }
      }
    } catch (Throwable e) {
      failed = e;
    }
    try {
      source.close();
    } catch (Throwable e) {
      if (failed == null) {
        failed = e;
      } else if (failed != e) {
        failed.addSuppressed(e);
      }
    }
    lock.lock();
    try {
      ended = true;
      failure = failed;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** A free buffer, or {@code null} once stopped. */
  private byte[] takeFree() throws InterruptedException {
    lock.lock();
    try {
      while (free.isEmpty() && stopped == null) {
        changed.await();
      }
      return stopped != null ? null : free.poll();
    } finally {
      lock.unlock();
    }
  }

  private void publish(byte[] buf, int length) {
    lock.lock();
    try {
      if (length > 0) {
        filled.add(new Chunk(buf, length));
      } else {
        free.add(buf);
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (stopped != null) {
      throw rethrow(stopped);
    }
    if (len == 0) {
      return 0;
    }
    if ((current == null || pos == current.length()) && !next()) {
      return -1;
    }
    int n = Math.min(len, current.length() - pos);
    System.arraycopy(current.buf(), pos, b, off, n);
    pos += n;
    return n;
  }

  /** Gives the spent buffer back and waits for the next one; false at the end. */
  private boolean next() throws IOException {
    lock.lock();
    try {
      if (current != null) {
        free.add(current.buf());
        current = null;
        changed.signalAll();
      }
      while (filled.isEmpty() && !ended && stopped == null) {
        changed.await();
      }
      if (stopped != null) {
        throw rethrow(stopped);
      }
      if (!filled.isEmpty()) {
        current = filled.poll();
        pos = 0;
        return true;
      }
      if (failure != null) {
        throw rethrow(failure);
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for " + producer.getName());
    } finally {
      lock.unlock();
    }
  }

  private static IOException rethrow(Throwable t) {
    if (t instanceof IOException io) {
      return io;
    }
    if (t instanceof RuntimeException re) {
      throw re;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IOException(t);
  }

  /**
   * Stops the producer: every later read throws {@code cause} (the first cause given wins), and a
   * reader waiting now wakes up with it. Returns once the producer has ended (see the class doc).
   */
  public void fail(Throwable cause) {
    lock.lock();
    try {
      if (stopped == null) {
        stopped = cause;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    stopProducer();
  }

  private void stopProducer() {
    if (Thread.currentThread() == producer || !producer.isAlive()) {
      return;
    }
    if (unblock != null) {
      try {
        unblock.close();
      } catch (IOException | RuntimeException e) {
        // the producer fails on its own; what it threw no longer matters
      }
    }
    producer.interrupt();
    boolean interrupted = false;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_MILLIS);
    while (producer.isAlive() && System.nanoTime() < deadline) {
      try {
        producer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether the producer thread is still running (for tests and clean-up checks). */
  boolean producerAlive() {
    return producer.isAlive();
  }

  /** Stops the producer (if it still runs) and closes the source; idempotent. */
  @Override
  public void close() {
    fail(new IOException(producer.getName() + ": read-ahead closed"));
  }
}
