package io.etcdbackup.cli;

import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.scheduler.EngineJobs;
import io.etcdbackup.scheduler.Leadership;
import io.etcdbackup.scheduler.ScheduleConfig;
import io.etcdbackup.scheduler.ScheduleDaemon;
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

  @ParentCommand EtcdBackupCommand parent;

  @Override
  public Integer call() throws Exception {
    ScheduleConfig c = ScheduleConfig.load(config);
    ScheduleDaemon.Options options = new ScheduleDaemon.Options(ListenAddress.parse("--listen", listen), shutdownGrace,
        Optional.ofNullable(maxBackupAge), Optional.ofNullable(stateDir));
    try (BackupStore store = open(c.store()); EtcdClients clients = new EtcdClients(c.etcd())) {
      BackupRepository repository = new BackupRepository(store);
      new ScheduleDaemon(c, options, new EngineJobs(c, clients, repository, Clock.systemUTC(), Versions.tool(),
          new ScheduledDrills(c, repository, Clock.systemUTC())),
          repository, Leadership.always(), Clock.systemUTC()).run(parent.cancellation());
    }
    return ExitCodes.OK;
  }

  private static BackupStore open(ScheduleConfig.Store s) {
    try {
      return BackupStores.open(s.uri(), s.options());
    } catch (IOException e) {
      throw new StoreException("cannot open the store " + s.uri() + ": " + e.getMessage(), e);
    }
  }
}
