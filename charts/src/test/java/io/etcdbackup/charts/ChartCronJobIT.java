package io.etcdbackup.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.S3Server;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The rendered CronJob's container runs for real ({@link LocalPod}): its command, args and env
 * exactly as rendered, Secrets, ConfigMaps, hostPaths and emptyDirs mapped to temporary
 * directories (the only change to the command line: a mount path becomes that directory), run
 * with the packaged jar through bin/etcd-backup against a real etcd over mutual TLS and S3Proxy. A flag the chart renders that
 * the CLI does not know, a wrong path or a wrong env name fails here. And the rendered
 * PrometheusRule's groups pass promtool's check and the existing unit tests of the rules.
 */
class ChartCronJobIT {
  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));
  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  private static final Path FILES = Chart.DIR.resolve("files");

  @Test
  void theRenderedCronJobCommitsABackupAndAppliesRetention(@TempDir Path tmp) throws Exception {
    EtcdCluster etcd = ETCD.cluster();
    etcd.etcdctl("put", "/registry/chart-it", "v1");
    Path identity = tmp.resolve("identity.txt");
    Exec.run(List.of("age-keygen", "-o", identity.toString()), tmp, Duration.ofSeconds(30)).stdoutOrThrow();
    String recipient = Exec.run(List.of("age-keygen", "-y", identity.toString()), tmp, Duration.ofSeconds(30))
        .stdoutOrThrow().strip();
    String prefix = S3.newPrefix("chart");

    // The cluster's objects the pod refers to, as `kubectl create secret` would hold them.
    Map<String, Map<String, byte[]>> objects = LiveCluster.objects(etcd, S3);
    objects.put("configmap/age-recipients", Map.of("recipients.txt", (recipient + "\n").getBytes(StandardCharsets.UTF_8)));

    Map<String, Object> v = LiveCluster.values(etcd, S3, "chart-it", prefix);
    v.put("encryption.recipientsFrom.configMap", "age-recipients");
    // retention that shows on the second run: keep one, no grace, a floor of one
    v.put("retention.keepLast", 1);
    v.put("retention.keepDaily", "null");
    v.put("retention.keepWeekly", "null");
    v.put("retention.keepMonthly", "null");
    v.put("retention.minKeep", 1);
    v.put("retention.pruneGrace", "0s");

    Exec.Result first = runContainer(Chart.render(v).parseStrictly().one("CronJob"), objects, tmp.resolve("run1"));
    assertThat(first.exitCode()).as("%s", first).isZero();
    assertThat(first.stderr()).contains("backup committed");

    // The kubeadm preset's hostPath, with the files named as kubeadm names them.
    objects.put("hostPath//etc/kubernetes/pki/etcd", Map.of("ca.crt", Files.readAllBytes(etcd.caFile()),
        "healthcheck-client.crt", Files.readAllBytes(etcd.clientCert().cert()),
        "healthcheck-client.key", Files.readAllBytes(etcd.clientCert().key())));
    v.remove("etcd.tls.existingSecret");
    v.put("etcd.preset", "kubeadm");
    Thread.sleep(1100); // backup ids and order are by start time, to the second
    Exec.Result second = runContainer(Chart.render(v).parseStrictly().one("CronJob"), objects, tmp.resolve("run2"));
    assertThat(second.exitCode()).as("%s", second).isZero();
    assertThat(second.stderr() + second.stdout()).contains("backup committed");

    // The harness fails on what the CLI refuses: a misspelt flag in the rendered args.
    v.put("backup.extraArgs[0]", "--keep-lst=3");
    Exec.Result typo = runContainer(Chart.render(v).one("CronJob"), objects, tmp.resolve("run3"));
    assertThat(typo.exitCode()).as("%s", typo).isEqualTo(2);
    assertThat(typo.stderr()).contains("--keep-lst");

    // What the store holds now: one backup, the second, encrypted to the ConfigMap's recipient.
    List<String> store = List.of("--from", S3.storeUri(prefix).toString(), "--cluster-name", "chart-it",
        "--s3-endpoint", S3.endpoint().toString(), "--s3-path-style", "--s3-region", S3Server.REGION);
    String[] creds = {"AWS_ACCESS_KEY_ID", S3.accessKey(), "AWS_SECRET_ACCESS_KEY", S3.secretKey()};
    List<String> list = new ArrayList<>(List.of(LocalPod.bin(), "list", "-o", "json"));
    list.addAll(store);
    JsonNode listed = Chart.JSON.readTree(Exec.run(list, tmp, Duration.ofMinutes(2), creds).stdoutOrThrow());
    JsonNode backups = listed.isArray() ? listed : listed.path("backups");
    assertThat(backups.size()).as("retention kept one: %s", listed).isEqualTo(1);
    List<String> verify = new ArrayList<>(List.of(LocalPod.bin(), "verify", "latest", "--identity-file", identity.toString()));
    verify.addAll(store);
    Exec.Result verified = Exec.run(verify, tmp, Duration.ofMinutes(2), creds);
    assertThat(verified.exitCode()).as("%s", verified).isZero();
  }

  @Test
  void theRenderedPrometheusRulePassesPromtoolsCheckAndTheRulesUnitTests(@TempDir Path tmp) throws IOException {
    // alerts.test.yaml tests the clusters prod and staging, with the file's default thresholds.
    Map<String, Object> v = new LinkedHashMap<>(Chart.minimal());
    v.put("prometheusRule.autodetect", false);
    v.put("prometheusRule.expectedClusters[0]", "prod");
    v.put("prometheusRule.expectedClusters[1]", "staging");
    JsonNode rule = Chart.render(v).one("PrometheusRule");
    Path rules = tmp.resolve("alerts.yaml");
    Chart.YAML.writeValue(rules.toFile(), Map.of("groups", rule.path("spec").path("groups")));
    Files.copy(FILES.resolve("alerts.test.yaml"), tmp.resolve("alerts.test.yaml"));
    assertPromtool(tmp, "check", "rules", rules.toString());
    assertPromtool(tmp, "test", "rules", tmp.resolve("alerts.test.yaml").toString());

    // Thresholds from values: still valid rules, with the numbers in them.
    v.put("prometheusRule.ageFactor", 3);
    v.put("prometheusRule.fallbackSeconds", 7200);
    v.put("prometheusRule.drillStaleDays", 15);
    v.put("prometheusRule.expectedClusters[2]", "edge");
    JsonNode tuned = Chart.render(v).one("PrometheusRule");
    Path tunedRules = tmp.resolve("tuned.yaml");
    Chart.YAML.writeValue(tunedRules.toFile(), Map.of("groups", tuned.path("spec").path("groups")));
    assertPromtool(tmp, "check", "rules", tunedRules.toString());
    String exprs = String.join("\n", tuned.findValues("expr").stream().map(JsonNode::asString).toList());
    assertThat(exprs).contains("3 * max by (cluster) (etcd_backup_expected_interval_seconds)")
        .contains("7200 * group by (cluster)").contains("> 15 * 86400")
        .contains("or (absent(etcd_backup_store_newest_timestamp_seconds{cluster=\"edge\"})");
    assertThat(tuned.findValues("description").toString()).as("the text follows the thresholds")
        .contains("(3 times the expected interval, or 2h where none is reported)").doesNotContain("twice");
  }

  /** Runs {@code cronJob}'s container as {@link LocalPod} does, to its end. */
  private static Exec.Result runContainer(JsonNode cronJob, Map<String, Map<String, byte[]>> objects, Path root)
      throws IOException, InterruptedException {
    LocalPod pod = LocalPod.of(cronJob.path("spec").path("jobTemplate").path("spec").path("template").path("spec"), root);
    ProcessBuilder pb = pod.process(objects);
    Process p = pb.start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", pb.command()) + " did not finish: " + Files.readString(pod.stderr()));
    }
    return new Exec.Result(pb.command(), p.exitValue(), Files.readString(pod.stdout()), Files.readString(pod.stderr()));
  }

  private static void assertPromtool(Path dir, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(promtool());
    cmd.addAll(List.of(args));
    Exec.Result r = Exec.run(cmd, dir, Duration.ofMinutes(2));
    assertThat(r.exitCode()).as("%s exited %d:%n%s%s", String.join(" ", cmd), r.exitCode(), r.stdout(), r.stderr()).isZero();
  }

  /** promtool on PATH, else Debian's; missing, the test fails saying how to install it (as AlertRulesIT). */
  private static String promtool() {
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!d.isBlank() && Files.isExecutable(Path.of(d, "promtool"))) {
        return Path.of(d, "promtool").toString();
      }
    }
    if (Files.isExecutable(Path.of("/usr/bin/promtool"))) {
      return "/usr/bin/promtool";
    }
    throw new IllegalStateException("promtool not found: apt-get install prometheus (scripts/test.sh does it)");
  }
}
