package io.etcdbackup.cli;

import io.etcd.jetcd.Client;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.run.HostName;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.scheduler.EngineJobs;
import io.etcdbackup.scheduler.Leadership;
import io.etcdbackup.scheduler.ScheduleConfig;
import io.etcdbackup.scheduler.ScheduleDaemon;
import io.etcdbackup.scheduler.election.EtcdElection;
import io.etcdbackup.scheduler.http.ListenAddress;
import io.etcdbackup.storage.BackupStores;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import io.etcdbackup.core.run.Cancellation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = {"Run the backup, verify and drill jobs of a YAML file on their Quartz cron schedules, with /metrics, "
        + "/healthz, /readyz and /status (docs/scheduler.md).",
        "The file is checked before anything is scheduled: a mistake is one line naming the key, exit 2. "
        + "SIGTERM or SIGINT stops scheduling; a running job gets --shutdown-grace, then is cancelled cleanly; exit 0.",
        "SIGHUP reloads the file: checked first; a bad one keeps the old schedule and says so."})
final class ScheduleCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleCommand.class);

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "The schedule (examples/schedule.yaml).")
  Path config;

  @Option(names = "--listen", paramLabel = "[HOST]:PORT", defaultValue = ":9808",
      description = "Where to serve /metrics, /healthz, /readyz and /status (default ${DEFAULT-VALUE}).")
  String listen;

  @Option(names = "--shutdown-grace", paramLabel = "DURATION", converter = GoDuration.class, defaultValue = "30s",
      description = "How long a running job may go on after SIGTERM before it is cancelled (default ${DEFAULT-VALUE}).")
  Duration shutdownGrace;

  @Option(names = "--max-backup-age", paramLabel = "DURATION", converter = GoDuration.class,
      description = "/readyz fails while the newest backup in the store is older than this.")
  Duration maxBackupAge;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where the last fire of each job is kept, so that a fire missed while the daemon was down runs "
          + "once at start. Without it, nothing is caught up.")
  Path stateDir;

  @Option(names = "--election",
      description = "Run several replicas, one active: campaign through etcd's election API and run jobs only while "
          + "leading. Writes a lease and one key under /etcd-backup/election/<cluster-name>/ into the cluster "
          + "being backed up (docs/scheduler.md); needs cluster-name in the file. Off by default: a single daemon "
          + "writes nothing into etcd.")
  boolean election;

  @Option(names = "--election-ttl", paramLabel = "DURATION", converter = GoDuration.class, defaultValue = "15s",
      description = "The election lease's time to live: a leader that dies is replaced within it; a leader cut off "
          + "from etcd steps down before it (default ${DEFAULT-VALUE}; whole seconds, at least 2s).")
  Duration electionTtl;

  @ParentCommand EtcdBackupCommand parent;

  @Override
  public Integer call() throws Exception {
    ScheduleConfig first = ScheduleConfig.load(config, parent.env());
    ScheduleDaemon.Options options = new ScheduleDaemon.Options(ListenAddress.parse("--listen", listen), shutdownGrace,
        Optional.ofNullable(maxBackupAge), Optional.ofNullable(stateDir));
    Optional<EtcdElection.Options> elect = election ? Optional.of(new EtcdElection.Options(first.clusterName().orElseThrow(
        () -> new InvalidInputException(config + ": --election needs cluster-name in the file: the election is named "
            + "after it")), electionTtl)) : Optional.empty();
    Cancellation stop = parent.cancellation();
    AtomicReference<Generation> next = new AtomicReference<>();
    Generation current = Generation.open(first);
    try (Elected leadership = Elected.of(elect, first)) {
      while (true) {
        Cancellation round = Cancellation.create();
        try (Generation g = current; Cancellation.Registration r = stop.onCancel(() -> round.cancel(stop.why()));
             AutoCloseable hup = Signals.onHangup(() -> reload(next, round))) {
          new ScheduleDaemon(g.config(), options, new EngineJobs(g.config(), g.clients(), g.repository(), Clock.systemUTC(),
              Versions.tool(), new ScheduledDrills(g.config(), g.repository(), Clock.systemUTC())),
              g.repository(), leadership.leadership(), Clock.systemUTC()).run(round);
        }
        current = next.getAndSet(null);
        if (stop.isCancelled() || current == null) {
          if (current != null) {
            current.close();
          }
          return ExitCodes.OK;
        }
        LOG.info("reloaded {}: {} jobs", config, current.config().jobs().size());
      }
    }
  }

  /**
   * SIGHUP: the file read and checked again, its store and etcd opened, and only then the running
   * schedule stopped (as SIGTERM stops it: --shutdown-grace for a job under way) and the new one
   * started on the same port. A file that fails any of it leaves the old schedule running.
   */
  private synchronized void reload(AtomicReference<Generation> next, Cancellation round) {
    LOG.info("SIGHUP received: reloading {}", config);
    try {
      Generation g = Generation.open(ScheduleConfig.load(config, parent.env()));
      Generation older = next.getAndSet(g);
      if (older != null) {
        older.close(); // two SIGHUPs before the first took effect: the newer file wins
      }
      round.cancel("SIGHUP received: reloading " + config);
    } catch (RuntimeException e) {
      LOG.error("reload refused, the old schedule keeps running: {}", e.getMessage());
    }
  }

  /** What one schedule runs on: its checked file, its store (answering) and its etcd clients. */
  private record Generation(ScheduleConfig config, BackupStore store, EtcdClients clients, BackupRepository repository)
      implements AutoCloseable {
    static Generation open(ScheduleConfig c) {
      BackupStore store = ScheduleCommand.open(c.store());
      try {
        BackupRepository repository = new BackupRepository(store, c.store().manifestKey());
        repository.series(); // a store that does not answer is refused here, before the old schedule stops
        return new Generation(c, store, new EtcdClients(c.etcd()), repository);
      } catch (RuntimeException e) {
        closeQuietly(store);
        throw e;
      }
    }

    @Override
    public void close() {
      try (store; clients) {
        // both closed, the first failure reported
      } catch (Exception e) {
        LOG.warn("closing the store or etcd clients: {}", e.getMessage());
      }
    }

    private static void closeQuietly(BackupStore store) {
      try {
        store.close();
      } catch (Exception e) {
        LOG.debug("closing the store: {}", e.getMessage());
      }
    }
  }

  /**
   * The leadership and what it holds open: with {@code --election}, clients of its own (a campaign
   * blocks on its connection; they outlive a reload, which keeps the leadership) and the election,
   * resigned when the daemon has stopped its jobs.
   */
  private record Elected(Leadership leadership, AutoCloseable resources) implements AutoCloseable {
    static Elected of(Optional<EtcdElection.Options> options, ScheduleConfig config) {
      if (options.isEmpty()) {
        return new Elected(Leadership.always(), () -> {});
      }
      EtcdClients clients = new EtcdClients(config.etcd());
      Client client = clients.forCluster();
      EtcdElection e = new EtcdElection(client, options.get(), clients.config().commandTimeout(), HostName.identity());
      return new Elected(e, () -> {
        try (clients; client) {
          e.close();
        }
      });
    }

    @Override
    public void close() throws Exception {
      resources.close();
    }
  }

  private static BackupStore open(ScheduleConfig.Store s) {
    try {
      return BackupStores.open(s.uri(), s.options());
    } catch (IOException e) {
      throw new StoreException("cannot open the store " + s.uri() + ": " + e.getMessage(), e);
    }
  }
}
