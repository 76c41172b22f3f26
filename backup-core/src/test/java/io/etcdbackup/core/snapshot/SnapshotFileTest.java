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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  /** Lengths around the 1 MiB chunks that are read while the one before is hashed. */
  @ParameterizedTest
  @ValueSource(ints = {0, 512, (1 << 20) - 512, 1 << 20, (1 << 20) + 512, 2 << 20, (5 << 20) + 4096})
  void everyByteIsHashedWhateverTheLength(int length) throws Exception {
    byte[] db = random(length);
    Path f = dir.resolve("snap-" + length + ".db");
    Files.write(f, concat(db, MessageDigest.getInstance("SHA-256").digest(db)));
    assertThat(SnapshotFile.verifyTrailer(f)).isEqualTo(length);
    if (length > 0) {
      for (int at : new int[] {0, length / 2, length - 1}) {
        byte[] changed = db.clone();
        changed[at] ^= 0x40;
        Files.write(f, concat(changed, MessageDigest.getInstance("SHA-256").digest(db)));
        assertThatThrownBy(() -> SnapshotFile.verifyTrailer(f)).as("byte %d changed", at)
            .isInstanceOf(IntegrityException.class).hasMessageContaining("expected sha256");
      }
    }
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
