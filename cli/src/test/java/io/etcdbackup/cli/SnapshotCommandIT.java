package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.Layout;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import tools.jackson.databind.JsonNode;

/**
 * snapshot, list and verify against real etcd (3.4.23 and 3.5.30, 3 members, mutual TLS, auth),
 * to a local directory and to S3 (S3Proxy), with and without compression and encryption; and the
 * stored object opens with the standard tools alone: age, zstd, etcdutl.
 */
@ExtendWith(EtcdClusterExtension.class)
class SnapshotCommandIT {

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void backupsToBothStoresVerifyAndOpenWithStandardTools(EtcdVersion version, @TempDir Path tmp) throws Exception {
    AgeKeys keys = AgeKeys.generate(tmp, "backup");
    try (EtcdCluster c = EtcdCluster.builder().version(version).members(3).auth("r00t").start()) {
      SampleData.History h = SampleData.history(c.client());
      List<String> etcd = new ArrayList<>(c.tlsFlags());
      etcd.addAll(List.of("--user", "root:" + c.rootPassword()));

      for (Stores store : List.of(Stores.local(tmp.resolve("backups")), Stores.s3(S3, S3.newPrefix("snap")))) {
        // plain: no compression, no encryption
        JsonNode plain = snapshot(etcd, store, "--cluster-name", "prod", "--compression", "none");
        assertThat(plain.get("object").asString()).isEqualTo("snapshot.db");
        assertThat(plain.get("revision").asLong()).isGreaterThanOrEqualTo(h.revision());

        // zstd + age, with HashKV against the member
        JsonNode sealed = snapshot(etcd, store, "--cluster-name", "prod", "--encrypt-to", keys.recipient(),
            "--verify-hashkv");
        assertThat(sealed.get("object").asString()).isEqualTo("snapshot.db.zst.age");
        assertThat(sealed.get("verification").get("hashKv").get("result").asString()).isEqualTo("match");
        assertThat(sealed.get("source").get("leader").asBoolean()).as("a follower is preferred").isFalse();
        assertThat(sealed.get("source").get("etcdVersion").asString()).isEqualTo(version.version());
        assertThat(sealed.get("transforms").get("recipientFingerprints")).hasSize(1);

        Cli.Result list = new Cli().run(store.cmd("list", "--from", store.uri(), "-o", "json"));
        assertThat(list.exitCode()).as(list.toString()).isZero();
        JsonNode listed = Formats.JSON.readTree(list.out());
        assertThat(listed).hasSize(2);
        assertThat(listed.get(0).get("id").asString()).isEqualTo(sealed.get("id").asString());
        assertThat(listed.get(1).get("id").asString()).isEqualTo(plain.get("id").asString());

        Cli.Result verifyLatest = new Cli().run(store.cmd("verify", "--from", store.uri(), "latest",
            "--identity-file", keys.identityFile().toString()));
        assertThat(verifyLatest.exitCode()).as(verifyLatest.toString()).isZero();
        assertThat(verifyLatest.out()).contains("backup " + sealed.get("id").asString()).contains("ok  age decryption");
        Cli.Result verifyPlain = new Cli().run(store.cmd("verify", "--from", store.uri(), plain.get("id").asString()));
        assertThat(verifyPlain.exitCode()).as(verifyPlain.toString()).isZero();

        assertOpensWithStandardTools(store, sealed, keys, tmp);
      }
    }
  }

  private static JsonNode snapshot(List<String> etcd, Stores store, String... args) {
    List<String> all = new ArrayList<>(etcd);
    all.addAll(store.with("--to", store.uri(), "-o", "json"));
    all.addAll(List.of(args));
    Cli.Result r = new Cli().run(all, "snapshot");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return Formats.JSON.readTree(r.out()).get("manifest");
  }

  /** age -d | zstd -d | etcdutl snapshot status gives the manifest's hash, revision and key count. */
  private static void assertOpensWithStandardTools(Stores store, JsonNode m, AgeKeys keys, Path tmp) throws Exception {
    Path object = tmp.resolve("object-" + m.get("id").asString());
    String key = Layout.objectKey("prod", m.get("id").asString(), m.get("object").asString());
    if (store.s3()) {
      String prefix = store.uri().substring(("s3://" + S3.bucket() + "/").length());
      S3.client().getObject(b -> b.bucket(S3.bucket()).key(prefix + "/" + key), ResponseTransformer.toFile(object));
    } else {
      Files.copy(Path.of(store.uri()).resolve(key), object);
    }
    Path zst = tmp.resolve("snapshot.db.zst");
    Path db = tmp.resolve("snapshot-" + m.get("id").asString() + ".db");
    Exec.run(List.of("age", "-d", "-i", keys.identityFile().toString(), "-o", zst.toString(), object.toString()), tmp,
        Duration.ofMinutes(1)).stdoutOrThrow();
    Exec.run(List.of("zstd", "-q", "-d", "-f", zst.toString(), "-o", db.toString()), tmp, Duration.ofMinutes(1))
        .stdoutOrThrow();
    String json = Exec.run(List.of(EtcdVersion.V3_5.binary("etcdutl").toString(), "snapshot", "status", "-w", "json",
        db.toString()), tmp, Duration.ofMinutes(1)).stdoutOrThrow();
    JsonNode status = Formats.JSON.readTree(json);
    assertThat(status.get("hash").asLong()).isEqualTo(m.get("crcHash").asLong());
    assertThat(status.get("revision").asLong()).isEqualTo(m.get("revision").asLong());
    assertThat(status.get("totalKey").asLong()).isEqualTo(m.get("keyCount").asLong());
    assertThat(status.get("totalSize").asLong()).isEqualTo(m.get("dbSize").asLong());
    Files.delete(zst);
  }
}
