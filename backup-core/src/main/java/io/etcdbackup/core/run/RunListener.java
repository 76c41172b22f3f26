package io.etcdbackup.core.run;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives a run's events: the progress line, metrics and the scheduler's job state are
 * listeners. Called from the run's threads (several at once while phases overlap): an
 * implementation is thread-safe and quick, and never throws into the run (a listener's failure is
 * logged and the run goes on: a progress line must not fail a backup).
 */
@FunctionalInterface
public interface RunListener {
  RunListener NONE = e -> {};

  void on(RunEvent event);

  /** All of {@code listeners}, in order; one that throws is logged and skipped. */
  static RunListener all(List<RunListener> listeners) {
    List<RunListener> copy = List.copyOf(listeners);
    Logger log = LoggerFactory.getLogger(RunListener.class);
    return e -> {
      for (RunListener l : copy) {
        try {
          l.on(e);
        } catch (RuntimeException ex) {
          log.warn("run listener {} failed on {}: {}", l.getClass().getSimpleName(), e.getClass().getSimpleName(),
              ex.toString());
        }
      }
    };
  }
}
