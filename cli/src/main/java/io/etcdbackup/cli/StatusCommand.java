package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.snapshot.SnapshotFile;
import io.etcdbackup.core.snapshot.SnapshotInspector;
import io.etcdbackup.core.snapshot.SnapshotStatus;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Offline: the figures etcdutl snapshot status prints (hash, revision, total keys, total size), "
        + "computed the same way, after a bbolt consistency check.",
        "Works on a snapshot file (with or without its SHA-256 trailer) or a member's member/snap/db."})
final class StatusCommand implements Callable<Integer> {
  @Mixin OutputOptions output;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot or db file.")
  Path file;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException(file + " is not a file");
    }
    SnapshotStatus s = SnapshotInspector.status(file);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      // The same fields and names as etcdutl snapshot status -w json, so scripts carry over.
      ObjectNode n = Formats.JSON.createObjectNode();
      n.put("hash", s.hash());
      n.put("revision", s.revision());
      n.put("totalKey", s.totalKey());
      n.put("totalSize", s.totalSize());
      out.println(Formats.JSON.writeValueAsString(n));
    } else {
      new Table("HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE")
          .row(Long.toHexString(s.hash()), s.revision(), s.totalKey(), Formats.bytes(s.totalSize()))
          .print(out);
      out.println(trailer());
    }
    out.flush();
    return ExitCodes.OK;
  }

  private String trailer() throws java.io.IOException {
    if (!SnapshotFile.hasTrailer(Files.size(file))) {
      return "sha256 trailer: none (a db copied from a data dir, or a truncated snapshot)";
    }
    SnapshotFile.verifyTrailer(file);
    return "sha256 trailer: present and valid";
  }
}
