package io.etcdbackup.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScheduleConfigTest {
  private static final Path FILE = Path.of("schedule.yaml");
  private static final String HEAD = """
      cluster-name: prod
      etcd:
        endpoints: [http://127.0.0.1:2379]
      store:
        uri: /tmp/backups
      """;

  @TempDir
  Path tmp;

  private static ScheduleConfig parse(String text) {
    return ScheduleConfig.parse(FILE, text);
  }

  private static String withJob(String job) {
    return HEAD + "jobs:\n  - name: often\n" + job.indent(4);
  }

  @Test
  void aFullFileParses() {
    ScheduleConfig c = parse(withJob("""
        kind: backup
        cron: "0 */15 * * * ?"
        time-zone: Europe/Berlin
        jitter: 30s
        compression: zstd
        compression-level: 3
        keep-last: 2
        keep-daily: 7
        min-keep: 1
        prune-grace: 0s
        """) + """
          - name: check
            kind: verify
            cron: "0 0 3 * * ?"
            newest: 3
        """);
    assertThat(c.clusterName()).hasValue("prod");
    assertThat(c.jobs()).hasSize(2);
    ScheduleConfig.Job b = c.jobs().get(0);
    assertThat(b.kind()).isEqualTo(ScheduleConfig.Kind.BACKUP);
    assertThat(b.timeZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(b.jitter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(b.intervalAfter(Instant.parse("2026-01-01T00:00:00Z"))).hasValue(Duration.ofMinutes(15));
    assertThat(((ScheduleConfig.BackupSpec) b.spec()).request().retention()).isPresent();
    assertThat(((ScheduleConfig.VerifySpec) c.jobs().get(1).spec()).newest()).hasValue(3);
    assertThat(c.jobs().get(1).timeZone()).isEqualTo(ZoneId.of("UTC"));
  }

  @Test
  void theExampleFileParses() {
    Path example = Path.of("..", "examples", "schedule.yaml");
    ScheduleConfig c = ScheduleConfig.load(example, Map.of("ETCDCTL_ENDPOINTS", "https://127.0.0.1:2379"));
    assertThat(c.jobs()).extracting(ScheduleConfig.Job::name).containsExactly("backup", "verify", "drill");
    assertThat(c.etcd().endpoints()).hasSize(1);
    assertThatThrownBy(() -> ScheduleConfig.load(example)).as("the connection comes from the environment")
        .hasMessageEndingWith("etcd.endpoints is missing (or set ETCD_BACKUP_ENDPOINTS)");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      unknown top key         | colour: red                      | schedule.yaml: unknown key colour
      unknown job key         | JOB keep-lst: 2                  | schedule.yaml: unknown key jobs[often].keep-lst
      bad cron                | CRON 0 */15 * *                  | schedule.yaml: jobs[often].cron ('0 */15 * *') is not a Quartz cron expression
      bad zone                | JOB time-zone: Mars/Olympus      | schedule.yaml: jobs[often].time-zone: (Mars/Olympus) is not a time zone
      bad jitter              | JOB jitter: soon                 | schedule.yaml: jobs[often].jitter: 'soon' is not a duration
      drill without etcd      | JOB drill-etcd: /nonexistent/etcd | schedule.yaml: unknown key jobs[often].drill-etcd
      unknown kind            | KIND copy                        | schedule.yaml: jobs[often].kind (copy) must be one of backup, verify, drill
      floor without rule      | JOB min-keep: 2                  | schedule.yaml: jobs[often].min-keep is given without a retention rule
      bad retention           | JOB keep-last: 0                 | schedule.yaml: jobs[often].retention: --keep-last (0)
      not a number            | JOB keep-last: many              | schedule.yaml: jobs[often].keep-last (many) must be a whole number
      bad compression         | JOB compression: lz4             | schedule.yaml: jobs[often].backup:
      verify key on a backup  | JOB newest: 2                    | schedule.yaml: unknown key jobs[often].newest
      """)
  void eachMistakeIsOneLineNamingTheKey(String what, String change, String expected) {
    String kind = "backup";
    String cron = "* * * * * ?";
    String extraJob = "";
    String extraTop = "";
    if (change.startsWith("JOB ")) {
      extraJob = change.substring(4) + "\n";
    } else if (change.startsWith("CRON ")) {
      cron = change.substring(5);
    } else if (change.startsWith("KIND ")) {
      kind = change.substring(5);
    } else {
      extraTop = change + "\n";
    }
    String text = extraTop + withJob("kind: " + kind + "\ncron: \"" + cron + "\"\n" + extraJob);
    assertThatThrownBy(() -> parse(text)).isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith(expected).satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void missingSectionsAndKeys() {
    assertThatThrownBy(() -> parse("jobs: []\n"))
        .hasMessage("schedule.yaml: etcd.endpoints is missing (or set ETCD_BACKUP_ENDPOINTS)");
    assertThatThrownBy(() -> parse(HEAD + "jobs: []\n")).hasMessage("schedule.yaml: jobs must list at least one job");
    assertThatThrownBy(() -> parse(HEAD + "jobs:\n  - name: x\n    kind: backup\n"))
        .hasMessage("schedule.yaml: jobs[x].cron is missing");
    assertThatThrownBy(() -> parse(HEAD + "jobs:\n  - kind: backup\n")).hasMessage("schedule.yaml: jobs[0].name is missing");
    assertThatThrownBy(() -> parse("etcd: {}\n"))
        .hasMessage("schedule.yaml: etcd.endpoints is missing (or set ETCD_BACKUP_ENDPOINTS)");
    assertThatThrownBy(() -> parse("etcd:\n  endpoints: ftp://x:1\nstore:\n  uri: /tmp\njobs: []\n"))
        .hasMessageStartingWith("schedule.yaml: etcd.endpoints: --endpoints (ftp://x:1) must use http or https");
    assertThatThrownBy(() -> parse("- a\n- b\n")).hasMessage("schedule.yaml: the top level must be a mapping of keys to values");
    assertThatThrownBy(() -> parse("etcd: [\n")).hasMessageStartingWith("schedule.yaml: not valid YAML");
  }

  @Test
  void duplicateJobNames() {
    String job = "  - name: a\n    kind: verify\n    cron: \"* * * * * ?\"\n";
    assertThatThrownBy(() -> parse(HEAD + "jobs:\n" + job + job))
        .hasMessage("schedule.yaml: jobs[1].name (a) is used by an earlier job: names must be unique");
  }

  @Test
  void verifyNewestMustBePositive() {
    assertThatThrownBy(() -> parse(withJob("kind: verify\ncron: \"* * * * * ?\"\nnewest: 0\n")))
        .hasMessage("schedule.yaml: jobs[often].newest (0) must be at least 1");
  }

  @Test
  void aMissingSecretOrCertificateFileNamesTheKey() throws Exception {
    String job = "jobs:\n  - name: a\n    kind: verify\n    cron: \"* * * * * ?\"\n";
    Path missing = tmp.resolve("nope");
    assertThatThrownBy(() -> parse("etcd:\n  endpoints: https://127.0.0.1:2379\n  cacert: " + missing
        + "\nstore:\n  uri: /tmp\n" + job)).hasMessage("schedule.yaml: etcd.cacert (" + missing + ") is not a readable file");
    assertThatThrownBy(() -> parse("etcd:\n  endpoints: http://127.0.0.1:2379\n  user: root\n  password-file: " + missing
        + "\nstore:\n  uri: /tmp\n" + job)).hasMessage("schedule.yaml: etcd.password-file (" + missing + ") is not a readable file");
    assertThatThrownBy(() -> parse(HEAD.replace("uri: /tmp/backups", "uri: s3://b/p\n  s3-access-key-id: k\n"
        + "  s3-secret-access-key-file: " + missing) + job))
        .hasMessage("schedule.yaml: store.s3-secret-access-key-file (" + missing + ") is not a readable file");
    Path cert = Files.writeString(tmp.resolve("cert.pem"), "x");
    assertThatThrownBy(() -> parse("etcd:\n  endpoints: https://127.0.0.1:2379\n  cert: " + cert
        + "\nstore:\n  uri: /tmp\n" + job)).hasMessage("schedule.yaml: etcd.key is missing: cert and key go together");
    Path pw = Files.writeString(tmp.resolve("pw"), "hunter2\n");
    ScheduleConfig c = parse("etcd:\n  endpoints: http://127.0.0.1:2379\n  user: root\n  password-file: " + pw
        + "\nstore:\n  uri: /tmp\n" + job);
    assertThat(c.etcd().password()).hasValue("hunter2");
    assertThat(c.toString()).doesNotContain("hunter2");
  }

  @Test
  void aFileThatCannotBeRead() {
    assertThatThrownBy(() -> ScheduleConfig.load(tmp.resolve("absent.yaml")))
        .hasMessageStartingWith("--config (" + tmp.resolve("absent.yaml") + ") cannot be read");
  }

  @Test
  void theEnvironmentFillsTheConnectionAndStoreKeysTheFileLeavesOut() throws Exception {
    Path ca = Files.writeString(tmp.resolve("ca.crt"), "not checked here");
    String jobs = "jobs:\n  - name: b\n    kind: backup\n    cron: \"0 * * * * ?\"\n";
    ScheduleConfig c = ScheduleConfig.parse(Path.of("schedule.yaml"), "cluster-name: prod\netcd:\n  insecure-skip-tls-verify: false\n" + jobs,
        Map.of("ETCDCTL_ENDPOINTS", "https://10.0.0.1:2379,https://10.0.0.2:2379", "ETCD_BACKUP_CACERT", ca.toString(),
            "ETCD_BACKUP_DIAL_TIMEOUT", "3s", "ETCD_BACKUP_STORE_URI", "s3://bucket/etcd", "ETCD_BACKUP_S3_PATH_STYLE", "true",
            "ETCD_BACKUP_S3_MAX_PARTS_IN_FLIGHT", "2", "ETCD_BACKUP_CLUSTER_NAME", "ignored: the file has it",
            "ETCD_BACKUP_INSECURE_SKIP_TLS_VERIFY", "true"));
    assertThat(c.etcd().endpoints()).hasSize(2);
    assertThat(c.etcd().caCert()).contains(ca);
    assertThat(c.etcd().dialTimeout()).isEqualTo(java.time.Duration.ofSeconds(3));
    assertThat(c.etcd().insecureSkipTlsVerify()).as("the file's false wins").isFalse();
    assertThat(c.clusterName()).contains("prod");
    assertThat(c.store().uri()).isEqualTo("s3://bucket/etcd");
    assertThat(c.store().options().pathStyle()).isTrue();
    assertThat(c.store().options().maxPartsInFlight()).isEqualTo(2);
  }

  @Test
  void aBadValueFromTheEnvironmentNamesItsVariableAndAMissingKeyNamesTheOne() {
    String jobs = "jobs:\n  - name: b\n    kind: backup\n    cron: \"0 * * * * ?\"\n";
    assertThatThrownBy(() -> ScheduleConfig.parse(Path.of("schedule.yaml"), "store:\n  uri: /tmp\n" + jobs,
        Map.of("ETCD_BACKUP_ENDPOINTS", "http://127.0.0.1:2379", "ETCD_BACKUP_DIAL_TIMEOUT", "soon")))
        .hasMessageStartingWith("schedule.yaml: etcd.dial-timeout (from ETCD_BACKUP_DIAL_TIMEOUT)");
    assertThatThrownBy(() -> ScheduleConfig.parse(Path.of("schedule.yaml"), "store:\n  uri: /tmp\n" + jobs, Map.of()))
        .hasMessage("schedule.yaml: etcd.endpoints is missing (or set ETCD_BACKUP_ENDPOINTS)");
  }
}
