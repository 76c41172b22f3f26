package io.etcdbackup.cli;

import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupSelector;
import io.etcdbackup.core.stream.AgeDecryption;
import io.etcdbackup.restore.DrillRequest;
import io.etcdbackup.restore.DrillResult;
import io.etcdbackup.restore.RestoreDrill;
import io.etcdbackup.scheduler.JobRunner;
import io.etcdbackup.scheduler.ScheduleConfig;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The daemon's {@code drill} jobs: the same {@link RestoreDrill} as {@code etcd-backup drill}, of
 * the newest backup. Here, in the command line module, because the scheduler module does not
 * depend on the restore module.
 */
final class ScheduledDrills implements JobRunner {
  private final ScheduleConfig config;
  private final BackupRepository repository;
  private final Clock clock;

  ScheduledDrills(ScheduleConfig config, BackupRepository repository, Clock clock) {
    this.config = config;
    this.repository = repository;
    this.clock = clock;
  }

  @Override
  public Result run(ScheduleConfig.Job job, RunListener listener, Cancellation cancel) {
    try {
      ScheduleConfig.DrillSpec spec = (ScheduleConfig.DrillSpec) job.spec();
      Path scratch = spec.scratchDir()
          .orElse(config.spoolDir().orElse(Path.of(System.getProperty("java.io.tmpdir"))));
      DrillRequest request = new DrillRequest(config.clusterName(), BackupSelector.parse("latest"),
          spec.identityFile().map(f -> AgeDecryption.withIdentities(AgeDecryption.readIdentityFile(f))), scratch,
          spec.drillEtcd(), spec.bootTimeout().orElse(null));
      DrillResult r = new RestoreDrill(clock).run(repository, request, listener, cancel);
      return Result.ok("drill of " + r.manifest().id() + " (" + r.mode().label() + "): revision "
          + r.observed().revision() + ", " + r.observed().keys() + " keys, hashkv " + r.observed().hashKv());
    } catch (RuntimeException e) {
      return Result.failed(e);
    } catch (Exception e) {
      return Result.failed(e);
    }
  }
}
