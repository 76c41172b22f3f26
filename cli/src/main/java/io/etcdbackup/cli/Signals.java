package io.etcdbackup.cli;

import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM (Kubernetes deleting the pod, systemd stopping the unit) and SIGINT (Ctrl-C) cancel the
 * running command instead of killing the JVM: the run aborts its upload, writes no manifest,
 * removes its spools and exits with {@link Reason#CANCELLED}'s code. A JVM shutdown hook could not
 * do that: by the time hooks run, the exit code is the signal's, and {@code System.exit} would
 * block. A second signal ends the process at once.
 *
 * <p>{@code sun.misc.Signal} is in the {@code jdk.unsupported} module, exported to class-path code
 * on every JDK since 9, and the only way to catch a signal without native code.
 */
final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);
  private static volatile Cancellation process;

  private Signals() {}

  /** Called once by {@code Main}: from now on, signals cancel {@link #cancellation()}. */
  static void install() {
    Cancellation c = Cancellation.create();
    process = c;
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), s -> {
          if (c.isCancelled()) {
            // The first signal is still cleaning up and the sender insists.
            Runtime.getRuntime().halt(128 + s.getNumber());
          }
          LOG.warn("SIG{} received: cancelling the run (send it again to stop at once)", name);
          c.cancel("SIG" + name + " received");
        });
      } catch (IllegalArgumentException e) {
        LOG.debug("cannot handle SIG{}: {}", name, e.getMessage());
      }
    }
  }

  /**
   * Runs {@code action} on each SIGHUP until the registration is closed (then SIGHUP is ignored:
   * its default would end the JVM). For {@code schedule}'s reload; one registration at a time.
   */
  static AutoCloseable onHangup(Runnable action) {
    Signal hup = new Signal("HUP");
    try {
      Signal.handle(hup, s -> action.run());
    } catch (IllegalArgumentException e) {
      LOG.debug("cannot handle SIGHUP: {}", e.getMessage());
      return () -> {};
    }
    return () -> Signal.handle(hup, s -> LOG.warn("SIGHUP received while not reloadable: ignored"));
  }

  /** The process's token once installed; a fresh one otherwise (commands run in-process by tests). */
  static Cancellation cancellation() {
    Cancellation c = process;
    return c != null ? c : Cancellation.create();
  }
}
