package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.stream.Compression;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.SampleData;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Each check of a fetch fails on its own, in a copy of one real backup: one figure of
 * {@code manifest.json} changed, the stored object left as it is, so that the one comparison is
 * what fails; or an object the manifest vouches for that fails decoding or the bbolt check. Verify
 * and restore both stop with exit code 5 and one line naming the check; restore writes nothing, and
 * neither leaves a spooled db behind. (BackupTamperIT damages the object under an honest manifest
 * instead: a flipped byte, a cut, the wrong age identity.)
 */
class ManifestTamperIT {
  private static final Compression ZSTD = Compression.forReading(Compression.Algorithm.ZSTD);

  @RegisterExtension
  static final EtcdClusterExtension ETCD = new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @TempDir
  static Path shared;

  static Path store;
  static String id;
  static String object;

  @BeforeAll
  static void backup() throws Exception {
    SampleData.history(ETCD.cluster().client());
    store = shared.resolve("store");
    Cli.Result r = new Cli().run(ETCD.cluster().tlsFlags(), "snapshot", "--to", store.toString(), "--cluster-name", "t",
        "-o", "json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode manifest = Formats.JSON.readTree(r.out()).get("manifest");
    id = manifest.get("id").asString();
    object = manifest.get("object").asString();
    assertThat(object).as("the default compression").endsWith(".zst");
  }

  @Test
  void anUntouchedCopyVerifiesAndRestores(@TempDir Path tmp) throws Exception {
    Path copy = copyOfStore(tmp);
    Cli.Result verify = verify(copy, tmp);
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    Cli.Result restore = restore(copy, tmp);
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(tmp.resolve("t.etcd/member/snap/db")).isRegularFile();
  }

  /** {@code message}: what the check prints, with the db's (or stored object's) value, then the manifest's. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "sha256Raw    | the restored db's sha256 is %s, the manifest says %s",
      "revision     | revision of the db is %s, the manifest says %s",
      "keyCount     | total keys of the db is %s, the manifest says %s",
      "crcHash      | crc hash of the db is %s, the manifest says %s",
      "dbSize       | total size of the db is %s, the manifest says %s",
      "storedSize   | the stored object is %s bytes, the manifest says %s (truncated or replaced)",
      "sha256Stored | the stored object's sha256 is %s, the manifest says %s (the object was modified)",
  })
  void oneChangedFigureFailsVerifyAndRestoreNamingTheCheck(String field, String message, @TempDir Path tmp)
      throws Exception {
    Path copy = copyOfStore(tmp);
    Path manifestFile = manifestFile(copy);
    ObjectNode manifest = (ObjectNode) Formats.JSON.readTree(Files.readAllBytes(manifestFile));
    JsonNode original = manifest.get(field);
    assertThat(original).as("manifest field %s", field).isNotNull();
    String tampered;
    if (original.isNumber()) {
      long v = original.asLong() ^ 1;
      manifest.put(field, v);
      tampered = Long.toString(v);
    } else {
      String hex = original.asString();
      tampered = (hex.charAt(0) == '0' ? "1" : "0") + hex.substring(1);
      manifest.put(field, tampered);
    }
    Files.write(manifestFile, Formats.JSON.writeValueAsBytes(manifest));

    String expected = "etcd-backup: backup " + id + " of t: " + message.formatted(original.asString(), tampered);
    assertThat(verifyAndRestoreFail(copy, tmp)).containsExactly(expected, expected);
  }

  @Test
  void aStoredObjectThatIsNotZstdFailsDecompression(@TempDir Path tmp) throws Exception {
    Path copy = copyOfStore(tmp);
    // the manifest vouches for the garbage, as if the backup had been written so: only decoding can tell
    replaceObject(copy, "not a zstd frame ".repeat(100).getBytes(StandardCharsets.US_ASCII), null);
    assertThat(verifyAndRestoreFail(copy, tmp))
        .allSatisfy(line -> assertThat(line).startsWith("etcd-backup: backup " + id + " of t: decompression failed: "));
  }

  @Test
  void aDbWithoutAValidMetaPageFailsTheBboltCheck(@TempDir Path tmp) throws Exception {
    Path copy = copyOfStore(tmp);
    byte[] raw;
    try (InputStream in = ZSTD.decompress(Files.newInputStream(object(copy)))) {
      raw = in.readAllBytes();
    }
    // bbolt's two meta pages (0 and 1): after the 16-byte page header, u32 magic, u32 version, u32
    // page size, little-endian (bbolt db.go); a flipped magic bit in each leaves no valid one
    int pageSize = ByteBuffer.wrap(raw, 24, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    raw[16] ^= 0x01;
    raw[pageSize + 16] ^= 0x01;
    ByteArrayOutputStream zst = new ByteArrayOutputStream();
    try (OutputStream out = Compression.zstd(1, 0).compress(zst)) {
      out.write(raw);
    }
    replaceObject(copy, zst.toByteArray(), raw);
    // Names the check, but the spooled file (a temporary name) rather than the backup: BackupFetcher
    // passes the bbolt check's message on as it is.
    assertThat(verifyAndRestoreFail(copy, tmp)).allSatisfy(line -> assertThat(line).contains("no valid meta page"));
  }

  /**
   * A newer backup whose manifest cannot be read stops {@code latest} (issue 13, defect 3: it used
   * to fall back to the older backup with exit 0 and a WARN line): verify and restore exit 5 as they
   * do when that backup is named by its id, and the older one is still there by its id.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "99     | has formatVersion 99; this etcd-backup reads version 1: upgrade etcd-backup",
      "broken | is not a valid manifest",
  })
  void anUnreadableNewestManifestStopsLatestInsteadOfTakingAnOlderBackup(String version, String problem,
      @TempDir Path tmp) throws Exception {
    Path copy = copyOfStore(tmp);
    // the same revision, a later time: by its id the unreadable backup is the newest
    String newer = "29991231T235959Z" + id.substring(id.indexOf('-'));
    Path dir = copy.resolve(Layout.backupPrefix("t", newer));
    Files.createDirectories(dir);
    Files.copy(object(copy), dir.resolve(object));
    ObjectNode manifest = (ObjectNode) Formats.JSON.readTree(Files.readAllBytes(manifestFile(copy)));
    manifest.put("id", newer);
    byte[] json;
    if (version.equals("broken")) {
      String whole = Formats.JSON.writeValueAsString(manifest);
      json = whole.substring(0, whole.length() / 2).getBytes(StandardCharsets.UTF_8);
    } else {
      manifest.put("formatVersion", Integer.parseInt(version));
      json = Formats.JSON.writeValueAsBytes(manifest);
    }
    Files.write(dir.resolve("manifest.json"), json);

    for (Cli.Result r : List.of(
        new Cli().run("verify", "--from", copy.toString(), "--spool-dir", tmp.resolve("spool").toString()),
        new Cli().run("restore", "--from", copy.toString(), "--data-dir", tmp.resolve("t.etcd").toString(),
            "--spool-dir", tmp.resolve("spool").toString()),
        new Cli().run("verify", "--from", copy.toString(), newer, "--spool-dir", tmp.resolve("spool").toString()))) {
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.INTEGRITY);
      assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1).allSatisfy(line -> assertThat(line)
          .contains(newer).contains(problem));
    }
    assertThat(tmp.resolve("t.etcd")).doesNotExist();
    assertThat(tmp.resolve("spool")).isEmptyDirectory();
    assertThat(restore(copy, tmp).exitCode()).as("the older backup by its id").isZero();
  }

  /** Issue 13, defect 8: an empty id was taken as latest; a hostile one was echoed raw. */
  @Test
  void anEmptyIdIsRefusedAndAHostileOneIsNeverEchoedRaw(@TempDir Path tmp) throws Exception {
    Path copy = copyOfStore(tmp);
    Cli.Result empty = new Cli().run("restore", "--from", copy.toString(), "", "--data-dir",
        tmp.resolve("t.etcd").toString());
    assertThat(empty.exitCode()).as(empty.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(empty.err()).contains("the backup id is empty");

    String hostile = "x\n2026-12-03 05:00:00 INFO fake - backup verified " + "a".repeat(10_000);
    Cli.Result r = new Cli().run("verify", "--from", copy.toString(), hostile);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err().strip().lines()).hasSize(1).allSatisfy(line -> assertThat(line)
        .startsWith("etcd-backup: 'x\\n2026-12-03 05:00:00 INFO fake").contains("(" + hostile.length() + " characters) is not a backup id")
        .hasSizeLessThan(300));
    assertThat(tmp.resolve("t.etcd")).doesNotExist();
  }

  /**
   * Runs verify and restore against {@code copy}; both must fail with exit code 5 and one line on
   * stderr, restore must leave no data dir and no {@code .part} dir, neither a spooled db. Returns
   * the two lines, verify's first.
   */
  private static List<String> verifyAndRestoreFail(Path copy, Path tmp) {
    Cli.Result verify = verify(copy, tmp);
    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(verify.err().strip().lines()).as(verify.toString()).hasSize(1);
    assertThat(tmp.resolve("spool")).as("the spool after verify").isEmptyDirectory();

    Cli.Result restore = restore(copy, tmp);
    assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(restore.err().strip().lines()).as(restore.toString()).hasSize(1);
    assertThat(tmp.resolve("t.etcd")).doesNotExist();
    assertThat(tmp.resolve("t.etcd.part")).doesNotExist();
    assertThat(tmp.resolve("spool")).as("the spool after restore").isEmptyDirectory();
    return List.of(verify.err().strip(), restore.err().strip());
  }

  /** Puts {@code stored} in place of the data object, with a manifest that matches it (and {@code raw}, if given). */
  private static void replaceObject(Path copy, byte[] stored, byte[] raw) throws Exception {
    Files.write(object(copy), stored);
    Path manifestFile = manifestFile(copy);
    ObjectNode manifest = (ObjectNode) Formats.JSON.readTree(Files.readAllBytes(manifestFile));
    manifest.put("storedSize", stored.length);
    manifest.put("sha256Stored", sha256(stored));
    if (raw != null) {
      manifest.put("sha256Raw", sha256(raw));
    }
    Files.write(manifestFile, Formats.JSON.writeValueAsBytes(manifest));
  }

  private static Path manifestFile(Path copy) {
    return copy.resolve(Layout.manifestKey("t", id));
  }

  private static Path object(Path copy) {
    return copy.resolve(Layout.objectKey("t", id, object));
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private static Cli.Result verify(Path copy, Path tmp) {
    return new Cli().run("verify", "--from", copy.toString(), id, "--spool-dir", tmp.resolve("spool").toString());
  }

  private static Cli.Result restore(Path copy, Path tmp) {
    return new Cli().run("restore", "--from", copy.toString(), id, "--data-dir", tmp.resolve("t.etcd").toString(),
        "--spool-dir", tmp.resolve("spool").toString());
  }

  /** A copy of the store under {@code tmp}, and an empty spool dir beside it. */
  private static Path copyOfStore(Path tmp) throws Exception {
    Files.createDirectories(tmp.resolve("spool"));
    return Stores.copyLocal(store, tmp.resolve("store"));
  }
}
