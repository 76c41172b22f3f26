package io.etcdbackup.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.UnavailableException;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.DrillMode;
import io.etcdbackup.core.run.Operation;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Run;
import io.etcdbackup.core.run.RunEvent;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.Manifest;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What a run's events leave in the registry, as Prometheus reads it. */
class RunMetricsTest {
  static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RunMetrics metrics = new RunMetrics(registry, "s3", Optional.of(Duration.ofHours(1)), CLOCK);

  static Manifest manifest() {
    return new Manifest(Manifest.FORMAT_VERSION, BackupId.create(NOW).toString(), "prod", "cdf8", NOW,
        NOW.plusSeconds(5), new Manifest.Source("8e9e", "etcd-0", "https://10.0.0.1:2379", "3.5.30", false), 123_456, 7,
        123_460, 4242, 0xdeadbeefL, 9_000_000, "00".repeat(32), "snapshot.db.zst", 2_500_000, "11".repeat(32),
        new Manifest.Transforms("zstd", 1, "none", List.of()), new Manifest.Timings(1, 2, 3, 4), "0.1.0",
        new Manifest.Verification("ok", "ok", "ok", Manifest.HashKvCheck.notRequested()), Map.of(), null, null);
  }

  /** One sample: name, labels, value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  List<Sample> samples() {
    return registry.scrape().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).map(l -> {
      Matcher m = SAMPLE.matcher(l);
      assertThat(m.matches()).as("a sample line: %s", l).isTrue();
      Map<String, String> labels = new TreeMap<>();
      if (m.group(3) != null) {
        Matcher lm = LABEL.matcher(m.group(3));
        while (lm.find()) {
          labels.put(lm.group(1), lm.group(2));
        }
      }
      return new Sample(m.group(1), labels, Double.parseDouble(m.group(4)));
    }).toList();
  }

  double value(String name, String... labels) {
    Map<String, String> want = new HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      want.put(labels[i], labels[i + 1]);
    }
    return samples().stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(want.entrySet()))
        .mapToDouble(Sample::value).reduce((a, b) -> {
          throw new AssertionError("more than one " + name + " " + want);
        }).orElseThrow(() -> new AssertionError("no " + name + " " + want + " in\n" + registry.scrape()));
  }

  Set<String> names() {
    return samples().stream().map(Sample::name).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }

  private void successfulBackup(RunListener l) {
    Run run = new Run(Operation.BACKUP, "prod", l, Cancellation.create(), CLOCK);
    run.phase(Phase.SELECT, s -> null);
    run.phase(Phase.STREAM, s -> null);
    run.emit(new RunEvent.Committed(manifest()));
    run.emit(new RunEvent.Pruned("prod", 3, 2, 0, 0, 5_000_000, false));
    run.succeeded(null);
  }

  @Test
  void aSuccessfulBackupSetsItsTimesSizesAndOutcome() {
    successfulBackup(metrics.listener(Optional.empty()));

    double now = NOW.getEpochSecond();
    assertThat(value("etcd_backup_last_success_timestamp_seconds", "cluster", "prod", "store", "s3")).isEqualTo(now);
    assertThat(value("etcd_backup_last_attempt_timestamp_seconds", "cluster", "prod")).isEqualTo(now);
    assertThat(value("etcd_backup_runs_total", "outcome", "success", "reason", "ok")).isEqualTo(1);
    assertThat(value("etcd_backup_db_size_bytes")).isEqualTo(9_000_000);
    assertThat(value("etcd_backup_stored_size_bytes")).isEqualTo(2_500_000);
    assertThat(value("etcd_backup_revision")).isEqualTo(123_456);
    assertThat(value("etcd_backup_keys")).isEqualTo(4242);
    assertThat(value("etcd_backup_expected_interval_seconds")).isEqualTo(3600);
    assertThat(value("etcd_backup_retention_deleted_total")).isEqualTo(2);
    assertThat(value("etcd_backup_retention_kept")).isEqualTo(3);
    assertThat(value("etcd_backup_phase_duration_seconds_count", "phase", "stream")).isEqualTo(1);
    assertThat(value("etcd_backup_phase_duration_seconds_bucket", "phase", "select", "le", "0.1")).isEqualTo(1);
    assertThat(names()).contains("etcd_backup_duration_seconds").doesNotContain(
        "etcd_backup_last_failure_timestamp_seconds");
  }

  @Test
  void aFailedBackupSetsItsFailureAndNothingOfASuccess() {
    RunListener l = metrics.listener(Optional.of("prod"));
    Run run = new Run(Operation.BACKUP, "prod", l, Cancellation.create(), CLOCK);
    assertThatThrownBy(() -> run.phase(Phase.SELECT, s -> {
      throw new UnavailableException("no member");
    })).isInstanceOf(UnavailableException.class);
    run.failed(new UnavailableException("no member"));

    assertThat(value("etcd_backup_last_failure_timestamp_seconds", "cluster", "prod")).isEqualTo(NOW.getEpochSecond());
    assertThat(value("etcd_backup_runs_total", "outcome", "failure", "reason", "unavailable")).isEqualTo(1);
    // A push of this registry must not carry a success or sizes: it would overwrite the last good one.
    assertThat(names()).doesNotContain("etcd_backup_last_success_timestamp_seconds", "etcd_backup_db_size_bytes",
        "etcd_backup_revision", "etcd_backup_stored_size_bytes");
  }

  @Test
  void verifyAndPruneRecordTheirOwnOutcomes() {
    Run ok = new Run(Operation.VERIFY, "prod", metrics.listener(Optional.empty()), Cancellation.create(), CLOCK);
    ok.succeeded(null);
    Run bad = new Run(Operation.VERIFY, "prod", metrics.listener(Optional.empty()), Cancellation.create(), CLOCK);
    bad.failed(new io.etcdbackup.core.IntegrityException("sha mismatch"));
    Run prune = new Run(Operation.PRUNE, "prod", metrics.listener(Optional.empty()), Cancellation.create(), CLOCK);
    prune.failed(new StoreException("cannot list", new java.io.IOException("boom")));

    assertThat(value("etcd_backup_verify_failures_total", "reason", "integrity")).isEqualTo(1);
    assertThat(value("etcd_backup_verify_last_failure_timestamp_seconds")).isEqualTo(NOW.getEpochSecond());
    assertThat(value("etcd_backup_verify_last_success_timestamp_seconds")).isEqualTo(NOW.getEpochSecond());
    assertThat(value("etcd_backup_verify_failures_total", "reason", "store_error")).as("every reason, 0 if none")
        .isZero();
    assertThat(value("etcd_backup_retention_failures_total", "reason", "store_error")).isEqualTo(1);
    assertThat(names()).noneMatch(n -> n.startsWith("etcd_backup_runs"));
  }

  @Test
  void aSweepWithAFailureSetsNoVerifySuccess() {
    RunListener sweep = metrics.listener(Optional.of("prod"));
    new Run(Operation.VERIFY, "prod", sweep, Cancellation.create(), CLOCK)
        .failed(new io.etcdbackup.core.IntegrityException("bit rot"));
    new Run(Operation.VERIFY, "prod", sweep, Cancellation.create(), CLOCK).succeeded(null);

    assertThat(names()).doesNotContain("etcd_backup_verify_last_success_timestamp_seconds");
    assertThat(value("etcd_backup_verify_failures_total", "reason", "integrity")).isEqualTo(1);
  }

  @Test
  void aDrillRecordsItsOutcomeUnderItsMode() {
    Run ok = new Run(Operation.DRILL, "prod", metrics.listener(Optional.empty()), Cancellation.create(), CLOCK);
    ok.emit(new RunEvent.Drill(DrillMode.BOOT));
    ok.phase(Phase.BOOT, s -> null);
    ok.succeeded(null);
    Run bad = new Run(Operation.DRILL, "prod", metrics.listener(Optional.empty()), Cancellation.create(), CLOCK);
    bad.emit(new RunEvent.Drill(DrillMode.OFFLINE));
    bad.failed(new io.etcdbackup.core.IntegrityException("hashkv differs"));

    assertThat(value("etcd_backup_drill_last_success_timestamp_seconds", "mode", "boot")).isEqualTo(NOW.getEpochSecond());
    assertThat(value("etcd_backup_drill_runs_total", "mode", "boot", "outcome", "success", "reason", "ok")).isEqualTo(1);
    assertThat(value("etcd_backup_drill_runs_total", "mode", "offline", "outcome", "failure", "reason", "integrity"))
        .isEqualTo(1);
    assertThat(value("etcd_backup_drill_last_failure_timestamp_seconds", "mode", "offline"))
        .isEqualTo(NOW.getEpochSecond());
    assertThat(value("etcd_backup_drill_duration_seconds", "mode", "boot")).isNotNegative();
    assertThat(value("etcd_backup_phase_duration_seconds_count", "phase", "boot")).isEqualTo(1);
    assertThat(names()).noneMatch(n -> n.startsWith("etcd_backup_runs") || n.startsWith("etcd_backup_last_"));
    assertThat(samples()).filteredOn(x -> !x.name().startsWith("etcd_backup_drill_"))
        .allSatisfy(x -> assertThat(x.labels()).doesNotContainKey("mode"));
  }

  @Test
  void everyLabelValueComesFromAFixedSet() {
    successfulBackup(metrics.listener(Optional.empty()));
    Run bad = new Run(Operation.BACKUP, "", metrics.listener(Optional.empty()), Cancellation.create(), CLOCK);
    bad.failed(new StoreException("cannot write s3://bucket/v1/prod/x: Access Denied for AKIA...", new java.io.IOException("403")));
    Run drill = new Run(Operation.DRILL, "prod", metrics.listener(Optional.empty()), Cancellation.create(), CLOCK);
    drill.emit(new RunEvent.Drill(DrillMode.BOOT));
    drill.succeeded(null);

    Map<String, Set<String>> allowed = Map.of(
        "cluster", Set.of("prod", RunMetrics.UNKNOWN_CLUSTER),
        "store", MetricNames.STORE_KINDS,
        "outcome", MetricNames.OUTCOMES,
        "reason", MetricNames.REASONS,
        "phase", MetricNames.PHASES,
        "mode", MetricNames.MODES);
    for (Sample s : samples()) {
      assertThat(s.name()).startsWith("etcd_backup_");
      for (Map.Entry<String, String> e : s.labels().entrySet()) {
        if (e.getKey().equals("le")) {
          continue; // histogram bucket bounds: the fixed BUCKETS
        }
        assertThat(allowed).as("label %s of %s", e.getKey(), s.name()).containsKey(e.getKey());
        assertThat(allowed.get(e.getKey())).as("label %s of %s", e.getKey(), s.name()).contains(e.getValue());
      }
    }
  }

  @Test
  void aClusterNameThatIsNotASeriesIsRefused() {
    assertThatThrownBy(() -> metrics.listener(Optional.of("a/b"))).hasMessageContaining("--cluster-name");
    assertThatThrownBy(() -> new RunMetrics(registry, "gcs", Optional.empty(), CLOCK)).hasMessageContaining("gcs");
  }
}
