package io.etcdbackup.restore;

import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.UserText;
import io.etcdbackup.core.RefusedException;
import io.etcdbackup.core.backup.BackupFetcher;
import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.core.snapshot.SnapshotFile;
import io.etcdbackup.core.snapshot.SnapshotInspector;
import io.etcdbackup.core.snapshot.SnapshotStatus;
import io.etcdbackup.core.snapshot.ToolKeys;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Operation;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Run;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.stream.AgeDecryption;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore, safe by default: every target is checked before anything is downloaded; the snapshot
 * is verified completely (stored SHA-256, decryption, decompression, raw SHA-256, bbolt check,
 * the manifest's figures) before any target is touched; free space is checked first; a
 * non-empty target is refused unless {@code force}, which moves it aside to {@code <dir>.old-<UTC
 * time>} and never deletes it; data dirs are written under {@code .part} names and renamed at the
 * end. The db is read once after the download: the native writer's pass over it is its check
 * (DataDirWriter), and the renames wait for every check.
 */
public final class RestoreService {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreService.class);
  /** WAL, .snap and directory overhead per member, on top of the db. */
  private static final long PER_MEMBER_OVERHEAD = 1L << 20;

  private final Clock clock;
  private final Map<String, String> env;

  /** {@code env} is where {@code ETCDUTL} and {@code PATH} are looked up for the etcdutl engine. */
  public RestoreService(Clock clock, Map<String, String> env) {
    this.clock = clock;
    this.env = Map.copyOf(env);
  }

  /**
   * Restores the backup {@code m} from a store, as one run reported to {@code listener}: DOWNLOAD
   * and DECRYPT, then CHECK and WRITE in one pass over the downloaded db (with {@code --engine
   * etcdutl}: CHECK, then WRITE).
   */
  public RestoreResult fromBackup(BackupRepository repository, Manifest m, Optional<AgeDecryption> decryption,
      RestoreRequest request, RunListener listener, Cancellation cancel) throws IOException {
    Run run = new Run(Operation.RESTORE, m.clusterName(), listener, cancel, clock);
    try {
      List<RestoreConfig> members = members(request);
      Optional<Path> etcdutl = engineBinary(request);
      preflight(members, request.force());
      requireSpace(request.spoolDir(), m.dbSize(), "the download of backup " + m.id() + " (--spool-dir)");
      requireSpace(members, m.dbSize());
      BackupFetcher fetcher = new BackupFetcher(repository);
      String source = "backup " + m.id() + " of " + m.clusterName();
      if (etcdutl.isPresent()) {
        try (BackupFetcher.Fetched fetched = fetcher.fetch(m, decryption, request.spoolDir(), run)) {
          return run.succeeded(etcdutlRestore(fetched.rawDb(), false, fetched.status(), source, request, members,
              etcdutl.get(), run));
        }
      }
      try (BackupFetcher.Download download = fetcher.download(m, decryption, request.spoolDir(), run)) {
        SourceChecks checks = new SourceChecks() {
          @Override
          public void verify(SnapshotStatus status) throws IOException {
            download.checkRawSha();
            download.checkFigures(status);
          }

          @Override
          public IntegrityException explain(IntegrityException found) {
            return download.explain(found);
          }
        };
        return run.succeeded(nativeRestore(download.rawDb(), checks, source, request, members, run));
      }
    } catch (IOException e) {
      throw run.failed(e);
    } catch (RuntimeException e) {
      throw run.failed(e);
    }
  }

  /** {@link #fromBackup(BackupRepository, Manifest, Optional, RestoreRequest, RunListener, Cancellation)}, unobserved. */
  public RestoreResult fromBackup(BackupRepository repository, Manifest m, Optional<AgeDecryption> decryption,
      RestoreRequest request) throws IOException {
    return fromBackup(repository, m, decryption, request, RunListener.NONE, Cancellation.create());
  }

  /**
   * Restores a local snapshot file, as {@code etcdutl snapshot restore} takes it: with its SHA-256
   * trailer, checked unless {@code --skip-hash-check} (for a db copied out of a data dir).
   */
  public RestoreResult fromFile(Path file, RestoreRequest request) throws IOException {
    return fromFile(file, request, RunListener.NONE, Cancellation.create());
  }

  /**
   * {@link #fromFile(Path, RestoreRequest)} as one run: CHECK and WRITE in one pass over the file,
   * the trailer's SHA-256 beside it on a thread of its own (with {@code --engine etcdutl}: CHECK,
   * then WRITE).
   */
  public RestoreResult fromFile(Path file, RestoreRequest request, RunListener listener, Cancellation cancel)
      throws IOException {
    Run run = new Run(Operation.RESTORE, file.toString(), listener, cancel, clock);
    try {
      return run.succeeded(fileRestore(file, request, run));
    } catch (IOException e) {
      throw run.failed(e);
    } catch (RuntimeException e) {
      throw run.failed(e);
    }
  }

  private RestoreResult fileRestore(Path file, RestoreRequest request, Run run) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("--from-file " + file + " is not a file");
    }
    List<RestoreConfig> members = members(request);
    Optional<Path> etcdutl = engineBinary(request);
    preflight(members, request.force());
    boolean trailer = SnapshotFile.hasTrailer(Files.size(file));
    boolean verifyTrailer = trailer && !request.config().skipHashCheck();
    if (!trailer && !request.config().skipHashCheck()) {
      // etcdutl's rule (v3_snapshot.go): a file without the trailer is not a snapshot from the
      // Snapshot RPC, so its integrity cannot be checked; it takes an explicit flag to accept one.
      throw new IntegrityException(file + ": snapshot missing hash but --skip-hash-check=false "
          + "(a db copied out of a data dir has no SHA-256 trailer: add --skip-hash-check to restore it anyway)");
    }
    if (etcdutl.isPresent()) {
      SnapshotStatus status = run.phase(Phase.CHECK, span -> {
        if (verifyTrailer) {
          SnapshotFile.verifyTrailer(file);
        }
        return SnapshotInspector.status(file);
      });
      requireSpace(members, status.totalSize());
      return etcdutlRestore(file, trailer, status, file.toString(), request, members, etcdutl.get(), run);
    }
    try (TrailerCheck checks = new TrailerCheck(file, verifyTrailer)) {
      long totalSize;
      try (BboltReader r = BboltReader.open(file)) {
        totalSize = r.totalSize();
      } catch (IntegrityException e) {
        throw checks.explain(e);
      }
      requireSpace(members, totalSize);
      return nativeRestore(file, checks, file.toString(), request, members, run);
    }
  }

  /** What must hold of a source db beyond what the pass over it checks, before anything is renamed into place. */
  private interface SourceChecks {
    /** Throws if the source fails: {@code status} is what the pass found. */
    void verify(SnapshotStatus status) throws IOException;

    /**
     * What to throw for {@code found}, a failure of the source's content that the pass met before
     * {@link #verify} ran: the failure of a check that names the cause (a wrong SHA-256), if one
     * fails, else {@code found}.
     */
    IntegrityException explain(IntegrityException found);
  }

  /**
   * The trailer's SHA-256 of a snapshot file (etcdutl's first check) on a thread of its own, while
   * the pass checks and rewrites the file: both read it from the page cache. Closing it stops the
   * thread.
   */
  private static final class TrailerCheck implements SourceChecks, AutoCloseable {
    private final Thread thread;
    private volatile Throwable failure;

    TrailerCheck(Path file, boolean enabled) {
      if (!enabled) {
        thread = null;
        return;
      }
      thread = new Thread(() -> {
        try {
          SnapshotFile.verifyTrailer(file);
        } catch (Throwable e) {
          failure = e;
        }
      }, "restore-sha256");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void verify(SnapshotStatus status) throws IOException {
      if (thread == null) {
        return;
      }
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while checking the snapshot's sha256");
      }
      Throwable f = failure;
      if (f instanceof IOException io) {
        throw io;
      } else if (f instanceof RuntimeException re) {
        throw re;
      } else if (f != null) {
        throw new IOException(f);
      }
    }

    @Override
    public IntegrityException explain(IntegrityException found) {
      try {
        verify(null);
      } catch (IntegrityException shaFailed) {
        shaFailed.addSuppressed(found);
        return shaFailed;
      } catch (IOException | RuntimeException e) {
        found.addSuppressed(e);
      }
      return found;
    }

    /** Stops the hash if it still runs (its reads are interruptible). */
    @Override
    public void close() {
      if (thread != null && thread.isAlive()) {
        thread.interrupt();
        try {
          thread.join(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * CHECK and WRITE, natively, in one pass over {@code db}: the member data dirs are written under
   * their {@code .part} names while the db is checked (bbolt structure, status figures) and
   * rewritten; once the pass is over, {@code checks} (the SHA-256 computed meanwhile, the
   * manifest's figures) must pass, and only then, with {@code --force}, are the targets in the way
   * moved aside and the data dirs renamed into place. A failed check leaves the targets as they
   * were and removes every {@code .part}. Each data dir is fsynced by the writer itself (the fsyncs
   * overlap the writing: BackgroundSync), so there is no separate SYNC step to report.
   */
  private RestoreResult nativeRestore(Path db, SourceChecks checks, String source, RestoreRequest request,
      List<RestoreConfig> members, Run run) throws IOException {
    // Checked again: the download may have taken minutes. Past this point a restore is not
    // cancelled half way: it finishes or fails, and a failure removes what it wrote.
    preflight(members, request.force());
    run.cancellation().check();
    // A leftover .part of an interrupted restore must make room for this one's staging; it is
    // moved aside (never deleted), as --force promises. The targets themselves wait for the checks.
    List<Path> moved = new ArrayList<>(request.force() ? moveAside(members, true) : List.of());
    ToolKeys.Finder toolKeys = new ToolKeys.Finder();
    Run.Span check = run.start(Phase.CHECK);
    SnapshotStatus[] checked = new SnapshotStatus[1];
    boolean[] gateReached = new boolean[1];
    DataDirWriter.Gate gate = status -> {
      gateReached[0] = true;
      checks.verify(status);
      check.end();
      checked[0] = status;
      if (request.force()) {
        moved.addAll(moveAside(members, false));
      }
    };
    DataDirWriter.Options options = new DataDirWriter.Options(toolKeys, gate, request.force());
    List<RestoredMember> written;
    try {
      written = run.phase(Phase.WRITE, span -> request.allMembers()
          ? DataDirWriter.writeCluster(db, request.outputDir().orElseThrow(), request.config(), options)
          : List.of(DataDirWriter.writeMember(db, request.config(), options)));
    } catch (IntegrityException e) {
      // Before the gate, the pass found the db's content broken: a check of the whole (its SHA-256)
      // may name the cause better.
      IntegrityException shown = gateReached[0] ? e : checks.explain(e);
      check.fail(shown);
      throw shown;
    } catch (IOException | RuntimeException e) {
      check.fail(e);
      throw e;
    }
    return finish(source, checked[0].revision(), written, moved, request, toolKeys.live());
  }

  private RestoreResult etcdutlRestore(Path db, boolean dbHasTrailer, SnapshotStatus status, String source,
      RestoreRequest request, List<RestoreConfig> members, Path etcdutl, Run run) throws IOException {
    List<String> toolKeys = ToolKeys.live(db);
    // Checked again: the download may have taken minutes. Past this point a restore is not
    // cancelled half way: it finishes or fails, and a failure removes what it wrote.
    preflight(members, request.force());
    run.cancellation().check();
    List<Path> moved = new ArrayList<>();
    if (request.force()) {
      moved.addAll(moveAside(members, true));
      moved.addAll(moveAside(members, false));
    }
    List<RestoredMember> written = run.phase(Phase.WRITE, span -> {
      List<RestoredMember> out = new ArrayList<>();
      for (RestoreConfig cfg : members) {
        out.add(runEtcdutl(etcdutl, db, dbHasTrailer, cfg, status.revision() + cfg.bumpRevision()));
      }
      return out;
    });
    return finish(source, status.revision(), written, moved, request, toolKeys);
  }

  private static RestoreResult finish(String source, long revision, List<RestoredMember> written, List<Path> moved,
      RestoreRequest request, List<String> toolKeys) {
    if (!toolKeys.isEmpty()) {
      LOG.warn("the snapshot holds keys etcd-backup wrote (--lock): {}; they are bound to a lease and expire after "
          + "its TTL once the restored cluster runs", toolKeys);
    }
    LOG.info("restore complete source={} revision={} members={} engine={}", source, revision, written.size(),
        request.engine());
    return new RestoreResult(source, revision, written, moved, request.engine(), toolKeys);
  }

  private static List<RestoreConfig> members(RestoreRequest r) {
    if (!r.allMembers()) {
      return List.of(r.config());
    }
    Path parent = r.outputDir().orElseThrow();
    return r.config().plan().members().stream()
        .map(m -> r.config().forMember(m.name(), parent.resolve(m.name() + ".etcd"))).toList();
  }

  /** Every directory a member's restore would write, with what the writer will want of it. */
  private static List<Path> targets(RestoreConfig cfg) {
    List<Path> t = new ArrayList<>(List.of(cfg.dataDir().toAbsolutePath().normalize()));
    if (cfg.hasDedicatedWalDir()) {
      t.add(cfg.walDir().toAbsolutePath().normalize());
    }
    return t;
  }

  /**
   * Refuses targets that are in the way, unless {@code force}; changes nothing. Even with {@code
   * force}, a target that is a file system root, or that exists and does not look like what it is
   * meant to hold, is refused: {@code --force} moves an old etcd data dir aside, never {@code /} or
   * a home directory given by mistake (issue 13, defect 7).
   */
  private static void preflight(List<RestoreConfig> members, boolean force) throws IOException {
    for (RestoreConfig cfg : members) {
      for (Path t : targets(cfg)) {
        boolean walDir = !t.equals(cfg.dataDir().toAbsolutePath().normalize());
        String flag = walDir ? "--wal-dir " : "--data-dir ";
        if (t.getParent() == null) {
          throw new RefusedException(flag + t + " is a file system root: restore into a directory of its own, "
              + "e.g. /var/lib/etcd");
        }
        if (force && Files.exists(t) && !(Files.isDirectory(t) && FileSync.isEmptyDir(t))) {
          String unlike = walDir ? unlikeWalDir(t) : unlikeDataDir(t);
          if (unlike != null) {
            throw new RefusedException(flag + t + " does not look like an etcd " + (walDir ? "WAL" : "data")
                + " dir (" + unlike + "): nothing was changed; --force moves only those aside; check the path");
          }
        }
        Path part = t.resolveSibling(t.getFileName() + ".part");
        if (!force && Files.exists(part)) {
          throw new RefusedException(part + " exists (an interrupted restore?): remove it, or use --force to move it aside");
        }
        if (!force && Files.exists(t) && (walDir || !(Files.isDirectory(t) && FileSync.isEmptyDir(t)))) {
          throw new RefusedException((walDir ? "--wal-dir " : "--data-dir ") + t + " already exists"
              + (walDir ? "" : " and is not empty") + ": nothing was changed; use --force to move it aside to "
              + t.getFileName() + ".old-<UTC time> (never deleted)");
        }
      }
    }
  }

  /** Why {@code dir} is no etcd data dir, or null if it is one: etcd keeps everything under {@code member/} (3.4, 3.5). */
  private static String unlikeDataDir(Path dir) {
    if (!Files.isDirectory(dir)) {
      return "it is a file";
    }
    return Files.isDirectory(dir.resolve("member")) ? null : "it has no member/ directory";
  }

  /**
   * Why {@code dir} is no dedicated WAL dir, or null if it is one: it holds only segment files
   * {@code <seq>-<index>.wal} and the preallocated {@code <n>.tmp} (etcd server/storage/wal/wal.go).
   */
  private static String unlikeWalDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return "it is a file";
    }
    try (var entries = Files.list(dir)) {
      return entries.map(e -> e.getFileName().toString()).filter(n -> !n.endsWith(".wal") && !n.endsWith(".tmp"))
          .findFirst().map(n -> "it holds " + UserText.quote(n) + ", which is no WAL file").orElse(null);
    }
  }

  /**
   * Moves aside, to {@code <name>.old-<UTC time>}, the leftover {@code .part} dirs of interrupted
   * restores ({@code parts}) or the targets that are in the way (non-empty data dirs, existing WAL
   * dirs); returns where they went.
   */
  private List<Path> moveAside(List<RestoreConfig> members, boolean parts) throws IOException {
    String stamp = BackupId.utcStamp(clock.instant());
    List<Path> moved = new ArrayList<>();
    for (RestoreConfig cfg : members) {
      Path data = cfg.dataDir().toAbsolutePath().normalize();
      for (Path t : targets(cfg)) {
        Path p = parts ? t.resolveSibling(t.getFileName() + ".part") : t;
        boolean inWay = Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            && (!p.equals(data) || !(Files.isDirectory(p) && FileSync.isEmptyDir(p)));
        if (inWay) {
          Path aside = p.resolveSibling(p.getFileName() + ".old-" + stamp);
          Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE);
          LOG.warn("moved aside {} -> {} (--force)", p, aside);
          moved.add(aside);
        }
      }
    }
    return moved;
  }

  private static void requireSpace(List<RestoreConfig> members, long dbSize) throws IOException {
    for (RestoreConfig cfg : members) {
      requireSpace(cfg.dataDir().toAbsolutePath().normalize(), dbSize + PER_MEMBER_OVERHEAD,
          "member " + cfg.name() + " (--data-dir " + cfg.dataDir() + ")");
    }
  }

  /** Refuses when the file system that would hold {@code target} has less than {@code bytes} free. */
  static void requireSpace(Path target, long bytes, String what) throws IOException {
    Path existing = target.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return;
    }
    long free = Files.getFileStore(existing).getUsableSpace();
    long needed = bytes + bytes / 20;
    if (free < needed) {
      throw new RefusedException("not enough disk space for " + what + ": " + needed + " bytes needed, " + free
          + " free on the file system of " + existing + "; nothing was changed");
    }
  }

  private Optional<Path> engineBinary(RestoreRequest r) {
    if (r.engine() != RestoreRequest.Engine.ETCDUTL) {
      return Optional.empty();
    }
    String explicit = env.get("ETCDUTL");
    if (explicit != null && Files.isExecutable(Path.of(explicit))) {
      return Optional.of(Path.of(explicit));
    }
    for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "etcdutl"))) {
        return Optional.of(Path.of(dir, "etcdutl"));
      }
    }
    throw new InvalidInputException("--engine etcdutl needs the etcdutl binary on PATH (or ETCDUTL=/path/to/etcdutl); "
        + "the default --engine native needs none");
  }

  /** etcdutl writes into {@code .part} dirs, renamed like the native writer's, so the guarantees hold. */
  private static RestoredMember runEtcdutl(Path etcdutl, Path db, boolean dbHasTrailer, RestoreConfig cfg, long revision)
      throws IOException {
    Path data = cfg.dataDir().toAbsolutePath().normalize();
    Path dataPart = data.resolveSibling(data.getFileName() + ".part");
    Path wal = cfg.walDir().toAbsolutePath().normalize();
    Path walPart = wal.resolveSibling(wal.getFileName() + ".part");
    List<String> cmd = new ArrayList<>(List.of(etcdutl.toString(), "snapshot", "restore", db.toString(),
        "--name", cfg.name(), "--initial-cluster", cfg.initialCluster(),
        "--initial-cluster-token", cfg.initialClusterToken(),
        "--initial-advertise-peer-urls", cfg.initialAdvertisePeerUrls(), "--data-dir", dataPart.toString()));
    if (cfg.hasDedicatedWalDir()) {
      cmd.addAll(List.of("--wal-dir", walPart.toString()));
    }
    // A fetched backup has no trailer: its SHA-256 was checked against the manifest already.
    if (!dbHasTrailer || cfg.skipHashCheck()) {
      cmd.add("--skip-hash-check");
    }
    if (cfg.bumpRevision() > 0) {
      cmd.addAll(List.of("--bump-revision", Long.toString(cfg.bumpRevision())));
    }
    if (cfg.markCompacted()) {
      cmd.add("--mark-compacted");
    }
    Path log = Files.createTempFile("etcdutl-", ".log");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(30, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new EtcdBackupException("etcdutl snapshot restore did not finish within 30 minutes");
      }
      if (p.exitValue() != 0) {
        String out = Files.readString(log, StandardCharsets.UTF_8).strip();
        deleteQuietly(dataPart);
        deleteQuietly(walPart);
        throw new EtcdBackupException("etcdutl snapshot restore failed (exit " + p.exitValue() + "): "
            + out.substring(Math.max(0, out.length() - 500)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdBackupException("interrupted while etcdutl was restoring", e);
    } finally {
      Files.deleteIfExists(log);
    }
    if (cfg.hasDedicatedWalDir()) {
      Files.move(walPart, wal, StandardCopyOption.ATOMIC_MOVE);
    }
    if (Files.isDirectory(data)) {
      Files.delete(data); // an empty data dir is allowed as a target, as etcdutl allows it
    }
    Files.move(dataPart, data, StandardCopyOption.ATOMIC_MOVE);
    return RestoredMember.of(cfg, revision);
  }

  /** Removes a {@code .part} tree this restore created itself. */
  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", dir, e.getMessage());
    }
  }
}
