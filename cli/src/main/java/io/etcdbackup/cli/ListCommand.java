package io.etcdbackup.cli;

import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.core.StreamWriteFeature;

@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List committed backups of one series, newest first (by the manifests' time and revision).")
final class ListCommand implements Callable<Integer> {
  @Mixin ReadOptions read;
  @Mixin StoreMixin storeOptions;
  @Mixin OutputOptions output;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    List<Manifest> backups;
    try (BackupStore store = storeOptions.open(read.from)) {
      BackupRepository repo = new BackupRepository(store);
      backups = repo.list(repo.resolveSeries(read.series.cluster()));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      // Streamed, not built as one tree and one string first: 10,000 manifests that way took more
      // than the 128 MiB heap bin/etcd-backup runs with (docs/benchmarks.md). Same bytes.
      Formats.JSON.writer().without(StreamWriteFeature.AUTO_CLOSE_TARGET).writeValue(out, backups);
      out.println();
    } else {
      Table t = new Table("ID", "STARTED", "REVISION", "KEYS", "DB SIZE", "STORED", "MEMBER", "TRANSFORMS", "HASHKV");
      for (Manifest m : backups) {
        t.row(m.id(), m.startedAt(), m.revision(), m.keyCount(), Formats.bytes(m.dbSize()), Formats.bytes(m.storedSize()),
            m.source().name(), transforms(m), m.verification().hashKv().result());
      }
      t.print(out);
    }
    out.flush();
    return ExitCodes.OK;
  }

  static String transforms(Manifest m) {
    String c = m.transforms().compression();
    return (c.equals("none") ? "" : c) + (m.transforms().encrypted() ? (c.equals("none") ? "" : "+") + "age" : "")
        + (c.equals("none") && !m.transforms().encrypted() ? "none" : "");
  }
}
