package io.etcdbackup.cli;

import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.scheduler.exporter.ExporterConfig;
import io.etcdbackup.scheduler.exporter.StoreExporter;
import io.etcdbackup.scheduler.http.ListenAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "exporter", mixinStandardHelpOptions = true,
    description = {"Serve what the store holds as Prometheus metrics (/metrics) for an alert on backup age that "
        + "fires even when the backup job has silently stopped; /healthz for the probes.",
        "Reads the manifests every --refresh, not on each scrape; needs read-only store credentials and no etcd. "
        + "A series the store cannot read reports etcd_backup_store_scrape_success 0 and withdraws its other figures. "
        + "Runs until SIGTERM or SIGINT, then exits 0 (docs/metrics.md)."})
final class ExporterCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, paramLabel = "URI",
      description = "The store: s3://bucket/prefix, file:///path or a directory path (env ETCD_BACKUP_FROM).")
  String from;

  @Option(names = "--cluster-name", paramLabel = "NAME", split = ",",
      description = "A series to watch; repeat or separate with commas (env ETCD_BACKUP_CLUSTER_NAME=a,b). "
          + "Default: every series the store holds, found anew on each refresh. Naming them makes a wrong --from "
          + "or an emptied store show as 0 backups instead of no series at all.")
  List<String> clusterNames = new ArrayList<>();

  @Option(names = "--listen", paramLabel = "[HOST]:PORT", defaultValue = ExporterConfig.DEFAULT_LISTEN,
      description = "Where to serve /metrics and /healthz (default ${DEFAULT-VALUE}: every interface).")
  String listen;

  @Option(names = "--refresh", paramLabel = "DURATION", converter = GoDuration.class, defaultValue = "60s",
      description = "How often to read the store (default ${DEFAULT-VALUE}, at least 1s). /healthz fails when "
          + "no refresh has finished for three of these.")
  Duration refresh;

  @Mixin StoreMixin storeOptions;
  @ParentCommand EtcdBackupCommand parent;

  @Override
  public Integer call() throws Exception {
    ExporterConfig config = new ExporterConfig(ListenAddress.parse("--listen", listen), refresh, clusterNames);
    try (BackupStore store = storeOptions.open(from)) {
      new StoreExporter(config, Clock.systemUTC()).run(new BackupRepository(store), parent.cancellation());
    }
    return ExitCodes.OK;
  }
}
