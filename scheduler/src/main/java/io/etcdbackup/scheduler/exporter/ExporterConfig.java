package io.etcdbackup.scheduler.exporter;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.run.Durations;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.scheduler.http.ListenAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What {@code etcd-backup exporter} serves, checked once.
 *
 * @param listen where {@code /metrics} and {@code /healthz} listen (default {@code :9808})
 * @param refresh how often the store is read (default 60s, at least 1s): every manifest of every
 *     watched series once a refresh, so a store of 10,000 backups wants minutes rather than seconds
 * @param clusters the series to watch, sorted and without repeats; empty: every series the store holds
 */
public record ExporterConfig(ListenAddress listen, Duration refresh, List<String> clusters) {
  public static final String DEFAULT_LISTEN = ":9808";
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(60);
  static final Duration MIN_REFRESH = Duration.ofSeconds(1);

  public ExporterConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(refresh, "refresh");
    if (refresh.compareTo(MIN_REFRESH) < 0) {
      throw new InvalidInputException("--refresh (" + Durations.format(refresh) + ") must be at least "
          + Durations.format(MIN_REFRESH));
    }
    clusters = List.copyOf(new TreeSet<>(clusters.stream().map(Layout::checkClusterName).toList()));
  }
}
