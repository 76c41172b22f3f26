package io.etcdbackup.restore;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.RefusedException;
import io.etcdbackup.core.bbolt.BucketEntryVisitor;
import io.etcdbackup.core.snapshot.SnapshotStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes restored etcd member data dirs from a verified raw snapshot db (the bbolt image without
 * the SHA-256 trailer), natively: the result is what {@code etcdutl snapshot restore} 3.5.30
 * writes with the same flags, and etcd 3.4 and 3.5 start from it.
 *
 * <h2>What is written</h2>
 * <pre>
 * &lt;data-dir&gt;/member/snap/db                          bbolt, 0600 (see DbRewriter)
 * &lt;data-dir&gt;/member/snap/0000000000000001-&lt;N %016x&gt;.snap   0600, byte-identical to etcdutl's
 * &lt;wal-dir&gt;/0000000000000000-0000000000000000.wal     0600, byte-identical to etcdutl's up to its zero tail
 * </pre>
 * Directories are 0700. N is the number of members. etcd writes the {@code .snap} with mode
 * 0666 minus umask; 0600 here is stricter, and etcd only ever reads it as the owner.
 *
 * <h2>Atomicity and safety</h2>
 * The writer never deletes or overwrites data it did not create. The data dir must not exist, or
 * be an empty directory (as etcdutl allows; e.g. a mount point); the orchestration layer decides
 * about non-empty targets before calling. A missing data dir is written as
 * {@code <data-dir>.part} and renamed; an existing empty one receives {@code member.part},
 * renamed to {@code member}. A {@code --wal-dir} outside that tree must not exist (etcdutl's rule)
 * and is written as {@code <wal-dir>.part} and renamed first, so that a crash between the two
 * renames leaves a WAL without a data dir, which etcd refuses to start from, rather than a data
 * dir without its WAL, which etcd would bootstrap as a new empty cluster. Every file and
 * directory is fsynced before its rename and the parent after it. On failure, everything this
 * call created is removed (renamed members are moved back first), so nothing remains under the
 * final names. An existing {@code .part} is refused, never deleted.
 *
 * <h2>WAL preallocation</h2>
 * etcd's {@code wal.Create} fallocates the segment to 64,000,000 bytes. {@link
 * RestoreConfig#preallocateWal()} is off by default: Java cannot fallocate, so the only possible
 * "preallocation" is a sparse zero tail, which reserves no disk space and so brings none of the
 * benefit etcd wants from it; etcd does not need it (its WAL decoder stops at end of file exactly
 * as at a zero length word, and it cuts and preallocates new segments itself as the WAL grows;
 * etcd 3.4.23 and 3.5.30 starting from a short WAL is covered by the ITs). Turn it on only for
 * size parity with etcdutl's output.
 *
 * <h2>Starting etcd</h2>
 * {@link RestoredMember#etcdFlags()} gives {@code --name --data-dir [--wal-dir]
 * --initial-advertise-peer-urls --initial-cluster --initial-cluster-token}, the values the data dir
 * was written for. Add the member's usual listen/advertise client URLs, {@code --listen-peer-urls}
 * covering its peer URLs, and TLS flags. {@code --initial-cluster-state} is not needed: etcd sees
 * the WAL and takes its restart path ({@code etcdserver.NewServer}, case {@code haveWAL}), which
 * ignores {@code --initial-cluster*} and takes ids and membership from the WAL and {@code .snap}.
 * Only {@code --name} and the directories must be right; the other flags are printed so that the
 * command line agrees with the membership it runs. All members of a restored cluster must start
 * from data dirs of the same restore (same {@code --initial-cluster} and token).
 */
public final class DataDirWriter {
  private static final Logger LOG = LoggerFactory.getLogger(DataDirWriter.class);

  private DataDirWriter() {}

  /**
   * What a restore asks of a write beyond the data dirs themselves.
   *
   * @param sourceVisitor sees every bucket and entry of the source db in the one pass that checks
   *     and rewrites it; {@code null} for none
   * @param beforeCommit runs once every member is staged, before the first rename, with the
   *     source's status figures from that pass; what it throws aborts the write, so nothing is
   *     renamed into a target and every {@code .part} is removed
   * @param replacing whether {@code beforeCommit} moves targets that are in the way aside: they are
   *     staged beside then, instead of refused (a commit still refuses a target that exists)
   */
  record Options(BucketEntryVisitor sourceVisitor, Gate beforeCommit, boolean replacing) {
    static final Options NONE = new Options(null, status -> { }, false);
  }

  /** The last step before anything is renamed into place. */
  @FunctionalInterface
  interface Gate {
    /** Throws if the write must not be committed; {@code source}: the source db's status figures. */
    void pass(SnapshotStatus source) throws IOException;
  }

  /**
   * Writes the data dir of the member {@code config} describes.
   *
   * @param verifiedDb a raw etcd backend db whose integrity the caller has checked (its bbolt
   *     structure is checked again, for free, by the pass that rewrites it)
   * @throws RefusedException if a target exists (and is not an empty data dir) or a {@code .part} is in the way
   */
  public static RestoredMember writeMember(Path verifiedDb, RestoreConfig config) throws IOException {
    return writeMember(verifiedDb, config, Options.NONE);
  }

  /** {@link #writeMember(Path, RestoreConfig)} with a restore's {@link Options}. */
  static RestoredMember writeMember(Path db, RestoreConfig config, Options options) throws IOException {
    return writeAll(db, List.of(config), options).get(0);
  }

  /**
   * Writes {@code <parentDir>/<name>.etcd} for every member of {@code template}'s
   * {@code --initial-cluster}, all of one cluster: same cluster id, each member its own id, WAL
   * and {@code .snap}; the db is rewritten once and copied. {@code template}'s name, data and WAL
   * dirs are not used ({@link RestoreConfig.Builder#buildClusterTemplate()} makes one from the
   * cluster flags alone). Either every member is written or none is.
   *
   * @return the members in id order
   */
  public static List<RestoredMember> writeCluster(Path verifiedDb, Path parentDir, RestoreConfig template)
      throws IOException {
    return writeCluster(verifiedDb, parentDir, template, Options.NONE);
  }

  /** {@link #writeCluster(Path, Path, RestoreConfig)} with a restore's {@link Options}. */
  static List<RestoredMember> writeCluster(Path db, Path parentDir, RestoreConfig template, Options options)
      throws IOException {
    List<RestoreConfig> configs = new ArrayList<>();
    for (PlannedMember m : template.plan().members()) {
      if (m.name().indexOf('/') >= 0 || m.name().indexOf('\0') >= 0) {
        throw new InvalidInputException("--initial-cluster member name " + GoJson.quote(m.name())
            + " cannot name a directory <dir>/<name>.etcd: restore such a member alone with --data-dir");
      }
      configs.add(template.forMember(m.name(), parentDir.resolve(m.name() + ".etcd")));
    }
    return writeAll(db, configs, options);
  }

  private static List<RestoredMember> writeAll(Path db, List<RestoreConfig> configs, Options options)
      throws IOException {
    List<MemberJob> jobs = new ArrayList<>();
    List<RestoredMember> result = new ArrayList<>();
    try {
      Path firstDb = null;
      DbRewriter.Result rewritten = null;
      for (RestoreConfig cfg : configs) {
        MemberJob job = new MemberJob(cfg, options.replacing());
        jobs.add(job);
        job.createDirs();
        if (firstDb == null) {
          rewritten = DbRewriter.rewrite(db, job.dbFile(), cfg.plan(), cfg.bumpRevision(), cfg.authOff(),
              options.sourceVisitor());
          Files.setPosixFilePermissions(job.dbFile(), FileSync.FILE_MODE);
          FileSync.fsyncFile(job.dbFile());
          firstDb = job.dbFile();
        } else {
          FileSync.copyNewFile(firstDb, job.dbFile());
        }
        job.writeSnapAndWal();
      }
      options.beforeCommit().pass(rewritten.source());
      for (MemberJob job : jobs) {
        job.commit();
      }
      for (MemberJob job : jobs) {
        RestoredMember m = job.result(rewritten.revision());
        LOG.info("restored member name={} id={} cluster={} revision={} data-dir={} wal-dir={}", m.name(),
            m.memberIdHex(), m.clusterIdHex(), m.revision(), m.dataDir(), m.walDir());
        result.add(m);
      }
      return result;
    } catch (IOException | RuntimeException | Error e) {
      for (int i = jobs.size() - 1; i >= 0; i--) {
        try {
          jobs.get(i).abort();
        } catch (IOException | RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  /** One member's stages: its data dir and, when it lives elsewhere, its WAL dir. */
  private static final class MemberJob {
    private final RestoreConfig cfg;
    private final ClusterPlan plan;
    private final PlannedMember local;
    private final Path dataDir;
    private final Path walDir;
    private final Stage dataStage;
    private final Stage walStage; // null when the WAL dir is inside dataStage

    MemberJob(RestoreConfig cfg, boolean replacing) throws IOException {
      this.cfg = cfg;
      this.plan = cfg.plan();
      this.local = plan.forMember(cfg.name());
      this.dataDir = cfg.dataDir().toAbsolutePath().normalize();
      this.walDir = cfg.walDir().toAbsolutePath().normalize();
      this.dataStage = dataStage(dataDir, replacing);
      checkWalDir();
      this.walStage = dataStage.covers(walDir) ? null
          : replacing ? Stage.replacing(walDir, "--wal-dir " + walDir) : Stage.beside(walDir, "--wal-dir " + walDir);
    }

    private static Stage dataStage(Path dataDir, boolean replacing) throws IOException {
      if (!Files.exists(dataDir)) {
        return Stage.beside(dataDir, "--data-dir " + dataDir);
      }
      boolean empty = Files.isDirectory(dataDir) && FileSync.isEmptyDir(dataDir);
      if (replacing && !empty) {
        return Stage.replacing(dataDir, "--data-dir " + dataDir); // moved aside before the commit
      }
      if (!Files.isDirectory(dataDir)) {
        throw new RefusedException("--data-dir " + dataDir + " exists and is not a directory");
      }
      if (!empty) {
        throw new RefusedException("--data-dir " + dataDir + " is not empty: a restore writes only to a new or "
            + "empty data dir");
      }
      // etcdutl accepts an existing empty data dir (a mount point, typically): fill it in place.
      Path member = dataDir.resolve("member");
      return Stage.beside(member, "--data-dir " + dataDir);
    }

    private void checkWalDir() {
      Path member = dataDir.resolve("member");
      if (walDir.equals(dataDir) || walDir.equals(member) || walDir.startsWith(member.resolve("snap"))) {
        throw new InvalidInputException("--wal-dir " + walDir + " must not be the data dir, its member dir or "
            + "inside its snap dir");
      }
      if (dataDir.startsWith(walDir)) {
        throw new InvalidInputException("--data-dir " + dataDir + " must not be inside --wal-dir " + walDir);
      }
    }

    Path dbFile() {
      return dataStage.staged(snapDir()).resolve("db");
    }

    private Path snapDir() {
      return dataDir.resolve("member").resolve("snap");
    }

    void createDirs() throws IOException {
      if (walStage != null) {
        walStage.create();
      }
      dataStage.create();
      mkdirsInside(dataStage, snapDir());
      if (walStage == null) {
        mkdirsInside(dataStage, walDir);
      }
    }

    /** Creates {@code dir}'s missing directories below the stage's root, each 0700. */
    private static void mkdirsInside(Stage stage, Path dir) throws IOException {
      Path rel = stage.target().relativize(dir);
      Path p = stage.staged(stage.target());
      for (Path name : rel) {
        p = p.resolve(name.toString());
        if (!Files.isDirectory(p)) {
          FileSync.createPrivateDir(p);
        }
      }
    }

    void writeSnapAndWal() throws IOException {
      Path snapDir = dataStage.staged(snapDir());
      FileSync.writeNewFile(snapDir.resolve(SnapFile.fileName(plan)), SnapFile.encode(plan), 0);
      FileSync.fsyncDir(snapDir);
      Path stagedWal = walStage != null ? walStage.staged(walDir) : dataStage.staged(walDir);
      long length = cfg.preallocateWal() ? WalFile.SEGMENT_SIZE_BYTES : 0;
      FileSync.writeNewFile(stagedWal.resolve(WalFile.FILE_NAME), WalFile.encode(plan, local), length);
      FileSync.fsyncDir(stagedWal);
      fsyncStagedParents(dataStage, snapDir());
      if (walStage == null) {
        fsyncStagedParents(dataStage, walDir);
      }
    }

    /** fsyncs every staged directory strictly between the stage root and {@code dir}'s parent, bottom-up. */
    private static void fsyncStagedParents(Stage stage, Path dir) throws IOException {
      for (Path p = dir.getParent(); p != null && p.startsWith(stage.target()); p = p.getParent()) {
        FileSync.fsyncDir(stage.staged(p));
      }
    }

    /** WAL first: a crash between the renames must not leave a data dir without its WAL. */
    void commit() throws IOException {
      if (walStage != null) {
        walStage.commit();
      }
      dataStage.commit();
    }

    void abort() throws IOException {
      IOException first = null;
      for (Stage s : walStage == null ? List.of(dataStage) : List.of(dataStage, walStage)) {
        try {
          s.abort();
        } catch (IOException e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      if (first != null) {
        throw first;
      }
    }

    RestoredMember result(long revision) {
      return RestoredMember.of(cfg, revision);
    }
  }
}
