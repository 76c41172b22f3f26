package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.PromText;
import io.etcdbackup.testing.Pushgateway;
import io.etcdbackup.testing.SampleData;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-shot runs report their metrics, success or failure, to a real Pushgateway (Debian's) and to
 * a textfile that promtool accepts; a failed run never hides the last success; a Pushgateway that
 * is down never fails a committed backup; {@code verify --all} finds bit rot and says so in both.
 */
class MetricsCommandIT {
  static EtcdCluster etcd;
  static Pushgateway gateway;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start(@TempDir Path logs) throws Exception {
    etcd = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).start();
    SampleData.bulk(etcd.client(), "/registry/configmaps/metrics/", 200_000, 1024, 3);
    gateway = Pushgateway.start(logs);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  private Cli.Result snapshot(Stores store, List<String> etcdFlags, String... args) {
    List<String> all = new ArrayList<>(List.of("snapshot"));
    all.addAll(etcdFlags);
    all.addAll(store.with("--to", store.uri()));
    all.addAll(List.of(args));
    return new Cli().run(all.toArray(String[]::new));
  }

  /** etcd flags that reach no member: the run fails with reason unavailable. */
  private static List<String> deadEtcd() {
    return List.of("--endpoints", "http://127.0.0.1:" + EtcdCluster.freePorts(1)[0], "--dial-timeout", "500ms",
        "--command-timeout", "1s");
  }

  @Test
  void aFailedRunAddsItsFailureAndKeepsTheLastSuccessInTheGroup() throws Exception {
    Stores store = Stores.local(tmp.resolve("store"));
    String pg = gateway.url().toString();
    double before = Instant.now().getEpochSecond();

    Cli.Result ok = snapshot(store, etcd.tlsFlags(), "--cluster-name", "pushed", "--pushgateway", pg,
        "--expected-interval", "1h");
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    String text = gateway.metrics();
    double success = PromText.value(text, "etcd_backup_last_success_timestamp_seconds", "job", "etcd-backup",
        "cluster", "pushed", "store", "file").orElseThrow();
    assertThat(success).isGreaterThanOrEqualTo(before);
    assertThat(PromText.value(text, "etcd_backup_expected_interval_seconds", "cluster", "pushed")).contains(3600.0);
    assertThat(PromText.value(text, "etcd_backup_revision", "cluster", "pushed").orElseThrow()).isPositive();
    assertThat(PromText.value(text, "push_time_seconds", "job", "etcd-backup", "cluster", "pushed")).isPresent();

    Cli.Result failed = snapshot(store, deadEtcd(), "--cluster-name", "pushed", "--pushgateway", pg);
    assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(4);
    text = gateway.metrics();
    assertThat(PromText.value(text, "etcd_backup_last_success_timestamp_seconds", "cluster", "pushed"))
        .as("the failed run did not overwrite the last success").contains(success);
    assertThat(PromText.value(text, "etcd_backup_last_failure_timestamp_seconds", "cluster", "pushed").orElseThrow())
        .isGreaterThanOrEqualTo(success);
    assertThat(PromText.value(text, "etcd_backup_runs_total", "cluster", "pushed", "outcome", "failure", "reason",
        "unavailable")).contains(1.0);
  }

  @Test
  void aPushgatewayThatIsDownNeverFailsACommittedBackup() {
    Stores store = Stores.local(tmp.resolve("store"));
    Cli.Result r = snapshot(store, etcd.tlsFlags(), "--cluster-name", "nopush", "--pushgateway",
        "http://127.0.0.1:" + EtcdCluster.freePorts(1)[0]);
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  @Test
  void theMetricsFilePassesPromtoolAndKeepsTheLastSuccessAfterAFailure() throws Exception {
    Stores store = Stores.local(tmp.resolve("store"));
    Path file = tmp.resolve("textfile").resolve("etcd-backup.prom");

    Cli.Result ok = snapshot(store, etcd.tlsFlags(), "--cluster-name", "filed", "--metrics-file", file.toString());
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    Exec.Result check = Exec.run(List.of("promtool", "check", "metrics"), tmp, Duration.ofSeconds(30), file);
    assertThat(check.exitCode()).as("promtool check metrics: %s %s", check.stdout(), check.stderr()).isZero();
    double success = PromText.value(Files.readString(file), "etcd_backup_last_success_timestamp_seconds", "cluster",
        "filed").orElseThrow();

    Cli.Result failed = snapshot(store, deadEtcd(), "--cluster-name", "filed", "--metrics-file", file.toString());
    assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(4);
    String text = Files.readString(file);
    assertThat(PromText.value(text, "etcd_backup_last_success_timestamp_seconds", "cluster", "filed")).contains(success);
    assertThat(PromText.value(text, "etcd_backup_last_failure_timestamp_seconds", "cluster", "filed")).isPresent();
    check = Exec.run(List.of("promtool", "check", "metrics"), tmp, Duration.ofSeconds(30), file);
    assertThat(check.exitCode()).as("promtool check metrics: %s %s", check.stdout(), check.stderr()).isZero();
  }

  @Test
  void verifyAllFindsBitRotAndReportsIt() throws Exception {
    Path dir = tmp.resolve("rot");
    List<Manifest> made = new ArrayList<>();
    Stores store = Stores.local(dir);
    for (int i = 0; i < 3; i++) {
      Cli.Result r = snapshot(store, etcd.tlsFlags(), "--cluster-name", "rot", "-o", "json");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      made.add(io.etcdbackup.core.store.ManifestCodec.fromJson(
          Formats.JSON.writeValueAsBytes(Formats.JSON.readTree(r.out()).get("manifest")), "test"));
    }
    Path middle = dir.resolve(made.get(1).objectKey());
    try (RandomAccessFile f = new RandomAccessFile(middle.toFile(), "rw")) {
      f.seek(f.length() / 2);
      int b = f.read();
      f.seek(f.length() / 2);
      f.write(b ^ 0x40);
    }

    Cli.Result r = new Cli().run("verify", "--from", dir.toString(), "--cluster-name", "rot", "--all", "--pushgateway",
        gateway.url().toString());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
    List<String> rows = r.out().lines().filter(l -> l.startsWith("| 2")).toList();
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0)).contains(made.get(2).id()).contains("| ok ");
    assertThat(rows.get(1)).contains(made.get(1).id()).contains("| integrity ");
    assertThat(rows.get(2)).contains(made.get(0).id()).contains("| ok ");
    assertThat(r.out()).contains("2 of 3 backups verified, 1 failed");
    String text = gateway.metrics();
    assertThat(PromText.value(text, "etcd_backup_verify_failures_total", "cluster", "rot", "reason", "integrity"))
        .contains(1.0);
    assertThat(PromText.value(text, "etcd_backup_verify_last_failure_timestamp_seconds", "cluster", "rot")).isPresent();

    Cli.Result newest = new Cli().run("verify", "--from", dir.toString(), "--cluster-name", "rot", "--newest", "1");
    assertThat(newest.exitCode()).as(newest.toString()).isZero();
    assertThat(newest.out()).contains("1 of 1 backups verified");
  }

  @Test
  void metricsFlagsWithoutWhatTheyNeedAreUsageErrors() {
    Stores store = Stores.local(tmp.resolve("none"));
    Cli.Result noCluster = snapshot(store, etcd.tlsFlags(), "--pushgateway", gateway.url().toString());
    assertThat(noCluster.exitCode()).as(noCluster.toString()).isEqualTo(2);
    assertThat(noCluster.err()).contains("--pushgateway needs --cluster-name");

    Cli.Result noSink = snapshot(store, etcd.tlsFlags(), "--cluster-name", "x", "--expected-interval", "1h");
    assertThat(noSink.exitCode()).as(noSink.toString()).isEqualTo(2);
    assertThat(noSink.err()).contains("--expected-interval is given without --pushgateway or --metrics-file");

    Cli.Result notProm = snapshot(store, etcd.tlsFlags(), "--cluster-name", "x", "--metrics-file",
        tmp.resolve("m.txt").toString());
    assertThat(notProm.exitCode()).as(notProm.toString()).isEqualTo(2);
    assertThat(tmp.resolve("none")).doesNotExist();
  }
}
