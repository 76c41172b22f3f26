package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {
  @TempDir Path dir;

  @Test
  void trailerIsThirtyTwoBytesPastAMultipleOf512() {
    assertThat(SnapshotFile.hasTrailer(4096 * 5 + 32)).isTrue();
    assertThat(SnapshotFile.hasTrailer(4096 * 5)).isFalse();
    assertThat(SnapshotFile.hasTrailer(32)).isTrue();
    assertThat(SnapshotFile.hasTrailer(4096 * 5 + 31)).isFalse();
  }

  @Test
  void verifiedTrailerGivesTheDbLength() throws Exception {
    byte[] db = random(3 * 1024 * 1024 + 4096);
    Path f = dir.resolve("snap.db");
    Files.write(f, concat(db, MessageDigest.getInstance("SHA-256").digest(db)));
    assertThat(SnapshotFile.verifyTrailer(f)).isEqualTo(db.length);
  }

  @Test
  void wrongTrailerNamesBothHashes() throws Exception {
    byte[] db = random(8192);
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(db);
    byte[] bad = sha.clone();
    bad[0] ^= 1;
    Path f = dir.resolve("bad.db");
    Files.write(f, concat(db, bad));
    assertThatThrownBy(() -> SnapshotFile.verifyTrailer(f)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("expected sha256 " + HexFormat.of().formatHex(bad) + ", got " + HexFormat.of().formatHex(sha));
  }

  @Test
  void fileWithoutTrailerIsMissingTheHash() throws Exception {
    Path f = dir.resolve("raw.db");
    Files.write(f, random(8192));
    assertThatThrownBy(() -> SnapshotFile.verifyTrailer(f)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("missing hash").hasMessageContaining(f.toString());
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
