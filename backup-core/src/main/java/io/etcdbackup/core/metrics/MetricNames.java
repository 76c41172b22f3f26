package io.etcdbackup.core.metrics;

import io.etcdbackup.core.run.DrillMode;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Reason;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every metric etcd-backup exports, by its Prometheus name (docs/metrics.md), and the only label
 * names and values it uses. Labels come from small fixed sets, never from a message, a key, a URL
 * or an id: {@link #CLUSTER} is the series name (validated by {@code Layout.checkClusterName}),
 * {@link #STORE} the store's kind, {@link #OUTCOME}, {@link #REASON} and {@link #PHASE} the
 * engine's enums.
 *
 * <p>Names are given here as Prometheus shows them; Micrometer meters are registered under the
 * dotted form {@link #meter} derives (Micrometer appends {@code _seconds}, {@code _total} and
 * {@code _bytes} from the meter's type and base unit).
 */
public final class MetricNames {
  private MetricNames() {}

  // --- labels ---
  public static final String CLUSTER = "cluster";
  public static final String STORE = "store";
  public static final String OUTCOME = "outcome";
  public static final String REASON = "reason";
  public static final String PHASE = "phase";
  /** A drill's mode, on the drill metrics only. */
  public static final String MODE = "mode";

  /** {@link #STORE} values. */
  public static final Set<String> STORE_KINDS = Set.of("s3", "file");
  /** {@link #OUTCOME} values. */
  public static final String SUCCESS = "success";
  public static final String FAILURE = "failure";
  public static final Set<String> OUTCOMES = Set.of(SUCCESS, FAILURE);
  /** {@link #REASON} values: {@link Reason#label()}. */
  public static final Set<String> REASONS = Arrays.stream(Reason.values()).map(Reason::label).collect(Collectors.toSet());
  /** {@link #PHASE} values: {@link Phase#label()}. */
  public static final Set<String> PHASES = Arrays.stream(Phase.values()).map(Phase::label).collect(Collectors.toSet());
  /** {@link #MODE} values: {@link DrillMode#label()} ({@code boot}, {@code offline}). */
  public static final Set<String> MODES = Arrays.stream(DrillMode.values()).map(DrillMode::label).collect(Collectors.toSet());

  // --- what each run reports (snapshot, prune, verify; pushed or written to a file) ---
  public static final String LAST_SUCCESS = "etcd_backup_last_success_timestamp_seconds";
  public static final String LAST_ATTEMPT = "etcd_backup_last_attempt_timestamp_seconds";
  public static final String LAST_FAILURE = "etcd_backup_last_failure_timestamp_seconds";
  public static final String RUNS = "etcd_backup_runs_total";
  public static final String PHASE_DURATION = "etcd_backup_phase_duration_seconds";
  public static final String DURATION = "etcd_backup_duration_seconds";
  public static final String DB_SIZE = "etcd_backup_db_size_bytes";
  public static final String STORED_SIZE = "etcd_backup_stored_size_bytes";
  public static final String REVISION = "etcd_backup_revision";
  public static final String KEYS = "etcd_backup_keys";
  public static final String VERIFY_FAILURES = "etcd_backup_verify_failures_total";
  public static final String VERIFY_LAST_SUCCESS = "etcd_backup_verify_last_success_timestamp_seconds";
  public static final String VERIFY_LAST_FAILURE = "etcd_backup_verify_last_failure_timestamp_seconds";
  public static final String RETENTION_DELETED = "etcd_backup_retention_deleted_total";
  public static final String RETENTION_KEPT = "etcd_backup_retention_kept";
  public static final String RETENTION_FAILURES = "etcd_backup_retention_failures_total";
  public static final String RETENTION_LAST_SUCCESS = "etcd_backup_retention_last_success_timestamp_seconds";
  public static final String EXPECTED_INTERVAL = "etcd_backup_expected_interval_seconds";
  // --- restore drills (etcd-backup drill, the scheduler's drill job); every series also has {@link #MODE} ---
  public static final String DRILL_LAST_SUCCESS = "etcd_backup_drill_last_success_timestamp_seconds";
  public static final String DRILL_LAST_FAILURE = "etcd_backup_drill_last_failure_timestamp_seconds";
  public static final String DRILL_DURATION = "etcd_backup_drill_duration_seconds";
  public static final String DRILL_RUNS = "etcd_backup_drill_runs_total";

  // --- what the store holds (the exporter) ---
  public static final String STORE_BACKUPS = "etcd_backup_store_backups";
  public static final String STORE_NEWEST = "etcd_backup_store_newest_timestamp_seconds";
  public static final String STORE_OLDEST = "etcd_backup_store_oldest_timestamp_seconds";
  public static final String STORE_NEWEST_REVISION = "etcd_backup_store_newest_revision";
  public static final String STORE_BYTES = "etcd_backup_store_bytes";
  public static final String STORE_UNREADABLE = "etcd_backup_store_unreadable_manifests";
  public static final String STORE_SCRAPE_SUCCESS = "etcd_backup_store_scrape_success";
  public static final String STORE_LAST_REFRESH = "etcd_backup_store_last_refresh_timestamp_seconds";

  private static final java.util.Map<String, String> HELP = java.util.Map.ofEntries(
      java.util.Map.entry(LAST_SUCCESS, "When the last backup of the series was committed (Unix seconds)."),
      java.util.Map.entry(LAST_ATTEMPT, "When the last backup run of the series started (Unix seconds)."),
      java.util.Map.entry(LAST_FAILURE, "When the last backup run of the series failed (Unix seconds)."),
      java.util.Map.entry(RUNS, "Backup runs by outcome and reason (a one-shot process counts its own run)."),
      java.util.Map.entry(PHASE_DURATION, "How long each phase of a run took."),
      java.util.Map.entry(DURATION, "How long the last backup run took, start to end."),
      java.util.Map.entry(DB_SIZE, "Size of the last committed backup's raw db (etcdutl TotalSize)."),
      java.util.Map.entry(STORED_SIZE, "Bytes the last committed backup takes in the store (compressed, encrypted)."),
      java.util.Map.entry(REVISION, "etcd revision of the last committed backup."),
      java.util.Map.entry(KEYS, "Keys in the last committed backup (etcdutl TotalKey)."),
      java.util.Map.entry(VERIFY_FAILURES, "Backups that failed verification, by reason."),
      java.util.Map.entry(VERIFY_LAST_SUCCESS, "When a verification last passed with no failure in its run (Unix seconds)."),
      java.util.Map.entry(VERIFY_LAST_FAILURE, "When a backup last failed verification (Unix seconds)."),
      java.util.Map.entry(RETENTION_DELETED, "Backups retention deleted."),
      java.util.Map.entry(RETENTION_KEPT, "Backups the last retention run kept."),
      java.util.Map.entry(RETENTION_FAILURES, "Retention runs that failed, by reason."),
      java.util.Map.entry(RETENTION_LAST_SUCCESS, "When a retention run last completed (Unix seconds)."),
      java.util.Map.entry(DRILL_LAST_SUCCESS, "When a restore drill of the series last succeeded (Unix seconds)."),
      java.util.Map.entry(DRILL_LAST_FAILURE, "When a restore drill of the series last failed (Unix seconds)."),
      java.util.Map.entry(DRILL_DURATION, "How long the last restore drill took, start to end."),
      java.util.Map.entry(DRILL_RUNS, "Restore drills by outcome and reason (a one-shot process counts its own run)."),
      java.util.Map.entry(EXPECTED_INTERVAL, "How often the backup job is meant to run (--expected-interval or the schedule)."));

  /** The HELP text of a metric this class names. */
  public static String help(String prometheusName) {
    String h = HELP.get(prometheusName);
    if (h == null) {
      throw new IllegalArgumentException("no help text for " + prometheusName);
    }
    return h;
  }

  /**
   * The Micrometer name of a counter or timer whose Prometheus name is {@code prometheusName}: the
   * registry appends {@code _total} to counters and {@code _seconds} to timers itself.
   */
  public static String meter(String prometheusName) {
    if (prometheusName.endsWith("_total")) {
      return prometheusName.substring(0, prometheusName.length() - "_total".length());
    }
    if (prometheusName.endsWith("_seconds")) {
      return prometheusName.substring(0, prometheusName.length() - "_seconds".length());
    }
    return prometheusName;
  }

  /** The store kind label of a store location ({@code s3://...} or a directory). */
  public static String storeKind(String location) {
    return location.startsWith("s3://") ? "s3" : "file";
  }
}
