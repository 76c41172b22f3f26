package io.etcdbackup.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import io.etcdbackup.testing.S3Server;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The rendered CronJob's container runs for real: its command, args and env exactly as rendered,
 * Secrets, ConfigMaps, hostPaths and emptyDirs mapped to temporary directories (the only change to
 * the command line: a mount path becomes that directory), run with the packaged jar through
 * bin/etcd-backup against a real etcd over mutual TLS and S3Proxy. A flag the chart renders that
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
    Map<String, Map<String, byte[]>> objects = new HashMap<>();
    objects.put("secret/etcd-client", Map.of("ca.crt", Files.readAllBytes(etcd.caFile()),
        "tls.crt", Files.readAllBytes(etcd.clientCert().cert()), "tls.key", Files.readAllBytes(etcd.clientCert().key())));
    objects.put("secret/s3-writer", Map.of("AWS_ACCESS_KEY_ID", S3.accessKey().getBytes(StandardCharsets.UTF_8),
        "AWS_SECRET_ACCESS_KEY", S3.secretKey().getBytes(StandardCharsets.UTF_8)));
    objects.put("configmap/age-recipients", Map.of("recipients.txt", (recipient + "\n").getBytes(StandardCharsets.UTF_8)));

    Map<String, Object> v = new LinkedHashMap<>();
    v.put("clusterName", "chart-it");
    v.put("etcd.endpoints[0]", etcd.member(0).clientUrl());
    v.put("etcd.tls.existingSecret", "etcd-client");
    v.put("store.s3.bucket", S3.bucket());
    v.put("store.s3.prefix", prefix);
    v.put("store.s3.endpoint", S3.endpoint().toString());
    v.put("store.s3.pathStyle", true);
    v.put("store.s3.region", S3Server.REGION);
    v.put("store.s3.existingSecret", "s3-writer");
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
    List<String> list = new ArrayList<>(List.of(bin(), "list", "-o", "json"));
    list.addAll(store);
    JsonNode listed = Chart.JSON.readTree(Exec.run(list, tmp, Duration.ofMinutes(2), creds).stdoutOrThrow());
    JsonNode backups = listed.isArray() ? listed : listed.path("backups");
    assertThat(backups.size()).as("retention kept one: %s", listed).isEqualTo(1);
    List<String> verify = new ArrayList<>(List.of(bin(), "verify", "latest", "--identity-file", identity.toString()));
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
  }

  /**
   * Runs {@code cronJob}'s only container as the kubelet would, on this machine: every volume a
   * directory under {@code root} (filled from {@code objects} for secrets, configMaps and hostPaths),
   * each mount path in the args replaced by its directory, the env resolved from {@code objects}
   * and nothing else in it but PATH and JAVA_HOME.
   */
  private static Exec.Result runContainer(JsonNode cronJob, Map<String, Map<String, byte[]>> objects, Path root)
      throws IOException, InterruptedException {
    JsonNode pod = cronJob.path("spec").path("jobTemplate").path("spec").path("template").path("spec");
    JsonNode c = pod.path("containers").path(0);
    assertThat(pod.path("containers").size()).isEqualTo(1);

    Map<String, Path> mountDirs = new LinkedHashMap<>();
    for (JsonNode m : c.path("volumeMounts")) {
      String name = m.path("name").asString();
      Path dir = Files.createDirectories(root.resolve(name));
      fill(dir, ChartTest.volume(pod, name), objects);
      mountDirs.put(m.path("mountPath").asString(), dir);
    }
    List<String> mountPaths = new ArrayList<>(mountDirs.keySet());
    mountPaths.sort(Comparator.comparingInt(String::length).reversed());

    List<String> command = new ArrayList<>();
    List<String> rendered = ChartTest.strings(c.path("command"));
    assertThat(rendered).as("the image's etcd-backup on PATH").containsExactly("etcd-backup");
    command.add(bin());
    for (String arg : ChartTest.strings(c.path("args"))) {
      command.add(mapPaths(arg, mountPaths, mountDirs));
    }

    ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> !k.equals("PATH") && !k.equals("JAVA_HOME"));
    for (JsonNode e : c.path("env")) {
      String name = e.path("name").asString();
      JsonNode ref = e.path("valueFrom").path("secretKeyRef");
      if (ref.isMissingNode()) {
        env.put(name, e.path("value").asString());
      } else {
        byte[] value = lookup(objects, "secret/" + ref.path("name").asString(), ref.path("key").asString());
        env.put(name, new String(value, StandardCharsets.UTF_8));
      }
    }
    Path out = root.resolve("stdout");
    Path err = root.resolve("stderr");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish: " + Files.readString(err));
    }
    return new Exec.Result(command, p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static String mapPaths(String arg, List<String> mountPaths, Map<String, Path> dirs) {
    int eq = arg.indexOf('=');
    String value = eq < 0 ? arg : arg.substring(eq + 1);
    for (String mp : mountPaths) {
      if (value.equals(mp) || value.startsWith(mp + "/")) {
        return (eq < 0 ? "" : arg.substring(0, eq + 1)) + dirs.get(mp) + value.substring(mp.length());
      }
    }
    return arg;
  }

  private static void fill(Path dir, JsonNode volume, Map<String, Map<String, byte[]>> objects) throws IOException {
    if (volume.has("emptyDir") || volume.has("persistentVolumeClaim")) {
      return;
    }
    String source;
    JsonNode items;
    if (volume.has("secret")) {
      source = "secret/" + volume.path("secret").path("secretName").asString();
      items = volume.path("secret").path("items");
    } else if (volume.has("configMap")) {
      source = "configmap/" + volume.path("configMap").path("name").asString();
      items = volume.path("configMap").path("items");
    } else if (volume.has("hostPath")) {
      source = "hostPath/" + volume.path("hostPath").path("path").asString();
      items = null;
    } else {
      throw new AssertionError("a volume the test cannot map: " + volume);
    }
    Map<String, byte[]> data = objects.get(source);
    assertThat(data).as("the test's %s", source).isNotNull();
    if (items == null || items.isMissingNode()) {
      for (var e : data.entrySet()) {
        Files.write(dir.resolve(e.getKey()), e.getValue());
      }
    } else {
      for (JsonNode item : items) {
        Files.write(dir.resolve(item.path("path").asString()), lookup(objects, source, item.path("key").asString()));
      }
    }
  }

  private static byte[] lookup(Map<String, Map<String, byte[]>> objects, String source, String key) {
    Map<String, byte[]> data = objects.get(source);
    assertThat(data).as("the test's %s", source).isNotNull();
    assertThat(data).as("%s has key %s", source, key).containsKey(key);
    return data.get(key);
  }

  private static String bin() {
    return ProjectPaths.root().resolve("bin/etcd-backup").toString();
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
