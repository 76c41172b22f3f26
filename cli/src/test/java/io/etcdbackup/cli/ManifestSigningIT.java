package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.Layout;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Forged backups (issue 13): age authenticates no sender, so anyone who can write to the store can
 * put a backup there that decrypts and verifies. With --manifest-signing-key, snapshot signs the
 * manifest and verify and restore refuse one that is unsigned, signed by another key, or changed
 * after signing; without the key they read it as before.
 */
class ManifestSigningIT {
  @RegisterExtension
  static final EtcdClusterExtension ETCD = new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @TempDir
  static Path shared;

  static Path key;
  static Path otherKey;
  static Path signedStore;
  static String signedId;

  @BeforeAll
  static void backups() throws Exception {
    SampleData.history(ETCD.cluster().client());
    key = Files.writeString(shared.resolve("manifest.key"), "k3y-canary-" + "0123456789abcdef".repeat(3) + "\n");
    otherKey = Files.writeString(shared.resolve("other.key"), "another-secret-" + "fedcba9876543210".repeat(3));
    signedStore = shared.resolve("signed");
    signedId = snapshot(signedStore, "--manifest-signing-key", key.toString()).get("id").asString();
  }

  private static JsonNode snapshot(Path store, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("snapshot", "--to", store.toString(), "--cluster-name", "t",
        "-o", "json"));
    args.addAll(List.of(more));
    Cli.Result r = new Cli().run(ETCD.cluster().tlsFlags(), args.remove(0), args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out() + r.err()).as("the secret never appears").doesNotContain("k3y-canary");
    return Formats.JSON.readTree(r.out()).get("manifest");
  }

  private static Cli.Result verify(Path store, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("verify", "--from", store.toString()));
    args.addAll(List.of(more));
    return new Cli().run(args.toArray(String[]::new));
  }

  private static Path manifestFile(Path store, String id) {
    return store.resolve(Layout.manifestKey("t", id));
  }

  @Test
  void aSignedBackupVerifiesAndRestoresWithItsKeyAndWithoutOne(@TempDir Path tmp) throws Exception {
    JsonNode signature = Formats.JSON.readTree(Files.readAllBytes(manifestFile(signedStore, signedId))).get("signature");
    assertThat(signature.get("algorithm").asString()).isEqualTo("HMAC-SHA256");
    assertThat(signature.get("keyId").asString()).matches("[0-9a-f]{16}");
    assertThat(Files.readString(manifestFile(signedStore, signedId))).doesNotContain("k3y-canary");

    Cli.Result withKey = verify(signedStore, "--manifest-signing-key", key.toString());
    assertThat(withKey.exitCode()).as(withKey.toString()).isZero();
    Cli.Result withoutKey = verify(signedStore);
    assertThat(withoutKey.exitCode()).as(withoutKey.toString()).isZero();
    Cli.Result restore = new Cli().run("restore", "--from", signedStore.toString(), "--manifest-signing-key",
        key.toString(), "--data-dir", tmp.resolve("t.etcd").toString());
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(tmp.resolve("t.etcd/member/snap/db")).isRegularFile();
  }

  /** The attack: a newer, honest-looking backup dropped into the store by someone without the key. */
  @Test
  void anUnsignedBackupPutBesideTheSignedOnesIsRefusedAsLatestWithTheKey(@TempDir Path tmp) throws Exception {
    Path store = Stores.copyLocal(signedStore, tmp.resolve("store"));
    Path elsewhere = tmp.resolve("attacker");
    String forged = snapshot(elsewhere).get("id").asString();
    copyBackup(elsewhere, forged, store);

    Cli.Result without = verify(store);
    assertThat(without.exitCode()).as("without the key, the forgery passes: " + without).isZero();
    assertThat(without.out()).contains(forged);

    Cli.Result verify = verify(store, "--manifest-signing-key", key.toString());
    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(verify.err().strip()).isEqualTo("etcd-backup: backup " + forged + " of t has an unsigned manifest, and "
        + "--manifest-signing-key (key " + keyId(signedStore, signedId) + ") requires a signature: refused (written "
        + "without the key, or replaced by someone without it)");

    Cli.Result restore = new Cli().run("restore", "--from", store.toString(), "--manifest-signing-key", key.toString(),
        "--data-dir", tmp.resolve("t.etcd").toString(), "--spool-dir", Files.createDirectories(tmp.resolve("spool")).toString());
    assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(tmp.resolve("t.etcd")).doesNotExist();
    try (Stream<Path> s = Files.list(tmp.resolve("spool"))) {
      assertThat(s).as("nothing was downloaded").isEmpty();
    }
    Cli.Result older = verify(store, signedId, "--manifest-signing-key", key.toString());
    assertThat(older.exitCode()).as("the signed backup by its id: " + older).isZero();
  }

  @Test
  void aBackupSignedByAnotherKeyIsRefusedNamingBothKeys(@TempDir Path tmp) throws Exception {
    Path store = tmp.resolve("other");
    String id = snapshot(store, "--manifest-signing-key", otherKey.toString()).get("id").asString();
    Cli.Result r = verify(store, "--manifest-signing-key", key.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r.err()).contains("backup " + id + " of t: its manifest is signed by key " + keyId(store, id)
        + ", not by --manifest-signing-key (key " + keyId(signedStore, signedId) + ")");
  }

  @Test
  void aSignedManifestChangedAfterwardsIsRefused(@TempDir Path tmp) throws Exception {
    Path store = Stores.copyLocal(signedStore, tmp.resolve("store"));
    Path file = manifestFile(store, signedId);
    ObjectNode m = (ObjectNode) Formats.JSON.readTree(Files.readAllBytes(file));
    m.putObject("labels").put("env", "prod"); // a field nothing else checks
    Files.write(file, Formats.JSON.writeValueAsBytes(m));
    Cli.Result r = verify(store, "--manifest-signing-key", key.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r.err()).contains("its manifest's signature does not match its fields: refused");
  }

  @Test
  void aKeyTooShortToSignWithIsAUsageError(@TempDir Path tmp) throws Exception {
    Path shortKey = Files.writeString(tmp.resolve("short.key"), "password1\n");
    Cli.Result r = new Cli().run(ETCD.cluster().tlsFlags(), "snapshot", "--to", tmp.resolve("s").toString(),
        "--manifest-signing-key", shortKey.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err().strip()).isEqualTo("etcd-backup: --manifest-signing-key " + shortKey + " holds 9 bytes; it needs "
        + "at least 32: make one with `head -c 32 /dev/urandom | base64 > short.key`");
    assertThat(tmp.resolve("s")).doesNotExist();
  }

  private static String keyId(Path store, String id) throws Exception {
    return Formats.JSON.readTree(Files.readAllBytes(manifestFile(store, id))).get("signature").get("keyId").asString();
  }

  private static void copyBackup(Path from, String id, Path to) throws Exception {
    Path dir = Files.createDirectories(to.resolve(Layout.backupPrefix("t", id)));
    try (Stream<Path> files = Files.list(from.resolve(Layout.backupPrefix("t", id)))) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
  }
}
