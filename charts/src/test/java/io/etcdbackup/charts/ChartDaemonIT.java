package io.etcdbackup.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.S3Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The rendered daemon runs for real, as ChartCronJobIT runs the CronJob ({@link LocalPod}): the
 * Deployment's container command, args, env and mounts exactly as rendered, its ConfigMap's
 * schedule file with the paths it names mapped to the mounts' directories (the only change), run
 * with the packaged jar against a real etcd over mutual TLS and S3Proxy. It must turn ready on the
 * readiness probe's path and port, commit a backup on its Quartz cron, answer the liveness probe
 * and end with exit 0 on SIGTERM; with the election on, lead, back up, and leave no key in etcd.
 */
class ChartDaemonIT {
  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));
  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  private static final String CLUSTER = "chart-daemon";
  private static final String ELECTION_PREFIX = "/etcd-backup/election/" + CLUSTER + "/";
  private static final Duration START = Duration.ofSeconds(30);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void theRenderedDaemonTurnsReadyBacksUpOnItsCronAndStopsCleanly(@TempDir Path tmp) throws Exception {
    String prefix = S3.newPrefix("daemon");
    Map<String, Object> v = values(prefix);
    // ready only once the newest backup is younger than this: readiness waits for the first one
    v.put("daemon.maxBackupAge", "1m");
    Daemon d = start(Chart.render(valuesFile(tmp), v).parseStrictly(), tmp.resolve("pod"));
    try {
      d.awaitProbe("readinessProbe", START);
      assertThat(backups(prefix)).as("ready with --max-backup-age: a backup is committed").isPositive();
      d.awaitProbe("livenessProbe", Duration.ofSeconds(5));
      long first = backups(prefix);
      await(d, "a second backup on the two-second cron", () -> backups(prefix) > first, Duration.ofSeconds(15));
      assertThat(d.log()).contains("outcome=success");
      assertThat(etcd().etcdctl("get", "--prefix", "--keys-only", "/etcd-backup/")).as("no election: nothing written to etcd")
          .isBlank();
      d.stopWithExitZero();
    } finally {
      d.process().destroyForcibly();
    }
  }

  @Test
  void withTheElectionTheRenderedDaemonLeadsBacksUpAndResignsOnSigterm(@TempDir Path tmp) throws Exception {
    String prefix = S3.newPrefix("daemon-election");
    Map<String, Object> v = values(prefix);
    v.put("daemon.replicas", 2);
    v.put("daemon.election.enabled", true);
    v.put("daemon.election.ttl", "4s");
    Chart.Rendered r = Chart.render(valuesFile(tmp), v).parseStrictly();
    assertThat(r.ofKind("PodDisruptionBudget")).hasSize(1);
    Daemon d = start(r, tmp.resolve("pod"));
    try {
      d.awaitProbe("readinessProbe", START);
      await(d, "leads", () -> "leader".equals(d.status().path("role").asString()), Duration.ofSeconds(15));
      assertThat(etcd().etcdctl("get", "--prefix", ELECTION_PREFIX)).as("its key names it")
          .contains("pid=" + d.process().pid());
      await(d, "backs up as the leader", () -> backups(prefix) > 0, Duration.ofSeconds(15));
      d.awaitProbe("livenessProbe", Duration.ofSeconds(5));
      d.stopWithExitZero();
      assertThat(d.log()).contains("leadership resigned cluster=" + CLUSTER);
      assertThat(etcd().etcdctl("get", "--prefix", "--keys-only", ELECTION_PREFIX)).as("its lease revoked, its key gone")
          .isBlank();
    } finally {
      d.process().destroyForcibly();
    }
  }

  /** Values of a daemon against this etcd and S3Proxy: a Secret for each, inline age recipient, a free port. */
  private static Map<String, Object> values(String prefix) throws IOException {
    Map<String, Object> v = LiveCluster.values(etcd(), S3, CLUSTER, prefix);
    v.put("mode", "daemon");
    v.put("encryption.recipients[0]", Chart.minimal().get("encryption.recipients[0]"));
    v.put("daemon.port", freePort());
    v.put("daemon.shutdownGrace", "10s");
    return v;
  }

  /** The jobs as a values file (a list replaces the default's): a backup every two seconds, no jitter. */
  private static Path valuesFile(Path tmp) throws IOException {
    return Files.writeString(tmp.resolve("values.yaml"), """
        daemon:
          jobs:
            - name: backup
              kind: backup
              cron: "*/2 * * * * ?"
        """);
  }

  /** The rendered Deployment's container started, its ConfigMap and the Secrets its pod refers to in place. */
  private Daemon start(Chart.Rendered r, Path root) throws IOException {
    JsonNode deployment = r.named("Deployment", Chart.RELEASE + "-etcd-backup-daemon");
    assertThat(deployment.path("spec").path("template").path("metadata").path("annotations").has("checksum/schedule"))
        .isTrue();
    LocalPod pod = LocalPod.of(deployment.path("spec").path("template").path("spec"), root);
    JsonNode configMap = r.named("ConfigMap", Chart.RELEASE + "-etcd-backup-daemon");
    JsonNode schedule = pod.mapPaths(Chart.YAML.readTree(configMap.path("data").path("schedule.yaml").asString()));

    Map<String, Map<String, byte[]>> objects = LiveCluster.objects(etcd(), S3);
    objects.put("configmap/" + configMap.path("metadata").path("name").asString(),
        Map.of("schedule.yaml", Chart.YAML.writeValueAsBytes(schedule)));
    return new Daemon(pod, pod.process(objects).start());
  }

  /** The daemon's process and what its probes and /status say. */
  private final class Daemon {
    private final LocalPod pod;
    private final Process process;

    Daemon(LocalPod pod, Process process) {
      this.pod = pod;
      this.process = process;
    }

    Process process() {
      return process;
    }

    String log() {
      try {
        return Files.readString(pod.stdout()) + Files.readString(pod.stderr());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Waits for the rendered probe ({@code livenessProbe}, {@code readinessProbe}) to answer 200 on its path and port. */
    void awaitProbe(String probe, Duration max) throws Exception {
      JsonNode get = pod.container().path(probe).path("httpGet");
      assertThat(get.isMissingNode()).as("%s is an httpGet", probe).isFalse();
      URI uri = URI.create("http://127.0.0.1:" + pod.port(get.path("port")) + get.path("path").asString());
      await(this, probe + " " + uri + " answers 200", () -> code(uri) == 200, max);
    }

    JsonNode status() {
      int port = pod.port(pod.container().path("readinessProbe").path("httpGet").path("port"));
      try {
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return Chart.JSON.readTree(resp.body());
      } catch (IOException e) {
        return Chart.JSON.createObjectNode(); // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** SIGTERM, as the kubelet stops a pod: the daemon must end with exit 0 well within terminationGracePeriodSeconds. */
    void stopWithExitZero() throws InterruptedException {
      process.destroy();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("ends on SIGTERM:%n%s", log()).isTrue();
      assertThat(process.exitValue()).as("exit code after SIGTERM:%n%s", log()).isZero();
    }
  }

  private int code(URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Waits for {@code condition}; fails at once, with the log, if the daemon has exited. */
  private static void await(Daemon d, String what, BooleanSupplier condition, Duration max) throws InterruptedException {
    long end = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (!d.process().isAlive()) {
        throw new AssertionError("the daemon exited " + d.process().exitValue() + " before it " + what + ":\n" + d.log());
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + max.toSeconds() + "s: " + what + "\n" + d.log());
      }
      Thread.sleep(200);
    }
  }

  private static long backups(String prefix) {
    try (BackupStore store = BackupStores.open(S3.storeUri(prefix).toString(), S3.storeOptions())) {
      BackupRepository repo = new BackupRepository(store);
      return repo.series().contains(CLUSTER) ? repo.list(CLUSTER).size() : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static EtcdCluster etcd() {
    return ETCD.cluster();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
