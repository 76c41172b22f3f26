package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.metrics.MetricsPublisher;
import io.etcdbackup.core.retention.PruneRequest;
import io.etcdbackup.core.retention.PruneResult;
import io.etcdbackup.core.retention.Pruner;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "prune", mixinStandardHelpOptions = true,
    description = {"Apply a retention policy to one series: keep what a rule keeps, delete the rest, oldest first "
        + "(manifest, then data). The floor always holds: the newest --min-keep backups whose checks passed, the newest "
        + "backup, and every backup younger than --prune-grace.",
        "Plans only from a complete listing: a listing error or an unreadable manifest deletes nothing. "
        + "Preview with --dry-run (docs/retention.md)."})
final class PruneCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, paramLabel = "URI",
      description = "The store: s3://bucket/prefix, file:///path or a directory path (env ETCD_BACKUP_FROM).")
  String from;

  @Option(names = "--cluster-name", required = true, paramLabel = "NAME",
      description = "The series to prune; no other series in the store is touched.")
  String clusterName;

  @Mixin RetentionOptions retention;

  @Option(names = "--dry-run", description = "Print the plan (what would go and why) and delete nothing.")
  boolean dryRun;

  @Option(names = "--leftover-grace", converter = GoDuration.class, paramLabel = "DURATION", defaultValue = "6h",
      description = "Also remove data of interrupted runs and unfinished uploads older than this "
          + "(default ${DEFAULT-VALUE}).")
  Duration leftoverGrace;

  @Mixin StoreMixin storeOptions;
  @Mixin OutputOptions output;
  @Mixin RunOptions run;
  @Mixin MetricsOptions metrics;
  @Spec CommandSpec spec;
  @ParentCommand EtcdBackupCommand parent;

  @Override
  public Integer call() throws Exception {
    PruneRequest request = new PruneRequest(clusterName, retention.policy().orElseThrow(() -> new InvalidInputException(
        "prune needs a retention rule: add one of --keep-last, --keep-within, --keep-hourly, --keep-daily, "
            + "--keep-weekly, --keep-monthly, --keep-yearly, --max-total-size")), leftoverGrace, dryRun);
    Cancellation cancel = run.cancellation().deadline(run.timeout, "--timeout");
    Optional<MetricsOptions.Session> session = metrics.session(Optional.of(clusterName), from,
        MetricsPublisher.DEFAULT_JOB + "-prune");
    PruneResult result;
    try (BackupStore store = storeOptions.open(from)) {
      result = new Pruner(new BackupRepository(store), Clock.systemUTC())
          .prune(request, MetricsOptions.both(run.listener(parent.env()), session), cancel);
    } finally {
      session.ifPresent(MetricsOptions.Session::publish);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Formats.JSON.writeValueAsString(PlanOutput.json(result)));
    } else {
      if (dryRun) {
        PlanOutput.table(result, out);
      }
      PlanOutput.summary(result, out);
    }
    out.flush();
    return result.reason().exitCode();
  }
}
