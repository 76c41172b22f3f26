package io.etcdbackup.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.kubernetes.client.openapi.models.V1CronJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The chart rendered for real (helm-java), every object through the official models, and what it says. */
class ChartTest {

  static Stream<Path> examples() {
    return Chart.examples().stream();
  }

  // ------------------------------------------------------------------------------------------
  // lint, render, strict parse

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void lintStrictPassesWithEveryExample(Path example, @TempDir Path tmp) throws IOException {
    // helm-java's lint takes no values file: lint a copy whose values.yaml is the chart's with the
    // example merged over it, as `helm lint --strict -f example.yaml` would see them.
    Path chart = copyChart(tmp.resolve("etcd-backup"));
    JsonNode merged = merge(Chart.YAML.readTree(Chart.DIR.resolve("values.yaml").toFile()),
        Chart.YAML.readTree(example.toFile()));
    Files.writeString(chart.resolve("values.yaml"), Chart.YAML.writeValueAsString(merged));
    LintResult r = new Helm(chart).lint().strict().call();
    assertThat(r.isFailed()).as("helm lint --strict -f %s:%n%s", example.getFileName(), String.join("\n", r.getMessages()))
        .isFalse();
    assertThat(r.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void lintOfTheBareChartNamesEachMandatoryValue() {
    // The defaults are incomplete on purpose: no cluster name, bucket or age recipient is guessed.
    LintResult r = new Helm(Chart.DIR).lint().strict().call();
    String all = String.join("\n", r.getMessages());
    assertThat(r.isFailed()).as(all).isTrue();
    assertThat(all).contains("/clusterName").contains("/store/s3/bucket").contains("/encryption/required': value must be false");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleRendersAndEveryObjectParsesWithTheOfficialModels(Path example) {
    Chart.Rendered r = Chart.render(example, Map.of("prometheusRule.autodetect", false, "serviceMonitor.autodetect", false));
    r.parseStrictly();
    assertThat(r.ofKind("Deployment").size() + r.ofKind("CronJob").size()).isPositive();
    assertThat(r.ofKind("PrometheusRule")).hasSize(1);
  }

  @Test
  void theModelsRejectUnknownFieldsAtEveryDepthWrongTypesAndMissingRequiredFields() {
    JsonNode cronJob = Chart.render(Chart.minimal()).one("CronJob");
    String good = Chart.JSON.writeValueAsString(cronJob);
    assertThat(parsesAsCronJob(good)).isNull();

    ObjectNode unknownDeep = (ObjectNode) cronJob.deepCopy();
    container(unknownDeep).put("imagePullPolcy", "Always");
    assertThat(parsesAsCronJob(Chart.JSON.writeValueAsString(unknownDeep))).contains("imagePullPolcy");

    ObjectNode wrongType = (ObjectNode) cronJob.deepCopy();
    ((ObjectNode) wrongType.path("spec").path("jobTemplate").path("spec")).put("backoffLimit", "two");
    assertThat(parsesAsCronJob(Chart.JSON.writeValueAsString(wrongType))).isNotNull();

    ObjectNode missing = (ObjectNode) cronJob.deepCopy();
    container(missing).remove("name");
    assertThat(parsesAsCronJob(Chart.JSON.writeValueAsString(missing))).contains("name");
  }

  /** null when the official model accepts {@code json}, else why not. */
  private static String parsesAsCronJob(String json) {
    try {
      V1CronJob.fromJson(json);
      return null;
    } catch (RuntimeException | IOException e) {
      return String.valueOf(e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------------------
  // what the defaults render

  @Test
  void theDefaultsGiveAHardenedCronJobRunningSnapshotWithRetention() {
    Chart.Rendered r = Chart.render(Chart.minimal()).parseStrictly();
    assertThat(r.kinds()).containsExactlyInAnyOrder("ServiceAccount/eb-etcd-backup", "Service/eb-etcd-backup-exporter",
        "Deployment/eb-etcd-backup-exporter", "CronJob/eb-etcd-backup");

    JsonNode cj = r.one("CronJob");
    JsonNode spec = cj.path("spec");
    assertThat(spec.path("schedule").asString()).isEqualTo("0 * * * *");
    assertThat(spec.path("timeZone").asString()).isEqualTo("Etc/UTC");
    assertThat(spec.path("concurrencyPolicy").asString()).isEqualTo("Forbid");
    assertThat(spec.path("startingDeadlineSeconds").asInt()).isEqualTo(600);
    JsonNode job = spec.path("jobTemplate").path("spec");
    assertThat(job.path("backoffLimit").asInt()).isEqualTo(2);
    assertThat(job.path("activeDeadlineSeconds").asInt()).isEqualTo(3000);
    JsonNode pod = job.path("template").path("spec");
    assertThat(pod.path("restartPolicy").asString()).isEqualTo("Never");
    assertThat(pod.path("automountServiceAccountToken").asBoolean()).isFalse();
    assertThat(pod.has("hostNetwork")).isFalse();
    assertNonRoot(pod);

    JsonNode c = container(cj);
    assertThat(strings(c.path("command"))).containsExactly("etcd-backup");
    assertThat(strings(c.path("args"))).containsExactly("snapshot", "--to=s3://etcd-backups/etcd", "--cluster-name=prod",
        "--endpoints=https://10.0.0.1:2379", "--cacert=/etc/etcd-backup/etcd-tls/ca.crt",
        "--cert=/etc/etcd-backup/etcd-tls/tls.crt", "--key=/etc/etcd-backup/etcd-tls/tls.key",
        "--spool-dir=/var/spool/etcd-backup", "--compression=zstd",
        "--encrypt-to=age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p", "--timeout=45m",
        "--keep-last=24", "--keep-daily=7", "--keep-weekly=4", "--keep-monthly=6");
    assertThat(c.has("env")).as("no credentials, no options: nothing in env").isFalse();
    assertHardened(c);
    assertThat(c.path("resources").path("limits").path("memory").asString()).isEqualTo("384Mi");
    assertThat(mounts(c)).containsExactly(Map.entry("tmp", "/tmp"), Map.entry("spool", "/var/spool/etcd-backup"),
        Map.entry("etcd-tls", "/etc/etcd-backup/etcd-tls"));

    JsonNode spool = volume(pod, "spool");
    assertThat(spool.path("emptyDir").path("sizeLimit").asString()).as("2.25 x maxDbSize 2Gi").isEqualTo("4608Mi");
    JsonNode tls = volume(pod, "etcd-tls").path("secret");
    assertThat(tls.path("secretName").asString()).isEqualTo("etcd-client");
    assertThat(tls.path("defaultMode").asInt()).isEqualTo(0440);
  }

  @Test
  void theDefaultsRenderNoPrometheusOperatorObjectsWhereItsApiIsNotServed() {
    // helm-java's template has no --api-versions: autodetect=true is tested off, autodetect=false on.
    Chart.Rendered off = Chart.render(Chart.minimal());
    assertThat(off.ofKind("PrometheusRule")).isEmpty();
    assertThat(off.ofKind("ServiceMonitor")).isEmpty();

    Map<String, Object> v = Chart.minimal();
    v.put("prometheusRule.autodetect", false);
    v.put("serviceMonitor.autodetect", false);
    v.put("prometheusRule.additionalLabels.release", "kps");
    Chart.Rendered on = Chart.render(v).parseStrictly();
    JsonNode sm = on.one("ServiceMonitor");
    assertThat(sm.path("spec").path("selector").path("matchLabels").path("app.kubernetes.io/component").asString())
        .isEqualTo("exporter");
    assertThat(sm.path("spec").path("endpoints").path(0).path("relabelings").path(0).path("replacement").asString())
        .as("the alert rules' job name").isEqualTo("etcd-backup-exporter");
    JsonNode rule = on.one("PrometheusRule");
    assertThat(rule.path("metadata").path("labels").path("release").asString()).isEqualTo("kps");
    assertThat(rule.path("spec").path("groups").path(0).path("rules").size()).isGreaterThan(5);
  }

  @Test
  void theAlertTextsStateTheThresholdsTheValuesSet() {
    Map<String, Object> v = Chart.minimal();
    v.put("prometheusRule.autodetect", false);
    String defaults = rulesText(v);
    assertThat(defaults).contains("(twice the expected interval, or 25h where none is reported)")
        .contains("for over 8 days").contains("# fallback, 25h in seconds").contains("# drill limit, 8 days");

    v.put("prometheusRule.ageFactor", 3);
    v.put("prometheusRule.fallbackSeconds", 7200);
    v.put("prometheusRule.drillStaleDays", 15);
    String tuned = rulesText(v);
    assertThat(tuned).contains("(3 times the expected interval, or 2h where none is reported)")
        .contains("for over 15 days").contains("7200 * group by (cluster) (  # fallback, 2h in seconds")
        .contains("> 15 * 86400  # drill limit, 15 days")
        .doesNotContain("twice").doesNotContain("25h").doesNotContain("8 days");

    v.put("prometheusRule.ageFactor", 1);
    v.put("prometheusRule.fallbackSeconds", 5400);
    assertThat(rulesText(v)).contains("(once the expected interval, or 90m where none is reported)");
    v.put("prometheusRule.fallbackSeconds", 100);
    assertThat(rulesText(v)).contains("or 100s where none is reported");
  }

  /** The PrometheusRule's expressions, summaries and descriptions, one per line. */
  private static String rulesText(Map<String, Object> values) {
    JsonNode groups = Chart.render(values).one("PrometheusRule").path("spec").path("groups");
    List<String> texts = new ArrayList<>();
    for (String field : List.of("expr", "summary", "description")) {
      groups.findValues(field).forEach(n -> texts.add(n.asString()));
    }
    return String.join("\n", texts);
  }

  @Test
  void thePushgatewayBringsTheExpectedIntervalAndNotWithoutIt() {
    Map<String, Object> v = Chart.minimal();
    v.put("metrics.pushgateway", "http://pushgateway.monitoring:9091");
    v.put("backup.expectedInterval", "6h");
    assertThat(strings(container(Chart.render(v).one("CronJob")).path("args")))
        .contains("--pushgateway=http://pushgateway.monitoring:9091", "--expected-interval=6h");
    // --expected-interval alone is a usage error of the CLI
    assertThat(strings(container(Chart.render(Chart.minimal()).one("CronJob")).path("args")))
        .noneMatch(a -> a.startsWith("--expected-interval") || a.startsWith("--pushgateway"));
  }

  @Test
  void theSpoolLimitFollowsMaxDbSizeAndRetentionRulesAreOnlyThoseSet() {
    Map<String, Object> v = Chart.minimal();
    v.put("spool.maxDbSize", "8Gi");
    v.put("retention.keepLast", "null");
    v.put("retention.keepWithin", "14d");
    v.put("retention.maxTotalSize", "50GiB");
    v.put("retention.pruneGrace", "30m");
    JsonNode cj = Chart.render(v).one("CronJob");
    assertThat(volume(cj.path("spec").path("jobTemplate").path("spec").path("template").path("spec"), "spool")
        .path("emptyDir").path("sizeLimit").asString()).isEqualTo("18432Mi");
    List<String> args = strings(container(cj).path("args"));
    assertThat(args.stream().filter(a -> a.startsWith("--keep-") || a.startsWith("--max-") || a.startsWith("--prune-")))
        .containsExactly("--keep-within=14d", "--keep-daily=7", "--keep-weekly=4", "--keep-monthly=6",
            "--max-total-size=50GiB", "--prune-grace=30m");
  }

  // ------------------------------------------------------------------------------------------
  // presets

  record Preset(String name, String dir, String ca, String cert, String key, String nodeLabel, String nodeValue) {}

  static Stream<Preset> presets() {
    return Stream.of(
        new Preset("kubeadm", "/etc/kubernetes/pki/etcd", "ca.crt", "healthcheck-client.crt", "healthcheck-client.key",
            "node-role.kubernetes.io/control-plane", ""),
        new Preset("k3s", "/var/lib/rancher/k3s/server/tls/etcd", "server-ca.crt", "server-client.crt", "server-client.key",
            "node-role.kubernetes.io/etcd", "true"),
        new Preset("rke2", "/var/lib/rancher/rke2/server/tls/etcd", "server-ca.crt", "server-client.crt",
            "server-client.key", "node-role.kubernetes.io/etcd", "true"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("presets")
  void aPresetRunsOnAnEtcdNodeOnTheHostNetworkAsRootWithTheNodesCertificate(Preset p) {
    Map<String, Object> v = presetValues(p.name());
    JsonNode cj = Chart.render(v).parseStrictly().one("CronJob");
    JsonNode pod = cj.path("spec").path("jobTemplate").path("spec").path("template").path("spec");
    assertThat(pod.path("hostNetwork").asBoolean()).isTrue();
    assertThat(pod.path("dnsPolicy").asString()).isEqualTo("ClusterFirstWithHostNet");
    assertThat(pod.path("nodeSelector").path(p.nodeLabel()).isString()).isTrue();
    assertThat(pod.path("nodeSelector").path(p.nodeLabel()).asString()).isEqualTo(p.nodeValue());
    assertThat(strings(pod.path("tolerations"), "key")).contains("node-role.kubernetes.io/control-plane");
    // root, for the node's root-owned 0600 key, and nothing else: no capability, no escalation
    JsonNode psc = pod.path("securityContext");
    assertThat(psc.path("runAsUser").asInt()).isZero();
    assertThat(psc.path("runAsNonRoot").asBoolean()).isFalse();
    assertThat(psc.path("seccompProfile").path("type").asString()).isEqualTo("RuntimeDefault");
    JsonNode c = container(cj);
    assertHardened(c);
    assertThat(strings(c.path("args"))).contains("--endpoints=https://127.0.0.1:2379", "--cacert=" + p.dir() + "/" + p.ca(),
        "--cert=" + p.dir() + "/" + p.cert(), "--key=" + p.dir() + "/" + p.key());
    JsonNode hp = volume(pod, "etcd-tls").path("hostPath");
    assertThat(hp.path("path").asString()).isEqualTo(p.dir());
    assertThat(hp.path("type").asString()).isEqualTo("Directory");
    assertThat(mounts(c)).containsEntry("etcd-tls", p.dir());
    assertThat(c.path("volumeMounts").findValues("readOnly")).allMatch(JsonNode::asBoolean);
  }

  @Test
  void aPresetWithASecretRunsAsNonRootAndTheExporterNeverTouchesTheNode() {
    Map<String, Object> v = presetValues("kubeadm");
    v.put("etcd.tls.existingSecret", "etcd-backup-client");
    Chart.Rendered r = Chart.render(v).parseStrictly();
    JsonNode pod = r.one("CronJob").path("spec").path("jobTemplate").path("spec").path("template").path("spec");
    assertNonRoot(pod);
    assertThat(pod.path("hostNetwork").asBoolean()).as("127.0.0.1:2379 is the node's").isTrue();
    assertThat(volume(pod, "etcd-tls").path("secret").path("secretName").asString()).isEqualTo("etcd-backup-client");

    JsonNode exporterPod = Chart.render(presetValues("k3s")).one("Deployment").path("spec").path("template").path("spec");
    assertNonRoot(exporterPod);
    assertThat(exporterPod.has("hostNetwork")).isFalse();
    assertThat(exporterPod.has("nodeSelector")).isFalse();
    assertThat(exporterPod.path("volumes").findValues("hostPath")).isEmpty();
  }

  // ------------------------------------------------------------------------------------------
  // credentials: a Secret, IRSA, the exporter's read-only ones

  @Test
  void s3CredentialsComeFromTheSecretAsTheSdkChainReadsThemAndTheExporterPrefersItsReadOnlyOnes() {
    Map<String, Object> v = Chart.minimal();
    v.put("store.s3.existingSecret", "writer");
    v.put("exporter.s3ExistingSecret", "reader");
    v.put("store.s3.endpoint", "https://minio.lan:9000");
    v.put("store.s3.pathStyle", true);
    v.put("store.s3.region", "us-east-1");
    v.put("store.s3.sse", "aws:kms");
    v.put("store.s3.sseKmsKeyId", "alias/etcd");
    Chart.Rendered r = Chart.render(v).parseStrictly();
    JsonNode backup = container(r.one("CronJob"));
    assertThat(secretRefs(backup)).containsExactly(Map.entry("AWS_ACCESS_KEY_ID", "writer/AWS_ACCESS_KEY_ID"),
        Map.entry("AWS_SECRET_ACCESS_KEY", "writer/AWS_SECRET_ACCESS_KEY"));
    assertThat(strings(backup.path("args"))).contains("--s3-endpoint=https://minio.lan:9000", "--s3-path-style",
        "--s3-region=us-east-1", "--s3-sse=aws:kms", "--s3-sse-kms-key-id=alias/etcd");

    JsonNode exporter = r.one("Deployment").path("spec").path("template").path("spec").path("containers").path(0);
    assertThat(secretRefs(exporter)).containsExactly(Map.entry("AWS_ACCESS_KEY_ID", "reader/AWS_ACCESS_KEY_ID"),
        Map.entry("AWS_SECRET_ACCESS_KEY", "reader/AWS_SECRET_ACCESS_KEY"));
    assertThat(strings(exporter.path("args"))).containsExactly("exporter", "--from=s3://etcd-backups/etcd",
        "--cluster-name=prod", "--s3-region=us-east-1", "--s3-endpoint=https://minio.lan:9000", "--s3-path-style",
        "--listen=:9808", "--refresh=60s");
    assertHardened(exporter);
    assertThat(exporter.path("livenessProbe").path("httpGet").path("path").asString()).isEqualTo("/healthz");
    assertThat(exporter.path("readinessProbe").path("httpGet").path("path").asString()).isEqualTo("/healthz");
    JsonNode svc = r.one("Service");
    assertThat(svc.path("spec").path("ports").path(0).path("port").asInt()).isEqualTo(9808);
  }

  @Test
  void irsaNeedsNoKeysOnlyServiceAccountAnnotationsOneRolePerPod() {
    Chart.Rendered r = Chart.render(Chart.EXAMPLES.resolve("irsa.yaml"), Map.of()).parseStrictly();
    assertThat(r.objects().toString()).doesNotContain("AWS_ACCESS_KEY_ID").doesNotContain("secretKeyRef");
    JsonNode writer = r.named("ServiceAccount", "eb-etcd-backup");
    JsonNode reader = r.named("ServiceAccount", "eb-etcd-backup-exporter");
    assertThat(writer.path("metadata").path("annotations").path("eks.amazonaws.com/role-arn").asString()).endsWith("role/etcd-backup-writer");
    assertThat(reader.path("metadata").path("annotations").path("eks.amazonaws.com/role-arn").asString()).endsWith("role/etcd-backup-reader");
    JsonNode cronPod = r.one("CronJob").path("spec").path("jobTemplate").path("spec").path("template").path("spec");
    JsonNode exporterPod = r.one("Deployment").path("spec").path("template").path("spec");
    assertThat(cronPod.path("serviceAccountName").asString()).isEqualTo("eb-etcd-backup");
    assertThat(exporterPod.path("serviceAccountName").asString()).isEqualTo("eb-etcd-backup-exporter");
    assertThat(strings(container(r.one("CronJob")).path("args"))).contains("--s3-sse=aws:kms", "--s3-sse-kms-key-id=alias/etcd-backups");
  }

  @Test
  void recipientsFromAConfigMapAreAFileNeverAnIdentity() {
    Map<String, Object> v = Chart.minimal();
    v.remove("encryption.recipients[0]");
    v.put("encryption.recipientsFrom.configMap", "recipients");
    JsonNode cj = Chart.render(v).parseStrictly().one("CronJob");
    JsonNode c = container(cj);
    assertThat(strings(c.path("args"))).contains("--recipients-file=/etc/etcd-backup/age/recipients.txt")
        .noneMatch(a -> a.startsWith("--encrypt-to") || a.startsWith("--identity"));
    assertThat(mounts(c)).containsEntry("age-recipients", "/etc/etcd-backup/age");
    JsonNode pod = cj.path("spec").path("jobTemplate").path("spec").path("template").path("spec");
    assertThat(volume(pod, "age-recipients").path("configMap").path("name").asString()).isEqualTo("recipients");
  }

  @Test
  void aLocalStoreIsAClaimTheBackupWritesAndTheExporterReadsReadOnly() {
    Chart.Rendered r = Chart.render(Chart.EXAMPLES.resolve("local-volume.yaml"), Map.of()).parseStrictly();
    JsonNode pvc = r.one("PersistentVolumeClaim");
    assertThat(pvc.path("metadata").path("annotations").path("helm.sh/resource-policy").asString()).isEqualTo("keep");
    assertThat(strings(pvc.path("spec").path("accessModes"))).containsExactly("ReadWriteMany");
    JsonNode c = container(r.one("CronJob"));
    assertThat(strings(c.path("args"))).contains("--to=/var/lib/etcd-backup/store").noneMatch(a -> a.startsWith("--s3-")
        || a.startsWith("--encrypt-to") || a.startsWith("--recipients-file"));
    assertThat(mounts(c)).containsEntry("store", "/var/lib/etcd-backup/store");
    JsonNode exporter = r.one("Deployment").path("spec").path("template").path("spec").path("containers").path(0);
    JsonNode storeMount = exporter.path("volumeMounts").path(1);
    assertThat(storeMount.path("mountPath").asString()).isEqualTo("/var/lib/etcd-backup/store");
    assertThat(storeMount.path("readOnly").asBoolean()).isTrue();
  }

  // ------------------------------------------------------------------------------------------
  // daemon mode

  @Test
  void daemonModeIsOneRecreatedDeploymentWithProbesAndItsScheduleInAConfigMap() {
    Chart.Rendered r = Chart.render(Chart.EXAMPLES.resolve("daemon.yaml"), Map.of()).parseStrictly();
    assertThat(r.ofKind("CronJob")).isEmpty();
    JsonNode d = r.named("Deployment", "eb-etcd-backup-daemon");
    assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(1);
    assertThat(d.path("spec").path("strategy").path("type").asString()).isEqualTo("Recreate");
    JsonNode pod = d.path("spec").path("template").path("spec");
    JsonNode c = pod.path("containers").path(0);
    assertThat(strings(c.path("args"))).containsExactly("schedule", "--config=/etc/etcd-backup/schedule/schedule.yaml",
        "--listen=:9808", "--shutdown-grace=30s", "--max-backup-age=1h");
    assertThat(c.path("livenessProbe").path("httpGet").path("path").asString()).isEqualTo("/healthz");
    assertThat(c.path("readinessProbe").path("httpGet").path("path").asString()).isEqualTo("/readyz");
    assertHardened(c);
    assertThat(pod.path("hostNetwork").asBoolean()).as("kubeadm preset").isTrue();
    assertThat(mounts(c)).containsEntry("schedule", "/etc/etcd-backup/schedule");

    JsonNode schedule = Chart.YAML.readTree(r.named("ConfigMap", "eb-etcd-backup-daemon").path("data").path("schedule.yaml").asString());
    assertThat(schedule.path("cluster-name").asString()).isEqualTo("prod");
    assertThat(schedule.path("etcd").path("cacert").asString()).isEqualTo("/etc/kubernetes/pki/etcd/ca.crt");
    assertThat(strings(schedule.path("etcd").path("endpoints"))).containsExactly("https://127.0.0.1:2379");
    assertThat(schedule.path("store").path("uri").asString()).isEqualTo("s3://my-etcd-backups/etcd");
    JsonNode backup = schedule.path("jobs").path(0);
    assertThat(backup.path("cron").asString()).isEqualTo("0 */15 * * * ?");
    assertThat(backup.path("keep-last").asInt()).as("retention from the values").isEqualTo(24);
    assertThat(backup.path("keep-last").isNumber()).isTrue();
    assertThat(strings(backup.path("encrypt-to"))).hasSize(1);
    JsonNode drill = schedule.path("jobs").path(1);
    assertThat(drill.path("kind").asString()).isEqualTo("drill");
    assertThat(drill.has("keep-last")).as("only backup jobs get retention").isFalse();
    assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isGreaterThan(30);
    assertThat(r.ofKind("PodDisruptionBudget")).as("one replica: a budget would block every drain").isEmpty();
    assertThat(pod.has("topologySpreadConstraints")).isFalse();
  }

  @Test
  void daemonReplicasWithElectionRollOneAtATimeWithABudgetOfOne() {
    Map<String, Object> v = ChartTest.presetValues("kubeadm");
    v.put("mode", "daemon");
    v.put("daemon.replicas", 3);
    v.put("daemon.election.enabled", true);
    v.put("daemon.election.ttl", "10s");
    Chart.Rendered r = Chart.render(v).parseStrictly();
    JsonNode d = r.named("Deployment", "eb-etcd-backup-daemon");
    assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(3);
    JsonNode strategy = d.path("spec").path("strategy");
    assertThat(strategy.path("type").asString()).isEqualTo("RollingUpdate");
    assertThat(strategy.path("rollingUpdate").path("maxSurge").asInt(-1)).as("no surge: hostNetwork ports").isZero();
    assertThat(strategy.path("rollingUpdate").path("maxUnavailable").asInt()).isEqualTo(1);
    JsonNode pod = d.path("spec").path("template").path("spec");
    assertThat(strings(pod.path("containers").path(0).path("args"))).containsExactly("schedule",
        "--config=/etc/etcd-backup/schedule/schedule.yaml", "--listen=:9808", "--shutdown-grace=30s", "--election",
        "--election-ttl=10s");
    JsonNode podLabels = d.path("spec").path("template").path("metadata").path("labels");
    JsonNode spread = pod.path("topologySpreadConstraints").path(0);
    assertThat(spread.path("topologyKey").asString()).isEqualTo("kubernetes.io/hostname");
    assertThat(spread.path("whenUnsatisfiable").asString()).as("never Pending for want of a node").isEqualTo("ScheduleAnyway");
    assertSelects(spread.path("labelSelector").path("matchLabels"), podLabels);

    JsonNode pdb = r.one("PodDisruptionBudget");
    assertThat(pdb.path("spec").path("maxUnavailable").asInt()).isEqualTo(1);
    assertSelects(pdb.path("spec").path("selector").path("matchLabels"), podLabels);
    // the election is named after the file's cluster-name, which --election needs
    JsonNode schedule = Chart.YAML.readTree(r.named("ConfigMap", "eb-etcd-backup-daemon").path("data").path("schedule.yaml").asString());
    assertThat(schedule.path("cluster-name").asString()).isEqualTo("prod");

    // election with one replica: the flags, but Recreate and no budget
    v.put("daemon.replicas", 1);
    v.remove("daemon.election.ttl");
    Chart.Rendered one = Chart.render(v).parseStrictly();
    JsonNode single = one.named("Deployment", "eb-etcd-backup-daemon");
    assertThat(single.path("spec").path("strategy").path("type").asString()).isEqualTo("Recreate");
    assertThat(strings(single.path("spec").path("template").path("spec").path("containers").path(0).path("args")))
        .endsWith("--election", "--election-ttl=15s");
    assertThat(one.ofKind("PodDisruptionBudget")).isEmpty();
  }

  @Test
  void aChangedScheduleRollsTheDaemonOut() {
    Map<String, Object> v = Chart.minimal();
    v.put("mode", "daemon");
    String before = scheduleChecksum(Chart.render(v));
    assertThat(before).isNotBlank().isEqualTo(scheduleChecksum(Chart.render(v)));
    v.put("retention.keepLast", 5);
    assertThat(scheduleChecksum(Chart.render(v))).isNotEqualTo(before);
  }

  private static String scheduleChecksum(Chart.Rendered r) {
    return r.named("Deployment", "eb-etcd-backup-daemon").path("spec").path("template").path("metadata")
        .path("annotations").path("checksum/schedule").asString();
  }

  /** Every label of {@code selector} is on {@code labels} with its value. */
  private static void assertSelects(JsonNode selector, JsonNode labels) {
    assertThat(selector.size()).isPositive();
    for (String k : ((ObjectNode) selector).propertyNames()) {
      assertThat(labels.path(k).asString()).as("pod label %s", k).isEqualTo(selector.path(k).asString());
    }
  }

  // ------------------------------------------------------------------------------------------
  // the schema says what is wrong, in one line each

  @Test
  void theSchemaRefusesAWrongType() {
    Map<String, Object> v = Chart.minimal();
    v.put("cronjob.backoffLimit", "two");
    assertThat(Chart.renderError(v)).contains("at '/cronjob/backoffLimit': got string, want integer");
  }

  @Test
  void theSchemaRefusesAnUnknownKeyAtAnyDepth() {
    Map<String, Object> v = Chart.minimal();
    v.put("store.s3.bucekt", "typo");
    assertThat(Chart.renderError(v)).contains("at '/store/s3': additional properties 'bucekt' not allowed");
    Map<String, Object> top = Chart.minimal();
    top.put("replicaCount", 2);
    assertThat(Chart.renderError(top)).contains("additional properties 'replicaCount' not allowed");
  }

  @Test
  void theSchemaRefusesAMissingBucket() {
    Map<String, Object> v = Chart.minimal();
    v.remove("store.s3.bucket");
    assertThat(Chart.renderError(v)).contains("at '/store/s3/bucket': minLength: got 0, want 3");
  }

  @Test
  void theSchemaRefusesNoEncryptionUnlessItIsSwitchedOffDeliberately() {
    Map<String, Object> v = Chart.minimal();
    v.remove("encryption.recipients[0]");
    String error = Chart.renderError(v);
    assertThat(error).contains("at '/encryption/recipients': minItems: got 0, want 1")
        .contains("at '/encryption/recipientsFrom/secret'").contains("at '/encryption/recipientsFrom/configMap'")
        .as("says how to turn it off").contains("at '/encryption/required': value must be false");
    v.put("encryption.required", false);
    assertThat(strings(container(Chart.render(v).one("CronJob")).path("args")))
        .noneMatch(a -> a.startsWith("--encrypt-to") || a.startsWith("--recipients-file"));
  }

  @Test
  void theSchemaRefusesQuartzCronForTheCronJobAndASecondDaemonWithoutElection() {
    Map<String, Object> v = Chart.minimal();
    v.put("cronjob.schedule", "0 0 * * * ?");
    assertThat(Chart.renderError(v)).contains("at '/cronjob/schedule'");
    Map<String, Object> d = Chart.minimal();
    d.put("mode", "daemon");
    d.put("daemon.replicas", 2);
    assertThat(Chart.renderError(d)).as("either one replica, or the election on")
        .contains("at '/daemon/replicas': value must be 1").contains("at '/daemon/election/enabled': value must be true");
    d.put("daemon.election.enabled", true);
    d.put("daemon.election.ttl", "1s");
    assertThat(Chart.renderError(d)).contains("at '/daemon/election/ttl'");
    d.put("daemon.election.ttl", "2500ms");
    assertThat(Chart.renderError(d)).contains("at '/daemon/election/ttl'");
    d.put("daemon.replicas", 0);
    d.put("daemon.election.ttl", "1m");
    assertThat(Chart.renderError(d)).contains("at '/daemon/replicas': minimum: got 0, want 1");
  }

  @Test
  void anExternalEtcdNeedsEndpointsAndASecret() {
    Map<String, Object> v = Chart.minimal();
    v.remove("etcd.endpoints[0]");
    v.remove("etcd.tls.existingSecret");
    assertThat(Chart.renderError(v)).contains("at '/etcd/endpoints': minItems: got 0, want 1")
        .contains("at '/etcd/tls/existingSecret': minLength: got 0, want 1");
  }

  // ------------------------------------------------------------------------------------------

  static Map<String, Object> presetValues(String preset) {
    Map<String, Object> v = Chart.minimal();
    v.remove("etcd.endpoints[0]");
    v.remove("etcd.tls.existingSecret");
    v.put("etcd.preset", preset);
    return v;
  }

  private static void assertNonRoot(JsonNode pod) {
    JsonNode psc = pod.path("securityContext");
    assertThat(psc.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(psc.path("runAsUser").asInt()).isEqualTo(65532);
    assertThat(psc.path("fsGroup").asInt()).isEqualTo(65532);
    assertThat(psc.path("seccompProfile").path("type").asString()).isEqualTo("RuntimeDefault");
  }

  static void assertHardened(JsonNode container) {
    JsonNode sc = container.path("securityContext");
    assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(sc.path("privileged").asBoolean(true)).isFalse();
    assertThat(strings(sc.path("capabilities").path("drop"))).containsExactly("ALL");
    assertThat(sc.path("capabilities").has("add")).isFalse();
  }

  static ObjectNode container(JsonNode cronJob) {
    return (ObjectNode) cronJob.path("spec").path("jobTemplate").path("spec").path("template").path("spec")
        .path("containers").path(0);
  }

  static JsonNode volume(JsonNode podSpec, String name) {
    for (JsonNode v : podSpec.path("volumes")) {
      if (name.equals(v.path("name").asString())) {
        return v;
      }
    }
    throw new AssertionError("no volume " + name + " in " + podSpec.path("volumes"));
  }

  static Map<String, String> mounts(JsonNode container) {
    Map<String, String> m = new LinkedHashMap<>();
    container.path("volumeMounts").forEach(vm -> m.put(vm.path("name").asString(), vm.path("mountPath").asString()));
    return m;
  }

  /** env name to "secret/key" of each secretKeyRef. */
  static Map<String, String> secretRefs(JsonNode container) {
    Map<String, String> m = new LinkedHashMap<>();
    container.path("env").forEach(e -> {
      JsonNode ref = e.path("valueFrom").path("secretKeyRef");
      if (!ref.isMissingNode()) {
        m.put(e.path("name").asString(), ref.path("name").asString() + "/" + ref.path("key").asString());
      }
    });
    return m;
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asString()));
    return out;
  }

  private static List<String> strings(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.path(field).asString()));
    return out;
  }

  private static Path copyChart(Path target) throws IOException {
    try (Stream<Path> s = Files.walk(Chart.DIR)) {
      for (Path p : s.toList()) {
        Path t = target.resolve(Chart.DIR.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return target;
  }

  /** Helm's merge of a values file over the defaults: maps merge key by key, anything else is replaced. */
  private static JsonNode merge(JsonNode base, JsonNode over) {
    if (!(base instanceof ObjectNode b) || !(over instanceof ObjectNode o)) {
      return over;
    }
    ObjectNode out = b.deepCopy();
    for (String k : o.propertyNames()) {
      out.set(k, out.has(k) ? merge(out.get(k), o.get(k)) : o.get(k));
    }
    return out;
  }
}
