package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.UserText;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupSelector;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.ManifestCodec;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.stream.AgeDecryption;
import io.etcdbackup.restore.RestoreConfig;
import io.etcdbackup.restore.RestoreRequest;
import io.etcdbackup.restore.RestoreResult;
import io.etcdbackup.restore.RestoreService;
import io.etcdbackup.restore.RestoredMember;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Rebuild etcd member data directories from a backup, natively (no etcd binary needed), "
        + "with the flags of etcdutl snapshot restore.",
        "Everything is downloaded and verified before any target is touched; a non-empty target is refused "
        + "unless --force, which moves it aside (never deletes it)."})
final class RestoreCommand implements Callable<Integer> {
  @Mixin StoreMixin storeOptions;
  @Mixin SeriesOptions series;
  @Mixin OutputOptions output;
  @Mixin RunOptions run;
  @Spec CommandSpec spec;
  @picocli.CommandLine.ParentCommand EtcdBackupCommand parent;

  @Option(names = "--from", paramLabel = "URI", description = "A store: s3://bucket/prefix, file:///path or a directory.")
  String from;

  @Parameters(index = "0", arity = "0..1", paramLabel = "ID|latest", description = "With --from: the backup (default latest).")
  String which;

  @Option(names = "--as-of", paramLabel = "TIME", description = "With --from: the newest backup at or before TIME (2026-01-31T12:00:00Z).")
  String asOf;

  @Option(names = "--revision", paramLabel = "REV", description = "With --from: the newest backup at or below revision REV.")
  Long revision;

  @Option(names = "--from-file", paramLabel = "FILE", description = "A local snapshot file instead of a store.")
  Path fromFile;

  @Option(names = "--name", defaultValue = RestoreConfig.DEFAULT_NAME, paramLabel = "NAME",
      description = "Human-readable name of this member (default ${DEFAULT-VALUE}).")
  String name;

  @Option(names = "--initial-cluster", paramLabel = "NAME=URL,...",
      description = "Initial cluster configuration (default <name>=http://localhost:2380).")
  String initialCluster;

  @Option(names = "--initial-cluster-token", defaultValue = RestoreConfig.DEFAULT_TOKEN, paramLabel = "TOKEN",
      description = "Initial cluster token (default ${DEFAULT-VALUE}).")
  String token;

  @Option(names = "--initial-advertise-peer-urls", defaultValue = RestoreConfig.DEFAULT_PEER_URL, paramLabel = "URLS",
      description = "This member's peer URLs (default ${DEFAULT-VALUE}).")
  String advertisePeerUrls;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Data dir to write (default <name>.etcd).")
  Path dataDir;

  @Option(names = "--wal-dir", paramLabel = "DIR", description = "Dedicated WAL dir (default <data-dir>/member/wal).")
  Path walDir;

  @Option(names = "--skip-hash-check", description = "Accept a --from-file without its SHA-256 trailer (a db copied out of a data dir).")
  boolean skipHashCheck;

  @Option(names = "--bump-revision", defaultValue = "0", paramLabel = "N",
      description = "Raise the revision by N (etcd 3.5.10+ semantics); needs --mark-compacted.")
  long bumpRevision;

  @Option(names = "--mark-compacted", description = "Mark revisions up to the bumped one as compacted; needs --bump-revision.")
  boolean markCompacted;

  @Option(names = "--all-members", description = "Write a data dir for every member of --initial-cluster into --output-dir.")
  boolean allMembers;

  @Option(names = "--output-dir", paramLabel = "DIR", description = "With --all-members: DIR/<member-name>.etcd each.")
  Path outputDir;

  @Option(names = "--force", description = "Move a non-empty target aside to <dir>.old-<UTC time> instead of refusing.")
  boolean force;

  @Option(names = "--engine", defaultValue = "native", paramLabel = "ENGINE",
      description = "native (default) or etcdutl (hand the verified file to etcdutl snapshot restore from PATH).")
  String engine;

  @Option(names = "--preallocate-wal", description = "Pad the WAL to 64,000,000 bytes as etcdutl does (sparse; not needed by etcd).")
  boolean preallocateWal;

  @Override
  public Integer call() throws Exception {
    if ((from == null) == (fromFile == null)) {
      throw new InvalidInputException("give exactly one of --from URI (a store) or --from-file FILE (a snapshot file)");
    }
    if (fromFile != null && (which != null || asOf != null || revision != null || series.clusterName != null)) {
      throw new InvalidInputException("a backup id, --as-of, --revision and --cluster-name select from a store: use them with --from");
    }
    if (from != null) {
      // The store opens, and Jackson warms up for the manifest, while the options are checked and
      // the identities read; the store's errors still come after theirs (Background.get).
      try (Background<BackupStore> store = Background.open("store", () -> storeOptions.open(from))) {
        CompletableFuture.runAsync(ManifestCodec::warmUp);
        return restore(store);
      }
    }
    return restore(null);
  }

  /** The restore from {@code --from-file}, or from the store ({@code --from}, opening in {@code store}). */
  private int restore(Background<BackupStore> store) throws IOException {
    RestoreConfig.Builder b = RestoreConfig.builder().name(name).initialCluster(initialCluster).initialClusterToken(token)
        .initialAdvertisePeerUrls(advertisePeerUrls).dataDir(dataDir).walDir(walDir).skipHashCheck(skipHashCheck)
        .bumpRevision(bumpRevision).markCompacted(markCompacted).preallocateWal(preallocateWal);
    if (allMembers && (dataDir != null || walDir != null)) {
      throw new InvalidInputException("--all-members writes <output-dir>/<name>.etcd per member: drop --data-dir and --wal-dir");
    }
    RestoreConfig config = allMembers ? b.buildClusterTemplate() : b.build();
    RestoreRequest request = new RestoreRequest(config, allMembers, Optional.ofNullable(outputDir), force, engine(),
        series.spool());
    RestoreService service = new RestoreService(Clock.systemUTC(), parent.env());
    RunListener listener = run.listener(parent.env());
    Cancellation cancel = run.cancellation().deadline(run.timeout, "--timeout");

    RestoreResult result;
    if (fromFile != null) {
      result = service.fromFile(fromFile, request, listener, cancel);
    } else {
      Optional<AgeDecryption> decryption = series.decryption();
      BackupRepository repo = series.repository(store.get());
      Manifest m = repo.select(series.cluster(), selector());
      result = service.fromBackup(repo, m, decryption, request, listener, cancel);
    }
    print(result, spec.commandLine().getOut());
    return ExitCodes.OK;
  }

  private RestoreRequest.Engine engine() {
    return switch (engine.toLowerCase(Locale.ROOT)) {
      case "native" -> RestoreRequest.Engine.NATIVE;
      case "etcdutl" -> RestoreRequest.Engine.ETCDUTL;
      default -> throw new InvalidInputException("--engine (" + engine + ") must be native or etcdutl");
    };
  }

  private BackupSelector selector() {
    int given = (which != null ? 1 : 0) + (asOf != null ? 1 : 0) + (revision != null ? 1 : 0);
    if (given > 1) {
      throw new InvalidInputException("choose the backup one way: an id (or latest), --as-of or --revision");
    }
    if (asOf != null) {
      return new BackupSelector.AsOf(parseTime(asOf));
    }
    if (revision != null) {
      if (revision < 1) {
        throw new InvalidInputException("--revision (" + revision + ") must be at least 1");
      }
      return new BackupSelector.AtOrBelowRevision(revision);
    }
    return BackupSelector.parse(which);
  }

  static Instant parseTime(String s) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(s).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        throw new InvalidInputException("--as-of " + UserText.quote(s) + " is not a time: use e.g. 2026-01-31T12:00:00Z (UTC)");
      }
    }
  }

  private void print(RestoreResult r, PrintWriter out) {
    if (output.json()) {
      ObjectNode root = Formats.JSON.createObjectNode();
      root.put("source", r.source());
      root.put("snapshotRevision", r.snapshotRevision());
      root.put("engine", r.engine().name().toLowerCase(Locale.ROOT));
      ArrayNode ms = root.putArray("members");
      for (RestoredMember m : r.members()) {
        ObjectNode n = ms.addObject();
        n.put("name", m.name());
        n.put("memberId", m.memberIdHex());
        n.put("clusterId", m.clusterIdHex());
        n.put("dataDir", m.dataDir().toString());
        n.put("walDir", m.walDir().toString());
        n.put("revision", m.revision());
        m.etcdFlags().forEach(n.putArray("etcdFlags")::add);
      }
      r.movedAside().forEach(p -> root.withArray("movedAside").add(p.toString()));
      r.toolKeys().forEach(root.putArray("toolKeys")::add);
      out.println(Formats.JSON.writeValueAsString(root));
    } else {
      out.println("restored " + r.source() + " (revision " + r.snapshotRevision() + ") with the "
          + r.engine().name().toLowerCase(Locale.ROOT) + " engine");
      Table t = new Table("NAME", "MEMBER ID", "CLUSTER ID", "REVISION", "DATA DIR", "WAL DIR");
      r.members().forEach(m -> t.row(m.name(), m.memberIdHex(), m.clusterIdHex(), m.revision(), m.dataDir(), m.walDir()));
      t.print(out);
      r.movedAside().forEach(p -> out.println("moved aside (not deleted): " + p));
      if (!r.toolKeys().isEmpty()) {
        out.println("note: the snapshot holds keys etcd-backup wrote into the source cluster (the backup was taken with "
            + "--lock): " + String.join(", ", r.toolKeys()) + "; they are bound to a lease and expire after its TTL once "
            + "the restored cluster runs");
      }
      out.println("start each member with these flags, plus its usual client URLs, --listen-peer-urls and TLS flags:");
      for (RestoredMember m : r.members()) {
        out.println("  etcd " + String.join(" ", m.etcdFlags().stream().map(RestoreCommand::shellQuote).toList()));
      }
    }
    out.flush();
  }

  private static String shellQuote(String s) {
    return s.matches("[A-Za-z0-9_./:=,@%+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
  }
}
