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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = {"Run the backup, verify and drill jobs of a YAML file on their Quartz cron schedules, with /metrics, "
        + "/healthz, /readyz and /status (docs/scheduler.md).",
        "The file is checked before anything is scheduled: a mistake is one line naming the key, exit 2. "
        + "SIGTERM or SIGINT stops scheduling; a running job gets --shutdown-grace, then is cancelled cleanly; exit 0."})
final class ScheduleCommand implements Callable<Integer> {
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
    ScheduleConfig c = ScheduleConfig.load(config);
    ScheduleDaemon.Options options = new ScheduleDaemon.Options(ListenAddress.parse("--listen", listen), shutdownGrace,
        Optional.ofNullable(maxBackupAge), Optional.ofNullable(stateDir));
    Optional<EtcdElection.Options> elect = election ? Optional.of(new EtcdElection.Options(c.clusterName().orElseThrow(
        () -> new InvalidInputException(config + ": --election needs cluster-name in the file: the election is named "
            + "after it")), electionTtl)) : Optional.empty();
    try (BackupStore store = open(c.store()); EtcdClients clients = new EtcdClients(c.etcd());
         Elected leadership = Elected.of(elect, clients)) {
      BackupRepository repository = new BackupRepository(store);
      new ScheduleDaemon(c, options, new EngineJobs(c, clients, repository, Clock.systemUTC(), Versions.tool(),
          new ScheduledDrills(c, repository, Clock.systemUTC())),
          repository, leadership.leadership(), Clock.systemUTC()).run(parent.cancellation());
    }
    return ExitCodes.OK;
  }

  /**
   * The leadership and what it holds open: with {@code --election}, a client of its own (a campaign
   * blocks on its connection) and the election, resigned when the daemon has stopped its jobs.
   */
  private record Elected(Leadership leadership, AutoCloseable resources) implements AutoCloseable {
    static Elected of(Optional<EtcdElection.Options> options, EtcdClients clients) {
      if (options.isEmpty()) {
        return new Elected(Leadership.always(), () -> {});
      }
      Client client = clients.forCluster();
      EtcdElection e = new EtcdElection(client, options.get(), clients.config().commandTimeout(), HostName.identity());
      return new Elected(e, () -> {
        try (client) {
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
