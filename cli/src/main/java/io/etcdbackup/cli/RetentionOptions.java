package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.retention.RetentionPolicy;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The retention policy's flags (docs/retention.md): {@code prune} requires a rule, {@code snapshot}
 * prunes after its commit when one is given. Each reads {@code ETCD_BACKUP_<FLAG>} like every
 * other flag, so a CronJob can set the policy in its environment.
 */
final class RetentionOptions {
  @Option(names = "--keep-last", paramLabel = "N", description = "Keep the newest N backups.")
  Integer keepLast;

  @Option(names = "--keep-within", paramLabel = "DURATION", converter = GoDuration.class,
      description = "Keep every backup that started within this long before now (72h, 14d).")
  Duration keepWithin;

  @Option(names = "--keep-hourly", paramLabel = "N",
      description = "Keep the newest backup of each of the last N hours that have one (UTC).")
  Integer keepHourly;

  @Option(names = "--keep-daily", paramLabel = "N", description = "Likewise for days (UTC).")
  Integer keepDaily;

  @Option(names = "--keep-weekly", paramLabel = "N", description = "Likewise for ISO weeks (UTC).")
  Integer keepWeekly;

  @Option(names = "--keep-monthly", paramLabel = "N", description = "Likewise for months (UTC).")
  Integer keepMonthly;

  @Option(names = "--keep-yearly", paramLabel = "N", description = "Likewise for years (UTC).")
  Integer keepYearly;

  @Option(names = "--max-total-size", paramLabel = "SIZE", converter = ByteSize.class,
      description = "Delete the oldest backups until the series' stored bytes fit (50GiB); the floor still holds.")
  Long maxTotalSize;

  @Option(names = "--min-keep", paramLabel = "N",
      description = "Never delete the newest N backups whose checks passed (default 3).")
  Integer minKeep;

  @Option(names = "--prune-grace", paramLabel = "DURATION", converter = GoDuration.class,
      description = "Never delete a backup younger than this (default 1h).")
  Duration pruneGrace;

  /** The policy, or empty when no flag of it is given; the floor's flags alone are an error. */
  Optional<RetentionPolicy> policy() {
    RetentionPolicy p = RetentionPolicy.builder().keepLast(keepLast).keepWithin(keepWithin).keepHourly(keepHourly)
        .keepDaily(keepDaily).keepWeekly(keepWeekly).keepMonthly(keepMonthly).keepYearly(keepYearly)
        .maxTotalSize(maxTotalSize).minKeep(minKeep).pruneGrace(pruneGrace).build();
    if (p.isEmpty()) {
      if (minKeep != null || pruneGrace != null) {
        throw new InvalidInputException((minKeep != null ? "--min-keep" : "--prune-grace")
            + " is given without a retention rule: add one of --keep-last, --keep-within, --keep-hourly, --keep-daily, "
            + "--keep-weekly, --keep-monthly, --keep-yearly, --max-total-size");
      }
      return Optional.empty();
    }
    return Optional.of(p);
  }
}
