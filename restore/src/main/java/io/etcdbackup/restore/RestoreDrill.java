package io.etcdbackup.restore;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.backup.BackupFetcher;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.DrillMode;
import io.etcdbackup.core.run.Durations;
import io.etcdbackup.core.run.Operation;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.Run;
import io.etcdbackup.core.run.RunEvent;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.snapshot.HashKvRules;
import io.etcdbackup.core.snapshot.LiveKeys;
import io.etcdbackup.core.snapshot.OfflineHashKv;
import io.etcdbackup.core.snapshot.SnapshotInspector;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.stream.Spool;
import io.etcdbackup.restore.DrillResult.Figures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restore drill: the chosen backup (the newest by default) fetched with every check a restore
 * makes (download, stored SHA-256, decryption, decompression, raw SHA-256, bbolt, status figures),
 * restored natively into a scratch directory as a one-member cluster with a fresh token, then
 * checked: with an etcd binary, that etcd is started on the data dir on loopback ports of its own
 * (see {@link DrillEtcd}) and asked for its revision, live key count and HashKV at the backup's
 * revision; without one, the restored db file gives them. They must equal what the backup promises
 * ({@link DrillResult#expected()}). The scratch directory is removed whatever the outcome.
 *
 * <p>The restored db has etcd's auth turned off (users and roles kept): the drill's etcd must answer
 * a client that holds none of the source cluster's passwords, and HashKV and the key count, the
 * figures compared, do not cover the auth bucket.
 *
 * <p>A drill never connects to the cluster the backup came from: it reads the store and talks only
 * to the etcd it started itself.
 *
 * <p>Reasons: a figure that differs, or a backup that fails a check, is {@code integrity}; an etcd
 * that exits or does not become healthy within the boot timeout is {@code internal} (the backup
 * passed every offline check, so the fault is in the restore or the drill's environment, neither of
 * which another reason names; {@code unavailable} is kept for the live cluster); a missing backup
 * is {@code not_found}, a store failure {@code store_error}.
 */
public final class RestoreDrill {
  private static final Logger LOG = LoggerFactory.getLogger(RestoreDrill.class);
  private static final String MEMBER = "drill";

  private final Clock clock;

  public RestoreDrill(Clock clock) {
    this.clock = clock;
  }

  /** Runs one drill as an {@link Operation#DRILL} run reported to {@code listener}. */
  public DrillResult run(BackupRepository repository, DrillRequest request, RunListener listener, Cancellation cancel)
      throws IOException {
    Run run = new Run(Operation.DRILL, request.cluster().orElse(""), listener, cancel, clock);
    run.emit(new RunEvent.Drill(request.mode()));
    Manifest m = null;
    DrillResult result;
    try {
      m = repository.select(request.cluster(), request.selector());
      // The drill spools inside its own directory; its parent is where the other runs spool by default.
      Spool.removeLeftovers(request.scratchDir());
      Path scratch = Files.createTempDirectory(request.scratchDir(), "etcd-backup-drill-");
      try {
        result = drill(repository, m, request, scratch, run);
      } finally {
        deleteTree(scratch);
      }
    } catch (IOException e) {
      throw run.failed(logFailure(request, m, run, e));
    } catch (RuntimeException e) {
      throw run.failed(logFailure(request, m, run, e));
    }
    Figures f = result.observed();
    LOG.info("drill cluster={} id={} rev={} keys={} hashkv={} mode={} outcome=success duration={} checked-by={}",
        m.clusterName(), m.id(), f.revision(), f.keys(), f.hashKv(), result.mode().label(),
        Durations.format(result.elapsed()), result.checkedBy());
    return run.succeeded(result);
  }

  /** The drill's one log line when it fails (with the figures, in the message of a mismatch); returns {@code e}. */
  private static <X extends Exception> X logFailure(DrillRequest request, Manifest m, Run run, X e) {
    Reason reason = run.cancellation().isCancelled() ? Reason.CANCELLED : Reason.of(e);
    LOG.warn("drill cluster={} id={} mode={} outcome=failure reason={} duration={}: {}",
        m == null ? request.cluster().orElse("-") : m.clusterName(), m == null ? "-" : m.id(), request.mode().label(),
        reason.label(), Durations.format(run.elapsed()), e.getMessage());
    return e;
  }

  private DrillResult drill(BackupRepository repository, Manifest m, DrillRequest request, Path scratch, Run run)
      throws IOException {
    try (BackupFetcher.Fetched fetched = new BackupFetcher(repository).fetch(m, request.decryption(), scratch, run)) {
      int[] ports = request.mode() == DrillMode.BOOT ? DrillEtcd.freeLoopbackPorts() : null;
      // Offline, nothing listens: the peer URL only has to be well formed.
      String peer = ports != null ? DrillEtcd.loopbackUrl(ports[1]) : RestoreConfig.DEFAULT_PEER_URL;
      RestoreConfig cfg = RestoreConfig.builder().name(MEMBER).initialCluster(MEMBER + "=" + peer)
          .initialClusterToken("etcd-backup-drill-" + UUID.randomUUID()).initialAdvertisePeerUrls(peer)
          .dataDir(scratch.resolve(MEMBER + ".etcd")).authOff(true).build();
      RestoredMember member = run.phase(Phase.WRITE, span -> DataDirWriter.writeMember(fetched.rawDb(), cfg));
      return run.<DrillResult, IOException>phase(Phase.BOOT, span -> check(m, fetched.rawDb(), member, ports, request, scratch, run));
    }
  }

  /** BOOT: the restored data dir's figures, from the etcd booted on it ({@code ports} given) or from its db. */
  private DrillResult check(Manifest m, Path rawDb, RestoredMember member, int[] ports, DrillRequest request, Path scratch,
      Run run) throws IOException {
    if (ports == null) {
      Path db = member.dataDir().resolve("member").resolve("snap").resolve("db");
      HashKvRules rules = sourceRules(m);
      Figures observed = new Figures(SnapshotInspector.status(db).revision(), LiveKeys.count(db),
          OfflineHashKv.compute(db, m.revision(), rules).hash());
      return compare(m, expected(m, rawDb, rules), observed, DrillMode.OFFLINE, "offline", run);
    }
    try (DrillEtcd etcd = DrillEtcd.start(request.etcdBinary().orElseThrow(), member, ports[0], ports[1],
        scratch.resolve("etcd.log"))) {
      etcd.awaitHealthy(request.bootTimeout(), run.cancellation());
      DrillEtcd.Answer a = etcd.answer(m.revision());
      Figures expected = expected(m, rawDb, rulesOf(a.version()));
      return compare(m, expected, new Figures(a.revision(), a.keys(), a.hashKv()), DrillMode.BOOT,
          "etcd " + a.version(), run);
    }
  }

  /**
   * What the backup promises: its revision, and the live keys and HashKV at that revision of the
   * downloaded db (checked against the manifest by the fetch), HashKV also against the manifest's
   * own record when the backup recorded one under the same rules.
   */
  private static Figures expected(Manifest m, Path rawDb, HashKvRules rules) throws IOException {
    long hash = OfflineHashKv.compute(rawDb, m.revision(), rules).hash();
    Manifest.HashKvCheck recorded = m.verification() == null ? null : m.verification().hashKv();
    if (recorded != null && recorded.fileHash() != null && recorded.revision() == m.revision()
        && rules == sourceRules(m) && recorded.fileHash() != hash) {
      throw new IntegrityException("backup " + m.id() + " of " + m.clusterName() + ": HashKV at revision "
          + m.revision() + " of the downloaded db is " + hash + ", the manifest recorded " + recorded.fileHash());
    }
    return new Figures(m.revision(), LiveKeys.count(rawDb), hash);
  }

  private DrillResult compare(Manifest m, Figures expected, Figures observed, DrillMode mode, String checkedBy, Run run) {
    if (!expected.equals(observed)) {
      throw new IntegrityException("drill of backup " + m.id() + " of " + m.clusterName() + ": " + checkedBy
          + " gives " + observed + ", the backup promises " + expected);
    }
    return new DrillResult(m, mode, expected, observed, checkedBy, run.elapsed());
  }

  /** The HashKV rules of the member the backup came from (offline), or the newest rules if it is unknown. */
  private static HashKvRules sourceRules(Manifest m) {
    return m.source() == null || m.source().etcdVersion() == null ? HashKvRules.COMPACT_TOMBSTONE_SKIPPED
        : rulesOf(m.source().etcdVersion());
  }

  private static HashKvRules rulesOf(String etcdVersion) {
    try {
      return HashKvRules.forEtcdVersion(etcdVersion);
    } catch (IllegalArgumentException e) {
      return HashKvRules.COMPACT_TOMBSTONE_SKIPPED;
    }
  }

  /** Removes the scratch dir; a failure to do so is logged, never hides the drill's own outcome. */
  private static void deleteTree(Path dir) {
    try {
      FileSync.deleteTree(dir);
    } catch (IOException e) {
      LOG.warn("drill: cannot remove the scratch dir {}: {}", dir, e.getMessage());
    }
  }
}
