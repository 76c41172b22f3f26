package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.backup.BackupRequest;
import io.etcdbackup.core.backup.BackupResult;
import io.etcdbackup.core.backup.EtcdSnapshotSource;
import io.etcdbackup.core.backup.SnapshotBackup;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.stream.AgeEncryption;
import io.etcdbackup.core.stream.Compression;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = {"Take one verified backup now: stream a snapshot from one healthy member, check it "
        + "(SHA-256 trailer, bbolt structure, status figures, optionally HashKV), compress, encrypt, upload, "
        + "then write the manifest.", "Exits 0 only once the backup is committed."})
final class SnapshotCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin StoreMixin storeOptions;
  @Mixin OutputOptions output;
  @Spec CommandSpec spec;

  @Option(names = "--to", required = true, paramLabel = "URI",
      description = "Where to store it: s3://bucket/prefix, file:///path or a directory path (env ETCD_BACKUP_TO).")
  String to;

  @Option(names = "--cluster-name", paramLabel = "NAME",
      description = "Backup series name (default: etcd-<cluster id in hex>).")
  String clusterName;

  @Option(names = "--member", paramLabel = "ID|NAME|URL", description = "Stream from this member only.")
  String member;

  @Option(names = "--spool-dir", paramLabel = "DIR",
      description = "Where the raw db and the encoded object are spooled during the run (default: the temp dir).")
  Path spoolDir;

  @Option(names = "--compression", paramLabel = "ALG", defaultValue = "zstd", description = "zstd, gzip or none (default ${DEFAULT-VALUE}).")
  String compression;

  @Option(names = "--compression-level", paramLabel = "N", description = "zstd 1-19 (default 1), gzip 1-9 (default 6).")
  Integer compressionLevel;

  @Option(names = "--compression-workers", paramLabel = "N", defaultValue = "1",
      description = "zstd compression threads (default ${DEFAULT-VALUE}).")
  int compressionWorkers;

  @Option(names = "--encrypt-to", paramLabel = "RECIPIENT", split = ",",
      description = "Encrypt to this age recipient (age1...); repeatable.")
  List<String> encryptTo = new ArrayList<>();

  @Option(names = "--recipients-file", paramLabel = "FILE", description = "age recipients, one per line.")
  Path recipientsFile;

  @Option(names = "--verify-hashkv", description = "Also compare the file's HashKV at its revision with the member's.")
  boolean verifyHashKv;

  @Option(names = "--max-attempts", defaultValue = "3", paramLabel = "N",
      description = "Members to try when one fails mid-stream (default ${DEFAULT-VALUE}).")
  int maxAttempts;

  @Option(names = "--retry-backoff", defaultValue = "2s", converter = GoDuration.class, paramLabel = "DURATION",
      description = "Pause before the next attempt, doubled each time (default ${DEFAULT-VALUE}).")
  Duration retryBackoff;

  @Option(names = "--stream-idle-timeout", defaultValue = "60s", converter = GoDuration.class, paramLabel = "DURATION",
      description = "Give up on a member that sends nothing for this long (default ${DEFAULT-VALUE}).")
  Duration streamIdleTimeout;

  @Option(names = "--no-lock", description = "Do not take the etcd lock that keeps two backups of a cluster apart.")
  boolean noLock;

  @Option(names = "--lock-ttl", defaultValue = "60s", converter = GoDuration.class, paramLabel = "DURATION",
      description = "Lease TTL of the lock: a crashed run's lock expires after this (default ${DEFAULT-VALUE}).")
  Duration lockTtl;

  @Option(names = "--lock-wait", defaultValue = "5s", converter = GoDuration.class, paramLabel = "DURATION",
      description = "How long to wait for the lock before exiting with code 6 (default ${DEFAULT-VALUE}).")
  Duration lockWait;

  @Option(names = "--leftover-grace", defaultValue = "6h", converter = GoDuration.class, paramLabel = "DURATION",
      description = "Remove data of interrupted runs older than this after a commit (default ${DEFAULT-VALUE}).")
  Duration leftoverGrace;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label recorded in the manifest; repeatable.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    BackupRequest request = new BackupRequest(Optional.ofNullable(clusterName), Optional.ofNullable(member),
        spoolDir != null ? spoolDir : Path.of(System.getProperty("java.io.tmpdir")), compression(), encryption(),
        verifyHashKv, maxAttempts, retryBackoff, streamIdleTimeout, !noLock, lockTtl, lockWait, leftoverGrace, labels);
    BackupResult result;
    try (EtcdClients clients = connection.clients(); BackupStore store = storeOptions.open(to)) {
      result = new SnapshotBackup(clients, new EtcdSnapshotSource(clients, streamIdleTimeout), new BackupRepository(store),
          Clock.systemUTC(), Versions.tool()).run(request);
    }
    print(result, spec.commandLine().getOut());
    return ExitCodes.OK;
  }

  private Compression compression() {
    return switch (Compression.Algorithm.parse(compression)) {
      case ZSTD -> Compression.zstd(compressionLevel == null ? 1 : compressionLevel, compressionWorkers);
      case GZIP -> Compression.gzip(compressionLevel == null ? 6 : compressionLevel);
      case NONE -> {
        if (compressionLevel != null) {
          throw new InvalidInputException("--compression-level needs --compression zstd or gzip");
        }
        yield Compression.none();
      }
    };
  }

  private Optional<AgeEncryption> encryption() {
    List<String> recipients = new ArrayList<>(encryptTo);
    if (recipientsFile != null) {
      recipients.addAll(AgeEncryption.readRecipientsFile(recipientsFile));
    }
    return recipients.isEmpty() ? Optional.empty() : Optional.of(AgeEncryption.toRecipients(recipients));
  }

  private void print(BackupResult r, PrintWriter out) {
    Manifest m = r.manifest();
    if (output.json()) {
      ObjectNode root = Formats.JSON.createObjectNode();
      root.set("manifest", Formats.JSON.valueToTree(m));
      r.failedAttempts().forEach(root.putArray("failedAttempts")::add);
      root.put("leftoversRemoved", r.leftoversRemoved());
      out.println(Formats.JSON.writeValueAsString(root));
    } else {
      Table t = new Table("FIELD", "VALUE");
      t.row("id", m.id());
      t.row("cluster", m.clusterName() + " (" + m.clusterId() + ")");
      t.row("revision", m.revision());
      t.row("source", m.source().name() + " " + m.source().memberId() + " at " + m.source().endpoint()
          + " (etcd " + m.source().etcdVersion() + (m.source().leader() ? ", leader)" : ")"));
      t.row("db size", Formats.bytes(m.dbSize()) + " (" + m.dbSize() + " bytes)");
      t.row("stored size", Formats.bytes(m.storedSize()) + " (" + m.storedSize() + " bytes)");
      t.row("keys", m.keyCount());
      t.row("object", m.objectKey());
      t.row("checks", "trailer " + m.verification().trailer() + ", bbolt " + m.verification().bbolt() + ", status "
          + m.verification().status() + ", hashkv " + m.verification().hashKv().result());
      t.row("durations", "stream " + m.timings().streamMillis() + "ms, verify " + m.timings().verifyMillis()
          + "ms, upload " + m.timings().uploadMillis() + "ms, total " + m.timings().totalMillis() + "ms");
      t.print(out);
      r.failedAttempts().forEach(f -> out.println("failed attempt: " + f));
    }
    out.flush();
  }
}
