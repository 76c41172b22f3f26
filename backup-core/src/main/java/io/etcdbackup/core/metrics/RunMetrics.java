package io.etcdbackup.core.metrics;

import io.etcdbackup.core.run.DrillMode;
import io.etcdbackup.core.run.Operation;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.RunEvent;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns runs' events into the metrics of docs/metrics.md, in one registry: a one-shot command
 * makes one and pushes or writes the registry when its run ends; the daemon keeps one for all its
 * runs and clusters.
 *
 * <p>A meter is registered only when its value is first known, so a registry holds nothing a run
 * did not set: a failed backup never registers {@code last_success} or the sizes. That is what
 * makes a Pushgateway POST (which replaces only the metric names it carries) keep the last
 * success of an earlier run while a failed run adds its failure.
 *
 * <p>Labels on every series: {@code cluster} (the series name) and {@code store} (its kind); plus
 * {@code outcome}, {@code reason}, {@code phase} from the engine's enums where a metric has them, and
 * {@code mode} on the drill metrics (from the drill's {@link RunEvent.Drill}, sent before anything
 * can fail; a drill run without one counts as offline).
 * Nothing else, ever: no message, id, key or URL.
 */
public final class RunMetrics {
  /** Phase and run durations: fixed buckets from a tenth of a second to two hours. */
  static final Duration[] BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1),
      Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
      Duration.ofHours(1), Duration.ofHours(2)};
  /** The cluster label of a run that failed before it knew its series (no --cluster-name, etcd down). */
  public static final String UNKNOWN_CLUSTER = "unknown";

  private final MeterRegistry registry;
  private final String store;
  private final Optional<Duration> expectedInterval;
  private final Clock clock;
  /** Gauge values by name and tags; a gauge reads its holder, registered once. */
  private final Map<Tags, Map<String, AtomicReference<Double>>> gauges = new ConcurrentHashMap<>();

  /**
   * @param storeKind {@code s3} or {@code file} ({@link MetricNames#storeKind})
   * @param expectedInterval {@code --expected-interval} or the daemon's schedule: exported so one
   *     alert rule fits every schedule
   */
  public RunMetrics(MeterRegistry registry, String storeKind, Optional<Duration> expectedInterval, Clock clock) {
    this.registry = Objects.requireNonNull(registry, "registry");
    if (!MetricNames.STORE_KINDS.contains(storeKind)) {
      throw new IllegalArgumentException("store kind " + storeKind + " is not one of " + MetricNames.STORE_KINDS);
    }
    this.store = storeKind;
    this.expectedInterval = Objects.requireNonNullElse(expectedInterval, Optional.empty());
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * A listener for one run, or for the runs of one sweep ({@code verify --all}: one verification
   * per backup, and {@code verify_last_success} only if none of them failed). {@code cluster} is the series when the caller knows it; otherwise the
   * run's own (its start's subject, or the committed manifest's), else {@link #UNKNOWN_CLUSTER}.
   */
  public RunListener listener(Optional<String> cluster) {
    return new OneRun(cluster.map(Layout::checkClusterName).orElse(null));
  }

  /** Sets a gauge, registering it on first use. */
  private void gauge(String name, Tags tags, double value) {
    gauges.computeIfAbsent(tags, t -> new ConcurrentHashMap<>()).computeIfAbsent(name, n -> {
      AtomicReference<Double> holder = new AtomicReference<>(value);
      Gauge.builder(name, holder, h -> h.get()).description(MetricNames.help(name)).tags(tags).strongReference(true)
          .register(registry);
      return holder;
    }).set(value);
  }

  private void count(String name, Tags tags, double amount) {
    Counter.builder(MetricNames.meter(name)).description(MetricNames.help(name)).tags(tags).register(registry)
        .increment(amount);
  }

  private static double seconds(Instant t) {
    return t.toEpochMilli() / 1000.0;
  }

  private final class OneRun implements RunListener {
    private volatile String cluster;
    private volatile Operation operation;
    private volatile boolean verifyFailed;
    private volatile DrillMode drillMode;

    OneRun(String cluster) {
      this.cluster = cluster;
    }

    private Tags tags() {
      String c = cluster;
      return Tags.of(MetricNames.CLUSTER, c == null ? UNKNOWN_CLUSTER : c, MetricNames.STORE, store);
    }

    @Override
    public void on(RunEvent event) {
      if (event instanceof RunEvent.Started s) {
        operation = s.operation();
        if (cluster == null && !s.subject().isEmpty() && isClusterName(s.subject())) {
          cluster = s.subject();
        }
        if (operation == Operation.VERIFY) {
          // Every failure reason at 0 from the start: a pushed group then holds this run's count
          // for each, so a reason that failed last time reads 0 after a clean run, not its old value.
          for (Reason r : Reason.values()) {
            if (r != Reason.OK) {
              count(MetricNames.VERIFY_FAILURES, tags().and(MetricNames.REASON, r.label()), 0);
            }
          }
        }
        if (operation == Operation.BACKUP) {
          gauge(MetricNames.LAST_ATTEMPT, tags(), seconds(s.at()));
          expectedInterval.ifPresent(d -> gauge(MetricNames.EXPECTED_INTERVAL, tags(), d.toMillis() / 1000.0));
        }
      } else if (event instanceof RunEvent.PhaseEnded p) {
        Timer.builder(MetricNames.meter(MetricNames.PHASE_DURATION)).description(MetricNames.help(
            MetricNames.PHASE_DURATION)).tags(tags())
            .tag(MetricNames.PHASE, p.phase().label()).serviceLevelObjectives(BUCKETS).register(registry)
            .record(p.took());
      } else if (event instanceof RunEvent.Committed c) {
        Manifest m = c.manifest();
        if (cluster == null) {
          cluster = m.clusterName();
        }
        Tags t = tags();
        gauge(MetricNames.DB_SIZE, t, m.dbSize());
        gauge(MetricNames.STORED_SIZE, t, m.storedSize());
        gauge(MetricNames.REVISION, t, m.revision());
        gauge(MetricNames.KEYS, t, m.keyCount());
      } else if (event instanceof RunEvent.Pruned p) {
        if (!p.dryRun()) {
          count(MetricNames.RETENTION_DELETED, tags(), p.deleted());
          gauge(MetricNames.RETENTION_KEPT, tags(), p.kept());
        }
      } else if (event instanceof RunEvent.Drill d) {
        drillMode = d.mode();
      } else if (event instanceof RunEvent.Finished f) {
        finished(f);
      }
    }

    private void finished(RunEvent.Finished f) {
      Reason reason = f.outcome().reason();
      boolean ok = reason == Reason.OK;
      double now = seconds(clock.instant());
      Tags t = tags();
      switch (f.operation()) {
        case BACKUP -> {
          count(MetricNames.RUNS, t.and(MetricNames.OUTCOME, ok ? MetricNames.SUCCESS : MetricNames.FAILURE)
              .and(MetricNames.REASON, reason.label()), 1);
          gauge(MetricNames.DURATION, t, f.outcome().elapsed().toMillis() / 1000.0);
          gauge(ok ? MetricNames.LAST_SUCCESS : MetricNames.LAST_FAILURE, t, now);
        }
        case VERIFY -> {
          if (ok && !verifyFailed) {
            gauge(MetricNames.VERIFY_LAST_SUCCESS, t, now);
          } else if (!ok) {
            verifyFailed = true;
            count(MetricNames.VERIFY_FAILURES, t.and(MetricNames.REASON, reason.label()), 1);
            gauge(MetricNames.VERIFY_LAST_FAILURE, t, now);
          }
        }
        case PRUNE -> {
          if (ok) {
            gauge(MetricNames.RETENTION_LAST_SUCCESS, t, now);
          } else {
            count(MetricNames.RETENTION_FAILURES, t.and(MetricNames.REASON, reason.label()), 1);
          }
        }
        case DRILL -> {
          DrillMode mode = drillMode;
          Tags dt = t.and(MetricNames.MODE, (mode == null ? DrillMode.OFFLINE : mode).label());
          count(MetricNames.DRILL_RUNS, dt.and(MetricNames.OUTCOME, ok ? MetricNames.SUCCESS : MetricNames.FAILURE)
              .and(MetricNames.REASON, reason.label()), 1);
          gauge(MetricNames.DRILL_DURATION, dt, f.outcome().elapsed().toMillis() / 1000.0);
          gauge(ok ? MetricNames.DRILL_LAST_SUCCESS : MetricNames.DRILL_LAST_FAILURE, dt, now);
        }
        default -> { }
      }
    }
  }

  private static boolean isClusterName(String s) {
    try {
      Layout.checkClusterName(s);
      return true;
    } catch (RuntimeException e) {
      return false; // a file path (restore --from-file) or a store location: not a series
    }
  }
}
