package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.backup.BackupFetcher;
import io.etcdbackup.core.metrics.MetricsPublisher;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupSelector;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Download a backup and re-check everything: stored SHA-256 and size, decryption, decompression, "
        + "raw SHA-256, bbolt structure, and status figures equal to the manifest.",
        "--all (or --newest N) checks every backup of the series, so that bit rot in the store is found before a "
            + "restore needs it.",
        "Exit code 0 when every check passes, 5 when one fails."})
final class VerifyCommand implements Callable<Integer> {
  @Mixin ReadOptions read;
  @Mixin StoreMixin storeOptions;
  @Mixin OutputOptions output;
  @Mixin RunOptions run;
  @Mixin MetricsOptions metrics;
  @Spec CommandSpec spec;
  @picocli.CommandLine.ParentCommand EtcdBackupCommand parent;

  @Parameters(index = "0", arity = "0..1", paramLabel = "ID|latest", description = "The backup (default: latest).")
  String which;

  @Option(names = "--all", description = "Verify every backup of the series, newest first; a failure does not stop "
      + "the others.")
  boolean all;

  @Option(names = "--newest", paramLabel = "N", description = "Verify the newest N backups of the series.")
  Integer newest;

  @Override
  public Integer call() throws Exception {
    if ((all || newest != null) && which != null) {
      throw new InvalidInputException((all ? "--all" : "--newest") + " verifies a series: drop the backup id " + which);
    }
    if (all && newest != null) {
      throw new InvalidInputException("--all and --newest exclude each other: choose one");
    }
    if (newest != null && newest < 1) {
      throw new InvalidInputException("--newest (" + newest + ") must be at least 1");
    }
    Optional<MetricsOptions.Session> session = metrics.session(read.series.cluster(), read.from,
        MetricsPublisher.DEFAULT_JOB + "-verify");
    Cancellation cancel = run.cancellation().deadline(run.timeout, "--timeout");
    try (BackupStore store = storeOptions.open(read.from)) {
      BackupRepository repo = read.series.repository(store);
      BackupFetcher fetcher = new BackupFetcher(repo);
      var listener = MetricsOptions.both(run.listener(parent.env()), session);
      if (all || newest != null) {
        return sweep(fetcher.verifyAll(repo.resolveSeries(read.series.cluster()), Optional.ofNullable(newest),
            read.series.decryption(), read.series.spool(), listener, cancel, Clock.systemUTC()));
      }
      Manifest m = repo.select(read.series.cluster(), BackupSelector.parse(which == null ? "latest" : which));
      print(fetcher.verify(m, read.series.decryption(), read.series.spool(), listener, cancel, Clock.systemUTC()));
      return ExitCodes.OK;
    } finally {
      session.ifPresent(MetricsOptions.Session::publish);
    }
  }

  private void print(BackupFetcher.Verified v) {
    Manifest m = v.manifest();
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Formats.JSON.writeValueAsString(json(v)));
    } else {
      out.println("backup " + m.id() + " of " + m.clusterName() + " verified (revision " + m.revision() + ", "
          + m.keyCount() + " keys, " + Formats.bytes(m.dbSize()) + "):");
      v.checks().forEach(c -> out.println("  ok  " + c));
    }
    out.flush();
  }

  private static ObjectNode json(BackupFetcher.Verified v) {
    Manifest m = v.manifest();
    ObjectNode root = Formats.JSON.createObjectNode();
    root.put("id", m.id());
    root.put("cluster", m.clusterName());
    root.put("verified", true);
    v.checks().forEach(root.putArray("checks")::add);
    root.put("revision", v.status().revision());
    root.put("hash", v.status().hash());
    root.put("totalKey", v.status().totalKey());
    root.put("totalSize", v.status().totalSize());
    return root;
  }

  /** Prints one line (or object) per backup; the exit code is the first failure's, newest first. */
  private int sweep(List<BackupFetcher.Checked> results) {
    PrintWriter out = spec.commandLine().getOut();
    long failed = results.stream().filter(c -> !c.ok()).count();
    if (output.json()) {
      ArrayNode arr = Formats.JSON.createArrayNode();
      for (BackupFetcher.Checked c : results) {
        ObjectNode n = c.verified().map(VerifyCommand::json).orElseGet(() -> {
          ObjectNode f = Formats.JSON.createObjectNode();
          f.put("id", c.manifest().map(Manifest::id).orElse(null));
          f.put("key", c.key());
          f.put("verified", false);
          return f;
        });
        n.put("reason", c.reason().label());
        if (!c.ok()) {
          n.put("error", c.message());
        }
        arr.add(n);
      }
      out.println(Formats.JSON.writeValueAsString(arr));
    } else {
      Table t = new Table("ID", "STARTED", "REVISION", "RESULT", "DETAIL");
      for (BackupFetcher.Checked c : results) {
        Optional<Manifest> m = c.manifest();
        t.row(m.map(Manifest::id).orElse(c.key()), m.map(Manifest::startedAt).orElse(null),
            m.map(Manifest::revision).orElse(null), c.ok() ? "ok" : c.reason().label(),
            c.ok() ? c.verified().orElseThrow().checks().size() + " checks passed" : c.message());
      }
      t.print(out);
      out.println(results.size() - failed + " of " + results.size() + " backups verified"
          + (failed == 0 ? "" : ", " + failed + " failed"));
    }
    out.flush();
    return results.stream().filter(c -> !c.ok()).map(BackupFetcher.Checked::reason).findFirst().orElse(Reason.OK)
        .exitCode();
  }
}
