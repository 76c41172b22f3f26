package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.options.GetOption;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.PromText;
import io.etcdbackup.testing.Pushgateway;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code etcd-backup drill} against real backups of a real etcd 3.5: booted in a throwaway etcd
 * 3.5.30 from S3 (encrypted) and offline from a local store, both with figures equal to the
 * source's own at the backup's revision; a tampered backup fails with integrity. Every drill
 * leaves its scratch dir empty and no etcd behind, and pushes its metrics to a real Pushgateway.
 */
class DrillCommandIT {

  @RegisterExtension
  static final EtcdClusterExtension ETCD = new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  @TempDir
  static Path tmp;

  static AgeKeys keys;
  static Pushgateway gateway;
  static long revision;
  static long liveKeys;
  static long hashKv;

  @BeforeAll
  static void data() throws Exception {
    EtcdCluster c = ETCD.cluster();
    SampleData.history(c.client());
    SampleData.bulk(c.client(), "/registry/configmaps/drill/", 300_000, 2048, 11);
    ByteSequence zero = ByteSequence.from(new byte[] {0});
    var count = c.client().getKVClient().get(zero, GetOption.builder().withRange(zero).withCountOnly(true).build())
        .get(10, TimeUnit.SECONDS);
    revision = count.getHeader().getRevision();
    liveKeys = count.getCount();
    hashKv = Integer.toUnsignedLong(c.client().getMaintenanceClient().hashKV(c.member(0).clientUrl(), revision)
        .get(10, TimeUnit.SECONDS).getHash());
    keys = AgeKeys.generate(tmp, "drill");
    gateway = Pushgateway.start(Files.createDirectories(tmp.resolve("pushgateway")));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static String backup(Stores store, String cluster, String... more) {
    List<String> args = new java.util.ArrayList<>(store.with("--to", store.uri(), "--cluster-name", cluster,
        "--encrypt-to", keys.recipient(), "-o", "json"));
    args.addAll(List.of(more));
    Cli.Result r = new Cli().run(ETCD.cluster().tlsFlags(), "snapshot", args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode m = Formats.JSON.readTree(r.out()).get("manifest");
    assertThat(m.get("revision").asLong()).isEqualTo(revision);
    return m.get("id").asString();
  }

  private static Cli.Result drill(Stores store, String cluster, Path scratch, String... more) throws Exception {
    Files.createDirectories(scratch);
    List<String> args = new java.util.ArrayList<>(store.with("--from", store.uri(), "--cluster-name", cluster,
        "--identity-file", keys.identityFile().toString(), "--scratch-dir", scratch.toString(),
        "--pushgateway", gateway.url().toString(), "-o", "json"));
    args.addAll(List.of(more));
    args.add(0, "drill");
    return new Cli().run(args.toArray(String[]::new));
  }

  private static Path etcdBinary() {
    return EtcdVersion.V3_5.binary("etcd");
  }

  /** The scratch dir holds nothing, and no process of this JVM runs on anything inside it. */
  private static void assertCleanedUp(Path scratch) throws Exception {
    try (Stream<Path> s = Files.list(scratch)) {
      assertThat(s.toList()).as("left in the scratch dir").isEmpty();
    }
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .map(p -> p.info().commandLine().orElse("")).filter(cmd -> cmd.contains(scratch.toString())).toList())
        .as("processes on the scratch dir").isEmpty();
  }

  private static void assertFiguresOfTheSource(JsonNode r) {
    for (String side : List.of("expected", "observed")) {
      JsonNode f = r.get(side);
      assertThat(f.get("revision").asLong()).as(side + " revision").isEqualTo(revision);
      assertThat(f.get("keys").asLong()).as(side + " keys").isEqualTo(liveKeys);
      assertThat(f.get("hashKv").asLong()).as(side + " hashKv").isEqualTo(hashKv);
    }
  }

  @Test
  void aBootDrillFromS3ServesTheBackupsFiguresAndReportsModeBoot() throws Exception {
    Stores store = Stores.s3(S3, S3.newPrefix("drill"));
    String id = backup(store, "booted");
    Path scratch = tmp.resolve("scratch-boot");

    Cli.Result r = drill(store, "booted", scratch, "--drill-etcd", etcdBinary().toString());

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode j = Formats.JSON.readTree(r.out());
    assertThat(j.get("id").asString()).isEqualTo(id);
    assertThat(j.get("mode").asString()).isEqualTo("boot");
    assertThat(j.get("checkedBy").asString()).isEqualTo("etcd 3.5.30");
    assertFiguresOfTheSource(j);
    assertCleanedUp(scratch);
    String text = gateway.metrics();
    assertThat(PromText.value(text, "etcd_backup_drill_last_success_timestamp_seconds", "job", "etcd-backup-drill",
        "cluster", "booted", "mode", "boot", "store", "s3")).isPresent();
    assertThat(PromText.value(text, "etcd_backup_drill_runs_total", "cluster", "booted", "mode", "boot",
        "outcome", "success", "reason", "ok")).contains(1.0);
    assertThat(PromText.value(text, "etcd_backup_drill_duration_seconds", "cluster", "booted", "mode", "boot")
        .orElseThrow()).isPositive();
  }

  /**
   * A backup of a cluster with auth on: the drill's etcd boots with auth off in its scratch copy, so
   * that it answers without the source's passwords; the figures are the source's all the same.
   */
  @Test
  void aBootDrillOfAnAuthEnabledClusterAnswersWithoutItsPasswords() throws Exception {
    try (EtcdCluster secured = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).auth("dr1ll-pw").start()) {
      SampleData.history(secured.client());
      ByteSequence zero = ByteSequence.from(new byte[] {0});
      var count = secured.client().getKVClient().get(zero, GetOption.builder().withRange(zero).withCountOnly(true).build())
          .get(10, TimeUnit.SECONDS);
      Stores store = Stores.local(tmp.resolve("store-auth"));
      List<String> conn = new java.util.ArrayList<>(secured.tlsFlags());
      conn.addAll(List.of("--user", "root", "--password", secured.rootPassword()));
      Cli.Result b = new Cli().run(conn, "snapshot", store.with("--to", store.uri(), "--cluster-name", "secured")
          .toArray(String[]::new));
      assertThat(b.exitCode()).as(b.toString()).isZero();
      Path scratch = tmp.resolve("scratch-auth");

      Cli.Result r = drill(store, "secured", scratch, "--drill-etcd", etcdBinary().toString());

      assertThat(r.exitCode()).as(r.toString()).isZero();
      JsonNode j = Formats.JSON.readTree(r.out());
      assertThat(j.get("mode").asString()).isEqualTo("boot");
      assertThat(j.get("observed").get("keys").asLong()).isEqualTo(count.getCount());
      assertThat(j.get("observed").get("revision").asLong()).isEqualTo(count.getHeader().getRevision());
      assertCleanedUp(scratch);
    }
  }

  @Test
  void anOfflineDrillWithoutABinaryChecksTheRestoredDbAndReportsModeOffline() throws Exception {
    Stores store = Stores.local(tmp.resolve("store-offline"));
    backup(store, "offline");
    Path scratch = tmp.resolve("scratch-offline");

    Cli.Result r = drill(store, "offline", scratch);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode j = Formats.JSON.readTree(r.out());
    assertThat(j.get("mode").asString()).isEqualTo("offline");
    assertFiguresOfTheSource(j);
    assertCleanedUp(scratch);
    assertThat(PromText.value(gateway.metrics(), "etcd_backup_drill_runs_total", "cluster", "offline",
        "mode", "offline", "outcome", "success", "reason", "ok")).contains(1.0);
  }

  @Test
  void anEtcdThatExitsBeforeItIsHealthyFailsTheDrillAsInternalWithItsLog() throws Exception {
    Stores store = Stores.local(tmp.resolve("store-noboot"));
    backup(store, "noboot");
    Path fake = tmp.resolve("fake-etcd");
    Files.writeString(fake, "#!/bin/sh\necho 'cannot open the data dir' >&2\nexit 3\n");
    fake.toFile().setExecutable(true);
    Path scratch = tmp.resolve("scratch-noboot");

    Cli.Result r = drill(store, "noboot", scratch, "--drill-etcd", fake.toString(), "--drill-boot-timeout", "10s");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(r.err()).contains("the drill's etcd exited with code 3").contains("cannot open the data dir");
    assertCleanedUp(scratch);
    assertThat(PromText.value(gateway.metrics(), "etcd_backup_drill_runs_total", "cluster", "noboot", "mode", "boot",
        "outcome", "failure", "reason", "internal")).contains(1.0);
  }

  @Test
  void aHashKvThatDiffersFromTheManifestsRecordFailsTheDrillWithIntegrity() throws Exception {
    Path dir = tmp.resolve("store-hashkv");
    Stores store = Stores.local(dir);
    String id = backup(store, "hashkv", "--verify-hashkv");
    Path manifest = dir.resolve(Layout.manifestKey("hashkv", id));
    tools.jackson.databind.node.ObjectNode m = (tools.jackson.databind.node.ObjectNode) Formats.JSON.readTree(
        Files.readString(manifest));
    tools.jackson.databind.node.ObjectNode hk = (tools.jackson.databind.node.ObjectNode) m.get("verification")
        .get("hashKv");
    assertThat(hk.get("fileHash").asLong()).isEqualTo(hashKv);
    hk.put("fileHash", hashKv ^ 1);
    Files.writeString(manifest, Formats.JSON.writeValueAsString(m));
    Path scratch = tmp.resolve("scratch-hashkv");

    Cli.Result r = drill(store, "hashkv", scratch);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r.err()).contains("HashKV at revision " + revision).contains("the manifest recorded " + (hashKv ^ 1));
    assertCleanedUp(scratch);
    assertThat(PromText.value(gateway.metrics(), "etcd_backup_drill_runs_total", "cluster", "hashkv",
        "mode", "offline", "outcome", "failure", "reason", "integrity")).contains(1.0);
  }

  @Test
  void aTamperedBackupFailsTheDrillWithIntegrityAndLeavesNothingBehind() throws Exception {
    Path dir = tmp.resolve("store-tampered");
    Stores store = Stores.local(dir);
    String id = backup(store, "tampered");
    Path object;
    try (Stream<Path> s = Files.list(dir.resolve(Layout.backupPrefix("tampered", id)))) {
      object = s.filter(p -> !p.getFileName().toString().equals("manifest.json")).findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(object);
    b[b.length / 2] ^= 0x10;
    Files.write(object, b);
    Path scratch = tmp.resolve("scratch-tampered");

    Cli.Result r = drill(store, "tampered", scratch, "--drill-etcd", etcdBinary().toString());

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r.err()).contains("backup " + id).contains("sha256");
    assertCleanedUp(scratch);
    String text = gateway.metrics();
    assertThat(PromText.value(text, "etcd_backup_drill_runs_total", "cluster", "tampered", "mode", "boot",
        "outcome", "failure", "reason", "integrity")).contains(1.0);
    assertThat(PromText.value(text, "etcd_backup_drill_last_failure_timestamp_seconds", "cluster", "tampered"))
        .isPresent();
    assertThat(PromText.value(text, "etcd_backup_drill_last_success_timestamp_seconds", "cluster", "tampered"))
        .isEmpty();
  }
}
