package io.etcdbackup.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.IntegrityException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The read-ahead between two stages of a download: order, failures by type, bounded memory, prompt stops. */
@Timeout(30)
class ReadAheadInputStreamTest {

  @Test
  void passesEveryByteInOrderWhateverTheReadSizesAndClosesTheSource() throws IOException {
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(data);
    AtomicBoolean closed = new AtomicBoolean();
    InputStream source = new ByteArrayInputStream(data) {
      @Override
      public void close() {
        closed.set(true);
      }
    };
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Random sizes = new Random(8);
    try (ReadAheadInputStream in = ReadAheadInputStream.start(source, "test-read-ahead", 3, 64 * 1024, null)) {
      byte[] buf = new byte[100_000];
      int n;
      while ((n = in.read(buf, 0, 1 + sizes.nextInt(buf.length))) >= 0) {
        out.write(buf, 0, n);
      }
      assertThat(in.read()).isEqualTo(-1);
    }
    assertThat(out.toByteArray()).isEqualTo(data);
    assertThat(closed).isTrue();
  }

  @Test
  void theSourcesFailureReachesTheReaderAsItsOwnTypeAfterTheBytesBeforeIt() throws IOException {
    IntegrityException broken = new IntegrityException("chunk 3: tag mismatch");
    InputStream source = new FailingAfter(100_000, broken);
    try (ReadAheadInputStream in = ReadAheadInputStream.start(source, "test-read-ahead", 2, 16 * 1024, null)) {
      assertThat(in.readNBytes(100_000)).hasSize(100_000);
      assertThatThrownBy(in::read).isSameAs(broken);
      assertThatThrownBy(in::read).as("and on every later read").isSameAs(broken);
    }
  }

  @Test
  void anIoFailureOfTheSourceIsRethrownUnwrapped() throws IOException {
    IOException reset = new IOException("connection reset");
    try (ReadAheadInputStream in = ReadAheadInputStream.start(new FailingAfter(10, reset), "test-read-ahead", 2, 4096,
        null)) {
      assertThat(in.readNBytes(10)).hasSize(10);
      assertThatThrownBy(in::read).isSameAs(reset);
    }
  }

  @Test
  void theProducerReadsNoMoreThanItsBuffersAheadOfTheReader() throws Exception {
    AtomicLong produced = new AtomicLong();
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        produced.incrementAndGet();
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        produced.addAndGet(len);
        return len;
      }
    };
    try (ReadAheadInputStream in = ReadAheadInputStream.start(endless, "test-read-ahead", 4, 8192, null)) {
      in.read(new byte[1]);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (produced.get() < 4 * 8192 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      Thread.sleep(100); // room to overrun, if it could
      assertThat(produced.get()).as("bytes read from the source while the reader holds one buffer")
          .isEqualTo(4 * 8192);
    }
  }

  @Test
  void failWakesAWaitingReaderAtOnceAndCloseUnblocksAProducerStuckInARead() throws Exception {
    CountDownLatch unblocked = new CountDownLatch(1);
    Blocking source = new Blocking(unblocked);
    ReadAheadInputStream in = ReadAheadInputStream.start(source, "test-stuck-read", 2, 4096, unblocked::countDown);
    assertThat(source.entered.await(5, TimeUnit.SECONDS)).isTrue();

    CancelledException cancelled = new CancelledException("cancelled: SIGTERM received; nothing was committed");
    AtomicReference<Throwable> seen = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      try {
        in.read();
      } catch (Throwable e) {
        seen.set(e);
      }
    });
    reader.start();
    Thread.sleep(100); // the reader waits for data that never comes
    long t0 = System.nanoTime();
    in.fail(cancelled);
    reader.join(5000);
    assertThat(reader.isAlive()).isFalse();
    assertThat(seen.get()).as("what the waiting reader got").isSameAs(cancelled);
    assertThat(in.producerAlive()).as("the producer, once fail() returned").isFalse();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
    assertThat(source.closed).as("the source is closed by its producer").isTrue();
    assertThatThrownBy(in::read).as("the first cause wins over a later close").isSameAs(cancelled);
    in.close();
    assertThatThrownBy(in::read).isSameAs(cancelled);
  }

  @Test
  void closeStopsAProducerWaitingForFreeBuffers() throws Exception {
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        return 1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        java.util.Arrays.fill(b, off, off + len, (byte) 1);
        return len;
      }
    };
    ReadAheadInputStream in = ReadAheadInputStream.start(endless, "test-read-ahead", 1, 1024, null);
    assertThat(in.read()).isEqualTo(1);
    in.close();
    assertThat(in.producerAlive()).isFalse();
    assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("read-ahead closed");
  }

  /** A source of zeros that throws {@code failure} after {@code bytes}. */
  private static final class FailingAfter extends InputStream {
    private final Throwable failure;
    private long left;

    FailingAfter(long bytes, Throwable failure) {
      this.left = bytes;
      this.failure = failure;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0];
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        if (failure instanceof IOException io) {
          throw io;
        }
        throw (RuntimeException) failure;
      }
      int n = (int) Math.min(len, left);
      left -= n;
      return n;
    }
  }

  /** A network read that hangs until {@code unblocked}, as a stalled download does until its socket is closed. */
  private static final class Blocking extends InputStream {
    private final CountDownLatch unblocked;
    final CountDownLatch entered = new CountDownLatch(1);
    volatile boolean closed;

    Blocking(CountDownLatch unblocked) {
      this.unblocked = unblocked;
    }

    @Override
    public int read() throws IOException {
      return read(new byte[1], 0, 1);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      entered.countDown();
      boolean interrupted = false;
      while (true) {
        try {
          // ignores interrupts, as a socket read does: only closing the socket ends it
          unblocked.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      throw new IOException("socket closed");
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
