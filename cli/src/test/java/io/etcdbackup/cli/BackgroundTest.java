package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackgroundTest {
  /** A resource that counts its closes. */
  static final class Counted implements AutoCloseable {
    final AtomicInteger closed = new AtomicInteger();

    @Override
    public void close() {
      closed.incrementAndGet();
    }
  }

  @Test
  void getHandsTheResourceOverAndCloseClosesItOnce() throws Exception {
    Counted c = new Counted();
    try (Background<Counted> b = Background.open("test", () -> c)) {
      assertThat(b.get()).isSameAs(c);
      assertThat(b.get()).isSameAs(c);
    }
    assertThat(c.closed).hasValue(1);
  }

  @Test
  void theOpeningsExceptionIsThrownAsItWasByGet() throws Exception {
    try (Background<Counted> b = Background.open("test", () -> {
      throw new InvalidInputException("--s3-ca-bundle (x) does not exist");
    })) {
      assertThatThrownBy(b::get).isExactlyInstanceOf(InvalidInputException.class).hasMessage("--s3-ca-bundle (x) does not exist");
    }
  }

  @Test
  void closedBeforeTheOpeningEndsItIsClosedWhenItEndsWithoutWaiting() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Counted c = new Counted();
    Background<Counted> b = Background.open("test", () -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return c;
    });
    b.close(); // returns at once: the command failed before it needed the resource
    assertThat(c.closed).hasValue(0);
    release.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (c.closed.get() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(c.closed).hasValue(1);
  }
}
