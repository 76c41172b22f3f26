package io.etcdbackup.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestKeyTest {
  @TempDir
  Path tmp;

  private ManifestKey key(String secret) throws Exception {
    return ManifestKey.fromFile(Files.writeString(tmp.resolve("k-" + secret.hashCode()), secret));
  }

  private static Manifest manifest(Map<String, String> labels) {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    return new Manifest(Manifest.FORMAT_VERSION, "20260101T000000Z-r00000000000000000042-ab12", "prod",
        "cdf818194e3a8c32", t, t.plusSeconds(2),
        new Manifest.Source("8e9e05c52164694d", "etcd-0", "https://10.0.0.1:2379", "3.5.30", true), 42, 7, 45, 1000,
        0xdeadbeefL, 4096, "00".repeat(32), "snapshot.db.zst", 1024, "11".repeat(32),
        new Manifest.Transforms("zstd", 1, "none", List.of()), new Manifest.Timings(10, 5, 20, 40), "0.1.0",
        new Manifest.Verification("ok", "ok", "ok", Manifest.HashKvCheck.notRequested()), labels, null, null);
  }

  @Test
  void aSignatureSurvivesTheTripThroughManifestJsonAndAnyLabelOrder() throws Exception {
    ManifestKey k = key("0123456789abcdef0123456789abcdef\n");
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Manifest signed = k.sign(manifest(ab));
    Manifest read = ManifestCodec.fromJson(ManifestCodec.toJson(signed), "test");
    assertThatCode(() -> k.check(read, "backup x")).doesNotThrowAnyException();
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");
    assertThatCode(() -> k.check(manifest(ba).withSignature(signed.signature()), "backup x")).doesNotThrowAnyException();
  }

  @Test
  void everyFieldIsCovered() throws Exception {
    ManifestKey k = key("0123456789abcdef0123456789abcdef");
    Manifest signed = k.sign(manifest(Map.of()));
    String json = new String(ManifestCodec.toJson(signed), StandardCharsets.UTF_8);
    // one changed figure, anywhere: the revision, a label, the stored object's hash
    for (String[] change : new String[][] {{"\"revision\" : 42", "\"revision\" : 43"},
        {"\"labels\" : { }", "\"labels\" : {\"k\" : \"v\"}"}, {"\"sha256Stored\" : \"11", "\"sha256Stored\" : \"21"}}) {
      assertThat(json).contains(change[0]);
      Manifest changed = ManifestCodec.fromJson(json.replace(change[0], change[1]).getBytes(StandardCharsets.UTF_8), "t");
      assertThatThrownBy(() -> k.check(changed, "backup x")).as(change[1]).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("does not match its fields");
    }
  }

  @Test
  void unsignedAndOtherKeysAreRefusedAndTheSecretIsNeverShown() throws Exception {
    ManifestKey k = key("secret-canary-0123456789abcdef0123");
    ManifestKey other = key("another-secret-0123456789abcdef012");
    assertThat(k.keyId()).matches("[0-9a-f]{16}").isNotEqualTo(other.keyId());
    assertThat(k.toString()).doesNotContain("canary");
    assertThatThrownBy(() -> k.check(manifest(Map.of()), "backup x")).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("unsigned manifest");
    assertThatThrownBy(() -> k.check(other.sign(manifest(Map.of())), "backup x")).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("signed by key " + other.keyId() + ", not by --manifest-signing-key (key " + k.keyId() + ")")
        .hasMessageNotContaining("canary");
  }

  @Test
  void aShortOrMissingKeyFileIsAUsageError() throws Exception {
    assertThatThrownBy(() -> key("short\n")).isInstanceOf(InvalidInputException.class).hasMessageContaining("holds 5 bytes");
    assertThatThrownBy(() -> ManifestKey.fromFile(tmp.resolve("missing"))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("does not exist");
  }
}
