package io.etcdbackup.cli;

import io.etcdbackup.core.backup.BackupFetcher;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupSelector;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import java.io.PrintWriter;
import java.util.Optional;
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
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ID|latest", defaultValue = "latest", description = "The backup (default: latest).")
  String which;

  @Override
  public Integer call() throws Exception {
    Manifest m;
    BackupFetcher.Fetched fetched;
    try (BackupStore store = storeOptions.open(read.from)) {
      BackupRepository repo = new BackupRepository(store);
      String cluster = repo.resolveSeries(Optional.ofNullable(read.clusterName));
      m = repo.find(cluster, BackupSelector.parse(which));
      fetched = new BackupFetcher(repo).fetch(m, read.decryption(), read.spool());
    }
    try (fetched) {
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        ObjectNode root = Formats.JSON.createObjectNode();
        root.put("id", m.id());
        root.put("cluster", m.clusterName());
        root.put("verified", true);
        fetched.checks().forEach(root.putArray("checks")::add);
        root.put("revision", fetched.status().revision());
        root.put("hash", fetched.status().hash());
        root.put("totalKey", fetched.status().totalKey());
        root.put("totalSize", fetched.status().totalSize());
        out.println(Formats.JSON.writeValueAsString(root));
      } else {
        out.println("backup " + m.id() + " of " + m.clusterName() + " verified (revision " + m.revision() + ", "
            + m.keyCount() + " keys, " + Formats.bytes(m.dbSize()) + "):");
        fetched.checks().forEach(c -> out.println("  ok  " + c));
      }
      out.flush();
    }
    return ExitCodes.OK;
  }
}
