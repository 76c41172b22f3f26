package io.etcdbackup.scheduler.http;

import java.util.Optional;

/**
 * One thing {@code /healthz} looks at: the process is alive and doing its work (a refresh loop
 * that still turns), not whether what it watches is fine (a store that fails is the metrics'
 * business: restarting the process would not bring it back). Called on each probe: cheap, no I/O.
 */
@FunctionalInterface
public interface HealthCheck {
  /** Empty when healthy; otherwise what is wrong, in one line. */
  Optional<String> problem();
}
