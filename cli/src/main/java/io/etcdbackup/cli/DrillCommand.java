package io.etcdbackup.cli;

import io.etcdbackup.core.metrics.MetricsPublisher;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.store.BackupSelector;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.restore.DrillRequest;
import io.etcdbackup.restore.DrillResult;
import io.etcdbackup.restore.RestoreDrill;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "drill", mixinStandardHelpOptions = true,
    description = {"Restore drill: fetch a backup (default latest) with every check a restore makes, restore it into a "
        + "scratch dir, and compare its revision, live key count and HashKV at the backup's revision with what the "
        + "backup promises; then remove the scratch dir.",
        "With --drill-etcd the figures come from that etcd, started on the restored data dir on free loopback ports "
            + "with a fresh cluster token (mode boot); without it, from the restored db file (mode offline). "
            + "The live cluster is never contacted.",
        "Exit code 0 when the drill passes, 5 when a figure or a check differs."})
final class DrillCommand implements Callable<Integer> {
  @Mixin ReadOptions read;
  @Mixin StoreMixin storeOptions;
  @Mixin OutputOptions output;
  @Mixin RunOptions run;
  @Mixin MetricsOptions metrics;
  @Spec CommandSpec spec;
  @picocli.CommandLine.ParentCommand EtcdBackupCommand parent;

  @Parameters(index = "0", arity = "0..1", paramLabel = "ID|latest", description = "The backup (default: latest).")
  String which;

  @Option(names = "--drill-etcd", paramLabel = "PATH",
      description = "The etcd binary to boot on the restored data dir (mode boot); without it the drill is offline.")
  Path etcdBinary;

  @Option(names = "--scratch-dir", paramLabel = "DIR", converter = WorkDir.class,
      description = "Where the drill downloads and restores (a directory of its own inside, removed at the end; "
          + "default: --spool-dir, else the temp dir). Needs room for twice the db.")
  Path scratchDir;

  @Option(names = "--drill-boot-timeout", paramLabel = "DURATION", converter = GoDuration.class, defaultValue = "60s",
      description = "How long the booted etcd may take to become healthy (default ${DEFAULT-VALUE}).")
  Duration bootTimeout;

  @Override
  public Integer call() throws Exception {
    DrillRequest request = new DrillRequest(read.series.cluster(), BackupSelector.parse(which), read.series.decryption(),
        scratchDir != null ? scratchDir : read.series.spool(), Optional.ofNullable(etcdBinary), bootTimeout);
    Optional<MetricsOptions.Session> session = metrics.session(read.series.cluster(), read.from,
        MetricsPublisher.DEFAULT_JOB + "-drill");
    Cancellation cancel = run.cancellation().deadline(run.timeout, "--timeout");
    try (BackupStore store = storeOptions.open(read.from)) {
      DrillResult r = new RestoreDrill(Clock.systemUTC()).run(read.series.repository(store), request,
          MetricsOptions.both(run.listener(parent.env()), session), cancel);
      print(r, spec.commandLine().getOut());
      return ExitCodes.OK;
    } finally {
      session.ifPresent(MetricsOptions.Session::publish);
    }
  }

  private void print(DrillResult r, PrintWriter out) {
    Manifest m = r.manifest();
    if (output.json()) {
      ObjectNode root = Formats.JSON.createObjectNode();
      root.put("id", m.id());
      root.put("cluster", m.clusterName());
      root.put("mode", r.mode().label());
      root.put("checkedBy", r.checkedBy());
      root.put("passed", true);
      root.put("durationSeconds", r.elapsed().toMillis() / 1000.0);
      figures(root.putObject("expected"), r.expected());
      figures(root.putObject("observed"), r.observed());
      out.println(Formats.JSON.writeValueAsString(root));
    } else {
      out.println("drill of backup " + m.id() + " of " + m.clusterName() + " passed (mode " + r.mode().label() + ", "
          + r.checkedBy() + ", " + Formats.duration(r.elapsed()) + "):");
      Table t = new Table("FIGURE", "BACKUP", "RESTORED");
      t.row("revision", r.expected().revision(), r.observed().revision());
      t.row("keys", r.expected().keys(), r.observed().keys());
      t.row("hashkv", r.expected().hashKv(), r.observed().hashKv());
      t.print(out);
    }
    out.flush();
  }

  private static void figures(ObjectNode n, DrillResult.Figures f) {
    n.put("revision", f.revision());
    n.put("keys", f.keys());
    n.put("hashKv", f.hashKv());
  }
}
