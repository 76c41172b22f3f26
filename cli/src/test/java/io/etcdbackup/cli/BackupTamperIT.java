package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.Layout;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import tools.jackson.databind.JsonNode;

/** A damaged or incomplete backup is caught, named, and never passes as good. */
class BackupTamperIT {

  @RegisterExtension
  static final EtcdClusterExtension ETCD = new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  @TempDir
  static Path tmp;

  static AgeKeys keys;
  static AgeKeys otherKeys;

  @BeforeAll
  static void data() throws Exception {
    SampleData.history(ETCD.cluster().client());
    SampleData.bulk(ETCD.cluster().client(), "/registry/configmaps/bulk/", 2_000_000, 4096, 7);
    keys = AgeKeys.generate(tmp, "good");
    otherKeys = AgeKeys.generate(tmp, "other");
  }

  private Stores store(String kind) {
    return kind.equals("s3") ? Stores.s3(S3, S3.newPrefix("tamper")) : Stores.local(tmp.resolve("store-" + System.nanoTime()));
  }

  private static JsonNode backup(Stores store) {
    Cli.Result r = new Cli().run(ETCD.cluster().tlsFlags(), "snapshot",
        store.with("--to", store.uri(), "--cluster-name", "c1", "--encrypt-to", keys.recipient(), "-o", "json")
            .toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return Formats.JSON.readTree(r.out()).get("manifest");
  }

  private static Cli.Result verify(Stores store, String id, AgeKeys with) {
    return new Cli().run(store.cmd("verify", "--from", store.uri(), id, "--identity-file", with.identityFile().toString()));
  }

  private static String key(JsonNode m, String name) {
    return Layout.objectKey("c1", m.get("id").asString(), name);
  }

  private static void rewrite(Stores store, String key, UnaryOperator<byte[]> change) throws Exception {
    if (store.s3()) {
      String full = store.uri().substring(("s3://" + S3.bucket() + "/").length()) + "/" + key;
      byte[] bytes = S3.client().getObjectAsBytes(b -> b.bucket(S3.bucket()).key(full)).asByteArray();
      S3.client().putObject(b -> b.bucket(S3.bucket()).key(full), RequestBody.fromBytes(change.apply(bytes)));
    } else {
      Path p = Path.of(store.uri()).resolve(key);
      Files.write(p, change.apply(Files.readAllBytes(p)));
    }
  }

  private static void delete(Stores store, String key) throws Exception {
    if (store.s3()) {
      String full = store.uri().substring(("s3://" + S3.bucket() + "/").length()) + "/" + key;
      S3.client().deleteObject(b -> b.bucket(S3.bucket()).key(full));
    } else {
      Files.delete(Path.of(store.uri()).resolve(key));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "s3"})
  void aFlippedByteFailsVerifyNamingTheBackupAndTheCheck(String kind) throws Exception {
    Stores store = store(kind);
    JsonNode m = backup(store);
    String id = m.get("id").asString();
    rewrite(store, key(m, m.get("object").asString()), b -> {
      b[b.length / 2] ^= 0x10;
      return b;
    });
    Cli.Result r = verify(store, "latest", keys);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r.err()).contains("backup " + id).contains("stored object's sha256").contains("the object was modified");
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "s3"})
  void aTruncatedObjectFailsVerify(String kind) throws Exception {
    Stores store = store(kind);
    JsonNode m = backup(store);
    rewrite(store, key(m, m.get("object").asString()), b -> Arrays.copyOf(b, b.length - 1000));
    Cli.Result r = verify(store, m.get("id").asString(), keys);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r.err()).contains("backup " + m.get("id").asString()).contains("truncated or replaced");
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "s3"})
  void aDeletedManifestTakesTheBackupOutOfTheList(String kind) throws Exception {
    Stores store = store(kind);
    JsonNode first = backup(store);
    JsonNode second = backup(store);
    delete(store, key(second, "manifest.json"));
    Cli.Result list = new Cli().run(store.cmd("list", "--from", store.uri(), "-o", "json"));
    assertThat(list.exitCode()).as(list.toString()).isZero();
    JsonNode listed = Formats.JSON.readTree(list.out());
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).get("id").asString()).isEqualTo(first.get("id").asString());
    Cli.Result gone = verify(store, second.get("id").asString(), keys);
    assertThat(gone.exitCode()).as(gone.toString()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "s3"})
  void theWrongIdentityIsAClearError(String kind) {
    Stores store = store(kind);
    JsonNode m = backup(store);
    Cli.Result r = verify(store, m.get("id").asString(), otherKeys);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("backup " + m.get("id").asString()).contains("no identity in --identity-file can decrypt it");
    Cli.Result none = new Cli().run(store.cmd("verify", "--from", store.uri(), "latest"));
    assertThat(none.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(none.err()).contains("is age-encrypted").contains("--identity-file");
  }

  @ParameterizedTest
  @ValueSource(strings = {"local"})
  void storesWithSeveralSeriesNeedAClusterName(String kind) {
    Stores store = store(kind);
    backup(store);
    Cli.Result other = new Cli().run(ETCD.cluster().tlsFlags(), "snapshot",
        store.with("--to", store.uri(), "--cluster-name", "c2", "--compression", "gzip").toArray(String[]::new));
    assertThat(other.exitCode()).as(other.toString()).isZero();
    Cli.Result ambiguous = new Cli().run(store.cmd("list", "--from", store.uri()));
    assertThat(ambiguous.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(ambiguous.err()).contains("holds backups of several clusters (c1, c2)").contains("--cluster-name");
    Cli.Result chosen = new Cli().run(store.cmd("list", "--from", store.uri(), "--cluster-name", "c2"));
    assertThat(chosen.exitCode()).isZero();
    assertThat(chosen.out()).contains("gzip");
    assertThat(List.of(chosen.out().split("\n"))).filteredOn(l -> l.matches(".*\\d{8}T\\d{6}Z-[0-9a-f]{8}\\b.*")).hasSize(1);
  }
}
