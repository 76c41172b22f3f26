package io.etcdbackup.scheduler.exporter;

import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.metrics.StoreInventory;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Durations;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.scheduler.http.HealthCheck;
import io.etcdbackup.scheduler.http.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store exporter: serves a {@link StoreInventory} of one store over HTTP and refreshes it on a
 * fixed delay, until cancelled. It reads the store only (list and get) and never talks to etcd.
 *
 * <p>{@code /healthz} fails when no refresh has finished for {@value #STALLED_AFTER} refresh
 * intervals: a refresh that hangs is what a restart can cure. A store that fails is not: its
 * series report {@code scrape_success 0} and the process stays healthy, so that Kubernetes does not
 * restart it in a loop while the bucket is down.
 */
public final class StoreExporter {
  private static final Logger LOG = LoggerFactory.getLogger(StoreExporter.class);
  /** Refresh intervals without a finished refresh after which {@code /healthz} fails. */
  static final int STALLED_AFTER = 3;
  /** How long a stop waits for a refresh under way to notice the cancellation. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(5);

  private final ExporterConfig config;
  private final Clock clock;

  public StoreExporter(ExporterConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  /**
   * Binds the address (failing at once if it cannot: {@link io.etcdbackup.core.InvalidInputException}),
   * refreshes now and then every {@link ExporterConfig#refresh()}, and serves until {@code cancel}
   * fires; then stops the refresh and the server and returns. A failing store is never fatal here.
   */
  public void run(BackupRepository repository, Cancellation cancel) {
    String location = repository.store().location();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    StoreInventory inventory = new StoreInventory(repository, config.clusters(), clock, registry);
    Duration stalled = config.refresh().multipliedBy(STALLED_AFTER);
    HealthCheck refreshing = () -> inventory.refreshedWithin(stalled) ? Optional.empty()
        : Optional.of("no refresh of " + location + " finished in the last " + Durations.format(stalled));
    ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "store-refresh");
      t.setDaemon(true);
      return t;
    });
    try (MetricsServer server = MetricsServer.start(config.listen(), registry, Map.of("refresh", refreshing))) {
      LOG.info("serving address={} store={} clusters={} refresh={}", url(server.address()), location,
          config.clusters().isEmpty() ? "all" : String.join(",", config.clusters()), Durations.format(config.refresh()));
      // Fixed delay, not rate: a slow store never has two refreshes queued behind each other.
      refresher.scheduleWithFixedDelay(new Refresh(inventory, location, config.refresh(), cancel), 0,
          config.refresh().toMillis(), TimeUnit.MILLISECONDS);
      cancel.awaitCancelled();
      LOG.info("stopping address={} store={}: {}", url(server.address()), location, cancel.why());
    } finally {
      refresher.shutdownNow();
      try {
        refresher.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      registry.close();
    }
  }

  /** One refresh, on the refresher thread; never throws (an exception would end the schedule for good). */
  private static final class Refresh implements Runnable {
    private final StoreInventory inventory;
    private final String location;
    private final Duration interval;
    private final Cancellation cancel;
    private boolean first = true;
    private boolean slow;

    Refresh(StoreInventory inventory, String location, Duration interval, Cancellation cancel) {
      this.inventory = inventory;
      this.location = location;
      this.interval = interval;
      this.cancel = cancel;
    }

    @Override
    public void run() {
      // a duration for the log only, so the monotonic clock rather than the injected one
      long start = System.nanoTime();
      try {
        inventory.refresh(cancel);
      } catch (CancelledException e) {
        return; // stopping: the figures of this refresh are not published
      } catch (RuntimeException e) {
        // A refresh handles each series' failure itself; this is a bug. The next refresh still runs.
        LOG.error("refresh failed store={}", location, e);
        return;
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      if (first) {
        LOG.info("first refresh done store={} series={} took={}", location, inventory.current().series().size(),
            Durations.format(took.truncatedTo(ChronoUnit.MILLIS)));
        first = false;
      }
      boolean nowSlow = took.compareTo(interval) > 0;
      if (nowSlow && !slow) {
        LOG.warn("a refresh took longer than --refresh store={} took={} refresh={}: the figures are older than the "
            + "interval says; choose a longer --refresh", location, Durations.format(took.truncatedTo(ChronoUnit.MILLIS)),
            Durations.format(interval));
      }
      slow = nowSlow;
    }
  }


  private static String url(InetSocketAddress a) {
    String host = a.getAddress().getHostAddress();
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/metrics";
  }
}
