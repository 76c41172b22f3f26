package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.metrics.MetricNames;
import io.etcdbackup.core.metrics.MetricsPublisher;
import io.etcdbackup.core.metrics.RunMetrics;
import io.etcdbackup.core.run.RunListener;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where a one-shot run reports its metrics (docs/metrics.md): a Pushgateway and a textfile for
 * node-exporter, success or failure. snapshot, prune and verify share these flags.
 */
final class MetricsOptions {
  @Option(names = "--pushgateway", paramLabel = "URL",
      description = "Push this run's metrics to the Pushgateway (http://pushgateway:9091), group job and cluster; "
          + "a failed push is logged and never fails the run.")
  URI pushgateway;

  @Option(names = "--pushgateway-job", paramLabel = "NAME",
      description = "The push group's job label (default etcd-backup for snapshot, etcd-backup-prune for prune, "
          + "etcd-backup-verify for verify: each command its own group, so that a verify run's push never makes a "
          + "stopped backup job look alive).")
  String job;

  @Option(names = "--metrics-file", paramLabel = "FILE.prom",
      description = "Write this run's metrics, merged with the file's earlier ones, for node-exporter's textfile "
          + "collector (atomically: temp file and rename).")
  Path metricsFile;

  @Option(names = "--expected-interval", paramLabel = "DURATION", converter = GoDuration.class,
      description = "How often this job is meant to run (1h, 24h): exported so one alert rule fits every schedule.")
  Duration expectedInterval;

  /** The run's metrics and where they go; {@link #publish} when the run has ended, whatever its outcome. */
  final class Session {
    private final PrometheusMeterRegistry registry;
    private final RunMetrics metrics;
    private final MetricsPublisher publisher;
    private final String cluster;

    private Session(String cluster, String storeLocation, String defaultJob) {
      this.cluster = cluster;
      this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      this.metrics = new RunMetrics(registry, MetricNames.storeKind(storeLocation), Optional.ofNullable(expectedInterval),
          Clock.systemUTC());
      this.publisher = new MetricsPublisher(new MetricsPublisher.Target(Optional.ofNullable(pushgateway),
          job != null ? job : defaultJob,
          Optional.ofNullable(metricsFile), Duration.ofSeconds(10)));
    }

    RunListener listener() {
      return metrics.listener(Optional.of(cluster));
    }

    /** Publishes what the run recorded; nothing when no run started (a usage error before it). */
    void publish() {
      if (!registry.getMeters().isEmpty()) {
        publisher.publish(registry, cluster);
      }
    }
  }

  boolean any() {
    return pushgateway != null || metricsFile != null;
  }

  /**
   * A session when metrics are asked for, else empty. {@code cluster} names the push group, so it
   * must be known before the run: {@code --cluster-name} is required with these flags.
   */
  Optional<Session> session(Optional<String> cluster, String storeLocation, String defaultJob) {
    if (expectedInterval != null && (expectedInterval.isZero() || expectedInterval.isNegative())) {
      throw new InvalidInputException("--expected-interval (" + expectedInterval + ") must be positive");
    }
    if (!any()) {
      if (expectedInterval != null) {
        throw new InvalidInputException("--expected-interval is given without --pushgateway or --metrics-file: "
            + "add one, or drop it");
      }
      return Optional.empty();
    }
    String name = cluster.orElseThrow(() -> new InvalidInputException((pushgateway != null ? "--pushgateway"
        : "--metrics-file") + " needs --cluster-name: the metrics are grouped by it"));
    return Optional.of(new Session(name, storeLocation, defaultJob));
  }

  /** The progress line (or none) and the metrics (or none), as one listener. */
  static RunListener both(RunListener progress, Optional<Session> session) {
    return session.isEmpty() ? progress
        : progress == RunListener.NONE ? session.get().listener()
            : RunListener.all(java.util.List.of(progress, session.get().listener()));
  }
}
