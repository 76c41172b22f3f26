package io.etcdbackup.core.metrics;

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
  public static final String RETENTION_DELETED = "etcd_backup_retention_deleted_total";
  public static final String RETENTION_KEPT = "etcd_backup_retention_kept";
  public static final String EXPECTED_INTERVAL = "etcd_backup_expected_interval_seconds";

  // --- what the store holds (the exporter) ---
  public static final String STORE_BACKUPS = "etcd_backup_store_backups";
  public static final String STORE_NEWEST = "etcd_backup_store_newest_timestamp_seconds";
  public static final String STORE_OLDEST = "etcd_backup_store_oldest_timestamp_seconds";
  public static final String STORE_NEWEST_REVISION = "etcd_backup_store_newest_revision";
  public static final String STORE_BYTES = "etcd_backup_store_bytes";
  public static final String STORE_UNREADABLE = "etcd_backup_store_unreadable_manifests";
  public static final String STORE_SCRAPE_SUCCESS = "etcd_backup_store_scrape_success";
  public static final String STORE_LAST_REFRESH = "etcd_backup_store_last_refresh_timestamp_seconds";

  /** The store kind label of a store location ({@code s3://...} or a directory). */
  public static String storeKind(String location) {
    return location.startsWith("s3://") ? "s3" : "file";
  }
}
