package io.etcdbackup.core.run;

import java.time.Duration;
import java.util.Objects;

/**
 * How a run ended.
 *
 * @param reason {@link Reason#OK} or why it failed
 * @param message one line for a person; empty on success
 * @param elapsed from the run's start to its end
 */
public record Outcome(Reason reason, String message, Duration elapsed) {
  public Outcome {
    Objects.requireNonNull(reason, "reason");
    message = message == null ? "" : message;
    Objects.requireNonNull(elapsed, "elapsed");
  }

  public boolean ok() {
    return reason == Reason.OK;
  }
}
