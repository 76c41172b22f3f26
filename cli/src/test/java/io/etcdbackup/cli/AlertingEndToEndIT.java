package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.ProjectPaths;
import io.etcdbackup.testing.Prometheus;
import io.etcdbackup.testing.Pushgateway;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole alerting path with real parts: one-shot backups of a real etcd to S3Proxy push to
 * Debian's Pushgateway, the store exporter reads the same bucket, Debian's Prometheus scrapes both
 * every second and evaluates the shipped
 * rules (with thresholds of seconds instead of hours, the substitution the rules file documents);
 * the alerts are read from Prometheus's HTTP API.
 */
class AlertingEndToEndIT {
  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  @TempDir
  Path tmp;

  /** The shipped rules with the 25h fallback at 20 s and every {@code for:} at 0 s. */
  private Path fastRules() throws Exception {
    String rules = Files.readString(ProjectPaths.root().resolve("charts/etcd-backup/files/alerts.yaml"));
    assertThat(rules).contains("90000 * group by (cluster)");
    String fast = rules.replace("90000 * group by (cluster)", "20 * group by (cluster)")
        .replaceAll("(?m)^( *for:).*$", "$1 0s");
    Path file = tmp.resolve("alerts-fast.yaml");
    Files.writeString(file, fast);
    return file;
  }

  private static Cli.Result snapshot(EtcdCluster etcd, Stores store, Pushgateway gateway) {
    List<String> args = new ArrayList<>(List.of("snapshot"));
    args.addAll(etcd.tlsFlags());
    args.addAll(store.with("--to", store.uri(), "--cluster-name", "e2e", "--pushgateway", gateway.url().toString(),
        // 4 s: the rules' limit is twice that
        "--expected-interval", "4s", "--compression", "none"));
    return new Cli().run(args.toArray(String[]::new));
  }

  @Test
  void backupAgeAndFailureAlertsFireAndResolveInARealPrometheus() throws Exception {
    Stores store = Stores.s3(S3, S3.newPrefix("e2e"));
    int exporterPort = EtcdCluster.freePorts(1)[0];
    Cancellation stopExporter = Cancellation.create();
    ExecutorService runner = Executors.newSingleThreadExecutor();
    List<String> exporter = new ArrayList<>(List.of("exporter", "--listen", "127.0.0.1:" + exporterPort,
        "--cluster-name", "e2e", "--refresh", "1s"));
    exporter.addAll(store.with("--from", store.uri()));
    CompletableFuture<Cli.Result> exporterRun = CompletableFuture.supplyAsync(
        () -> new Cli().cancellation(stopExporter).run(exporter.toArray(String[]::new)), runner);
    try (EtcdCluster etcd = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).start();
        Pushgateway gateway = Pushgateway.start(tmp.resolve("pushgateway"));
        Prometheus prom = Prometheus.start(tmp.resolve("prometheus"),
            List.of(new Prometheus.Job("pushgateway", List.of(gateway.url().getAuthority()), true),
                new Prometheus.Job("etcd-backup-exporter", List.of("127.0.0.1:" + exporterPort), false)),
            List.of(fastRules()))) {
      SampleData.bulk(etcd.client(), "/registry/pods/e2e/", 100_000, 1024, 5);

      Cli.Result first = snapshot(etcd, store, gateway);
      assertThat(first.exitCode()).as(first.toString()).isZero();
      // Scraped: the pushed success is in Prometheus, and the fresh backup raises nothing.
      assertThat(Prometheus.await(Duration.ofSeconds(20), () -> !prom.query(
          "etcd_backup_last_success_timestamp_seconds{cluster=\"e2e\"}").isEmpty())).isTrue();
      // ... and the exporter has read it from the store.
      assertThat(Prometheus.await(Duration.ofSeconds(20), () -> !prom.query(
          "etcd_backup_store_newest_timestamp_seconds{cluster=\"e2e\"}").isEmpty())).isTrue();
      for (String alert : List.of("EtcdBackupTooOld", "EtcdBackupPushTooOld", "EtcdBackupFailing",
          "EtcdBackupStoreUnreadable")) {
        assertThat(prom.alertState(alert, "e2e")).as(alert).isEqualTo("inactive");
      }

      // No new backup for longer than twice the expected interval: too old, by both sources.
      assertThat(Prometheus.await(Duration.ofSeconds(40),
          () -> prom.alertState("EtcdBackupTooOld", "e2e").equals("firing")
              && prom.alertState("EtcdBackupPushTooOld", "e2e").equals("firing")))
          .as("EtcdBackupTooOld and EtcdBackupPushTooOld fire; alerts: %s", prom.alerts()).isTrue();

      // A new backup resolves both.
      Cli.Result second = snapshot(etcd, store, gateway);
      assertThat(second.exitCode()).as(second.toString()).isZero();
      assertThat(Prometheus.await(Duration.ofSeconds(20),
          () -> prom.alertState("EtcdBackupTooOld", "e2e").equals("inactive")
              && prom.alertState("EtcdBackupPushTooOld", "e2e").equals("inactive")))
          .as("the age alerts resolve; alerts: %s", prom.alerts()).isTrue();

      // etcd stops: the next run fails (exit 4), and says so without hiding the last success.
      etcd.stop(0);
      Cli.Result failed = snapshot(etcd, store, gateway);
      assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(4);
      assertThat(Prometheus.await(Duration.ofSeconds(20),
          () -> prom.alertState("EtcdBackupFailing", "e2e").equals("firing")))
          .as("EtcdBackupFailing fires; alerts: %s", prom.alerts()).isTrue();
      assertThat(prom.query("etcd_backup_last_success_timestamp_seconds{cluster=\"e2e\"}")).hasSize(1);

      // etcd is back: a success newer than the failure resolves it.
      etcd.restart(0);
      Cli.Result recovered = snapshot(etcd, store, gateway);
      assertThat(recovered.exitCode()).as(recovered.toString()).isZero();
      assertThat(Prometheus.await(Duration.ofSeconds(20),
          () -> prom.alertState("EtcdBackupFailing", "e2e").equals("inactive")))
          .as("EtcdBackupFailing resolves; alerts: %s", prom.alerts()).isTrue();
    } finally {
      stopExporter.cancel("the test is over");
      Cli.Result ended = exporterRun.get(30, TimeUnit.SECONDS);
      runner.shutdownNow();
      assertThat(ended.exitCode()).as(ended.toString()).isZero();
    }
  }
}
