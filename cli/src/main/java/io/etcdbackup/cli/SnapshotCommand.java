package io.etcdbackup.cli;

import io.etcdbackup.core.backup.BackupRequest;
import io.etcdbackup.core.backup.BackupResult;
import io.etcdbackup.core.backup.EtcdSnapshotSource;
import io.etcdbackup.core.backup.SnapshotBackup;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.metrics.MetricsPublisher;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.ManifestKey;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
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
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = {"Take one verified backup now: stream a snapshot from one healthy member, check it "
        + "(SHA-256 trailer, bbolt structure, status figures, optionally HashKV), compress, encrypt, upload, "
        + "then write the manifest.", "Reads the cluster and writes nothing into it (unless --lock). "
        + "Exits 0 only once the backup is committed."})
final class SnapshotCommand implements Callable<Integer> {
  @Mixin ConnectionOptions connection;
  @Mixin StoreMixin storeOptions;
  @Mixin OutputOptions output;
  @Mixin RunOptions run;
  @Mixin MetricsOptions metrics;
  @Spec CommandSpec spec;
  @ParentCommand EtcdBackupCommand parent;

  @Option(names = "--to", required = true, paramLabel = "URI",
      description = "Where to store it: s3://bucket/prefix, file:///path or a directory path (env ETCD_BACKUP_TO).")
  String to;

  @Option(names = "--cluster-name", paramLabel = "NAME",
      description = "Backup series name (default: etcd-<cluster id in hex>).")
  String clusterName;

  @Option(names = "--member", paramLabel = "ID|NAME|URL", description = "Stream from this member only.")
  String member;

  @Option(names = "--spool-dir", paramLabel = "DIR", converter = WorkDir.class,
      description = "Where the raw db and the encoded object are spooled during the run (default: the temp dir).")
  Path spoolDir;

  @Option(names = "--compression", paramLabel = "ALG", defaultValue = "zstd", description = "zstd, gzip or none (default ${DEFAULT-VALUE}).")
  String compression;

  @Option(names = "--compression-level", paramLabel = "N", description = "zstd 1-19 (default 1), gzip 1-9 (default 6).")
  Integer compressionLevel;

  @Option(names = "--compression-workers", paramLabel = "N",
      description = "zstd compression threads (default 1).")
  Integer compressionWorkers;

  @Option(names = "--encrypt-to", paramLabel = "RECIPIENT", split = ",",
      description = "Encrypt to this age recipient (age1...); repeatable.")
  List<String> encryptTo = new ArrayList<>();

  @Option(names = "--recipients-file", paramLabel = "FILE", description = "age recipients, one per line.")
  Path recipientsFile;

  @Option(names = "--manifest-signing-key", paramLabel = "FILE",
      description = "Sign the manifest with this secret (at least 32 bytes), so that verify and restore given the "
          + "same key refuse a backup someone with write access to the store put there (docs/security.md).")
  Path manifestSigningKey;

  @Option(names = "--verify-hashkv", description = "Also compare the file's HashKV at its revision with the member's.")
  boolean verifyHashKv;

  @Option(names = "--max-attempts", paramLabel = "N",
      description = "Members to try when one fails mid-stream (default 3).")
  Integer maxAttempts;

  @Option(names = "--retry-backoff", converter = GoDuration.class, paramLabel = "DURATION",
      description = "Pause before the next attempt, doubled each time (default 2s).")
  Duration retryBackoff;

  @Option(names = "--stream-idle-timeout", converter = GoDuration.class, paramLabel = "DURATION",
      description = "Give up on a member that sends nothing for this long (default 60s).")
  Duration streamIdleTimeout;

  @Option(names = "--lock", description = {"Take an etcd lock so that two backups of this cluster do not run at once. "
      + "It writes keys under /etcd-backup/ into the cluster being backed up, so this snapshot and every restore of it "
      + "hold them (they expire with their lease); off by default (docs/backup.md)."})
  boolean lock;

  @Option(names = "--lock-ttl", converter = GoDuration.class, paramLabel = "DURATION",
      description = "With --lock: lease TTL of the lock, a crashed run's lock expires after this (default 60s).")
  Duration lockTtl;

  @Option(names = "--lock-wait", converter = GoDuration.class, paramLabel = "DURATION",
      description = "With --lock: how long to wait for the lock before exiting with code 6 (default 5s).")
  Duration lockWait;

  @Option(names = "--leftover-grace", converter = GoDuration.class, paramLabel = "DURATION",
      description = "Remove data of interrupted runs older than this after a commit (default 6h).")
  Duration leftoverGrace;

  @Mixin RetentionOptions retention;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label recorded in the manifest; repeatable.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    BackupResult result;
    // The store opens while the request is checked and the etcd client's TLS is set up; its errors
    // still come after theirs and before anything connects (Background.get).
    try (Background<BackupStore> store = Background.open("store", () -> storeOptions.openForWriting(to))) {
      BackupRequest request = BackupRequest.builder().clusterName(clusterName).member(member).spoolDir(spoolDir)
          .compression(compression, compressionLevel, compressionWorkers).encryptTo(encryptTo)
          .recipientsFile(recipientsFile).verifyHashKv(verifyHashKv).maxAttempts(maxAttempts).retryBackoff(retryBackoff)
          .streamIdleTimeout(streamIdleTimeout).lock(lock).lockTtl(lockTtl).lockWait(lockWait)
          .leftoverGrace(leftoverGrace).timeout(run.timeout).labels(labels).retention(retention.policy().orElse(null))
          .build();
      Optional<ManifestKey> signingKey = Optional.ofNullable(manifestSigningKey).map(ManifestKey::fromFile);
      Optional<MetricsOptions.Session> session = metrics.session(request.clusterName(), to, MetricsPublisher.DEFAULT_JOB);
      try (EtcdClients clients = connection.clients()) {
        result = new SnapshotBackup(clients, new EtcdSnapshotSource(clients, request.retry().streamIdleTimeout()),
            new BackupRepository(store.get(), signingKey), Clock.systemUTC(), Versions.tool())
            .run(request, MetricsOptions.both(run.listener(parent.env()), session), run.cancellation());
      } finally {
        session.ifPresent(MetricsOptions.Session::publish);
      }
    }
    print(result, spec.commandLine().getOut());
    // The backup is committed either way; a retention that failed after it ends the run with its
    // reason, so that a CronJob's failure shows that pruning has stopped.
    result.pruning().filter(p -> !p.ok()).ifPresent(p -> spec.commandLine().getErr().println("etcd-backup: "
        + p.message() + " (backup " + result.manifest().id() + " is committed)"));
    return result.reason().exitCode();
  }

  private void print(BackupResult r, PrintWriter out) {
    Manifest m = r.manifest();
    if (output.json()) {
      ObjectNode root = Formats.JSON.createObjectNode();
      root.set("manifest", Formats.JSON.valueToTree(m));
      r.failedAttempts().forEach(root.putArray("failedAttempts")::add);
      root.put("leftoversRemoved", r.leftoversRemoved());
      r.pruning().ifPresent(p -> {
        ObjectNode n = p.result().map(PlanOutput::json).orElseGet(Formats.JSON::createObjectNode);
        n.put("reason", p.reason().label());
        if (!p.ok()) {
          n.put("error", p.message());
        }
        root.set("retention", n);
      });
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
      r.pruning().flatMap(BackupResult.Pruning::result).ifPresent(p -> PlanOutput.summary(p, out));
    }
    out.flush();
  }
}
