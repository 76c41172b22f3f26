package io.etcdbackup.scheduler;

import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.RunListener;
import java.util.Objects;

/**
 * Runs one fire of one job: adapts the job's spec to one engine call. The daemon owns the schedule,
 * the logs, the status and the metrics' registry; a runner only reports its run's events to
 * {@code listener} and stops promptly once {@code cancel} fires. One runner per {@link
 * ScheduleConfig.Kind}; the restore drill adds its own.
 */
@FunctionalInterface
public interface JobRunner {
  /** Never throws for a failed run: the failure is the result. */
  Result run(ScheduleConfig.Job job, RunListener listener, Cancellation cancel);

  /** How a run ended: {@code reason} from the engine's enum (a bounded label), {@code message} for the log. */
  record Result(Reason reason, String message) {
    public Result {
      Objects.requireNonNull(reason, "reason");
      message = Objects.requireNonNullElse(message, "");
    }

    public static Result ok(String message) {
      return new Result(Reason.OK, message);
    }

    public static Result failed(Throwable t) {
      return new Result(Reason.of(t), String.valueOf(t.getMessage()));
    }

    public boolean ok() {
      return reason == Reason.OK;
    }
  }
}
