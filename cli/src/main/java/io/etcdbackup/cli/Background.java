package io.etcdbackup.cli;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A resource opened on a thread of its own while the command goes on: on a cold JVM an S3 client
 * costs 0.3-0.7 s of class loading and HTTP/TLS set-up, the etcd client's TLS context about as
 * much, and on two cores the two overlap (docs/benchmarks.md, "Fixed costs per run").
 *
 * <p>{@link #get} waits and throws what the opening threw, as it was thrown, so a command that
 * calls it where it used to open the resource reports the same error at the same point. The
 * resource stays this object's: {@link #close} closes it. Closed before the opening ended (the
 * command failed first), it is closed when the opening ends, without holding up the failure.
 */
final class Background<T extends AutoCloseable> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Background.class);

  private final String what;
  private final CompletableFuture<T> opening = new CompletableFuture<>();

  private Background(String what) {
    this.what = what;
  }

  /** Starts {@code opener} on a daemon thread named after {@code what}. */
  static <T extends AutoCloseable> Background<T> open(String what, Supplier<T> opener) {
    Background<T> b = new Background<>(what);
    Thread t = new Thread(() -> {
      try {
        b.opening.complete(opener.get());
      } catch (Throwable e) {
        b.opening.completeExceptionally(e);
      }
    }, "opening-" + what);
    t.setDaemon(true);
    t.start();
    return b;
  }

  /** The resource, once opened; the opening's exception if it failed. */
  T get() {
    try {
      return opening.join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException("opening " + what + " failed: " + cause, cause);
    }
  }

  @Override
  public void close() throws Exception {
    if (opening.isDone()) {
      if (!opening.isCompletedExceptionally()) {
        opening.join().close();
      }
      return;
    }
    opening.thenAccept(Background::closeQuietly);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("closing a resource the failed command no longer needed: {}", e.toString());
    }
  }
}
