package io.etcdbackup.scheduler;

import io.etcdbackup.core.backup.BackupFetcher;
import io.etcdbackup.core.backup.BackupResult;
import io.etcdbackup.core.backup.EtcdSnapshotSource;
import io.etcdbackup.core.backup.SnapshotBackup;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.stream.AgeDecryption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The runners of {@code backup} and {@code verify}: the same engine calls as {@code snapshot} and
 * {@code verify --newest}. A {@code drill} goes to the runner given for it (the restore module's,
 * wired by the command, since the scheduler depends on backup-core and storage only).
 */
public final class EngineJobs implements JobRunner {
  private final ScheduleConfig config;
  private final EtcdClients clients;
  private final BackupRepository repository;
  private final Clock clock;
  private final String toolVersion;
  private final JobRunner drills;

  public EngineJobs(ScheduleConfig config, EtcdClients clients, BackupRepository repository, Clock clock, String toolVersion,
      JobRunner drills) {
    this.drills = drills;
    this.config = config;
    this.clients = clients;
    this.repository = repository;
    this.clock = clock;
    this.toolVersion = toolVersion;
  }

  @Override
  public Result run(ScheduleConfig.Job job, RunListener listener, Cancellation cancel) {
    try {
      if (job.spec() instanceof ScheduleConfig.BackupSpec b) {
        return backup(b, listener, cancel);
      }
      if (job.spec() instanceof ScheduleConfig.DrillSpec) {
        return drills.run(job, listener, cancel);
      }
      return verify((ScheduleConfig.VerifySpec) job.spec(), listener, cancel);
    } catch (RuntimeException e) {
      return Result.failed(e);
    }
  }

  private Result backup(ScheduleConfig.BackupSpec spec, RunListener listener, Cancellation cancel) {
    BackupResult r = new SnapshotBackup(clients, new EtcdSnapshotSource(clients, spec.request().retry().streamIdleTimeout()),
        repository, clock, toolVersion).run(spec.request(), listener, cancel);
    String pruned = r.pruning().map(p -> p.ok() ? "" : ", retention failed: " + p.message()).orElse("");
    return new Result(r.reason(), "backup " + r.manifest().id() + " revision " + r.manifest().revision() + pruned);
  }

  private Result verify(ScheduleConfig.VerifySpec spec, RunListener listener, Cancellation cancel) {
    Optional<AgeDecryption> decryption = spec.identityFile()
        .map(f -> AgeDecryption.withIdentities(AgeDecryption.readIdentityFile(f)));
    Path spool = config.spoolDir().orElse(Path.of(System.getProperty("java.io.tmpdir")));
    List<BackupFetcher.Checked> checked = new BackupFetcher(repository).verifyAll(
        repository.resolveSeries(config.clusterName()), spec.newest(), decryption, spool, listener, cancel, clock);
    List<BackupFetcher.Checked> failed = checked.stream().filter(c -> !c.ok()).toList();
    if (failed.isEmpty()) {
      return Result.ok(checked.size() + " verified");
    }
    BackupFetcher.Checked first = failed.get(0);
    Reason reason = first.reason();
    return new Result(reason, failed.size() + " of " + checked.size() + " failed, first " + first.key() + ": " + first.message());
  }
}
