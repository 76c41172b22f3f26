package io.etcdbackup.cli;

import io.etcdbackup.core.backup.BackupFetcher;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupSelector;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Download a backup and re-check everything: stored SHA-256 and size, decryption, decompression, "
        + "raw SHA-256, bbolt structure, and status figures equal to the manifest.",
        "Exit code 0 when every check passes, 5 when one fails."})
final class VerifyCommand implements Callable<Integer> {
  @Mixin ReadOptions read;
  @Mixin StoreMixin storeOptions;
  @Mixin OutputOptions output;
  @Mixin RunOptions run;
  @Spec CommandSpec spec;
  @picocli.CommandLine.ParentCommand EtcdBackupCommand parent;

  @Parameters(index = "0", paramLabel = "ID|latest", defaultValue = "latest", description = "The backup (default: latest).")
  String which;

  @Override
  public Integer call() throws Exception {
    BackupFetcher.Verified v;
    try (BackupStore store = storeOptions.open(read.from)) {
      BackupRepository repo = new BackupRepository(store);
      Manifest m = repo.select(read.series.cluster(), BackupSelector.parse(which));
      v = new BackupFetcher(repo).verify(m, read.series.decryption(), read.series.spool(), run.listener(parent.env()),
          run.cancellation().deadline(run.timeout, "--timeout"), Clock.systemUTC());
    }
    Manifest m = v.manifest();
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      ObjectNode root = Formats.JSON.createObjectNode();
      root.put("id", m.id());
      root.put("cluster", m.clusterName());
      root.put("verified", true);
      v.checks().forEach(root.putArray("checks")::add);
      root.put("revision", v.status().revision());
      root.put("hash", v.status().hash());
      root.put("totalKey", v.status().totalKey());
      root.put("totalSize", v.status().totalSize());
      out.println(Formats.JSON.writeValueAsString(root));
    } else {
      out.println("backup " + m.id() + " of " + m.clusterName() + " verified (revision " + m.revision() + ", "
          + m.keyCount() + " keys, " + Formats.bytes(m.dbSize()) + "):");
      v.checks().forEach(c -> out.println("  ok  " + c));
    }
    out.flush();
    return ExitCodes.OK;
  }
}
