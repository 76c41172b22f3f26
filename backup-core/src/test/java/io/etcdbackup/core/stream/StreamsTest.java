package io.etcdbackup.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamsTest {

  private static byte[] jsonLike(int size, long seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    while (sb.length() < size) {
      sb.append("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-").append(r.nextInt(100000))
          .append("\",\"uid\":\"").append(Long.toHexString(r.nextLong())).append("\"}}\n");
    }
    return Arrays.copyOf(sb.toString().getBytes(), size);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 31, 32, 33, 1000, 32 * 1024})
  void trailerSplitterHoldsBackExactlyTheLast32BytesWhateverTheChunking(int chunk) throws IOException {
    byte[] all = jsonLike(100_003, chunk);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    TrailerSplittingOutputStream t = new TrailerSplittingOutputStream(body, 32);
    for (int off = 0; off < all.length; off += chunk) {
      t.write(all, off, Math.min(chunk, all.length - off));
    }
    t.close();
    assertThat(body.toByteArray()).isEqualTo(Arrays.copyOf(all, all.length - 32));
    assertThat(t.trailer()).isEqualTo(Arrays.copyOfRange(all, all.length - 32, all.length));
  }

  @Test
  void trailerSplitterOnAShortStreamHoldsEverything() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    TrailerSplittingOutputStream t = new TrailerSplittingOutputStream(body, 32);
    t.write(new byte[] {1, 2, 3});
    t.close();
    assertThat(body.size()).isZero();
    assertThat(t.trailer()).containsExactly(1, 2, 3);
  }

  @Test
  void sha256StreamsAgreeWithMessageDigest() throws Exception {
    byte[] data = jsonLike(50_000, 1);
    byte[] expected = MessageDigest.getInstance("SHA-256").digest(data);
    Sha256OutputStream out = new Sha256OutputStream(OutputStream.nullOutputStream());
    out.write(data);
    assertThat(out.sha256()).isEqualTo(expected);
    assertThat(out.count()).isEqualTo(data.length);
    Sha256InputStream in = new Sha256InputStream(new ByteArrayInputStream(data));
    in.readAllBytes();
    assertThat(in.sha256Hex()).isEqualTo(java.util.HexFormat.of().formatHex(expected));
  }

  @ParameterizedTest
  @ValueSource(strings = {"zstd", "gzip", "none"})
  void compressionRoundTripsAndTruncationIsAnError(String name) throws IOException {
    Compression c = switch (name) {
      case "zstd" -> Compression.zstd(3, 2);
      case "gzip" -> Compression.gzip(6);
      default -> Compression.none();
    };
    byte[] data = jsonLike(2_000_000, 2);
    ByteArrayOutputStream packed = new ByteArrayOutputStream();
    try (OutputStream out = c.compress(packed)) {
      out.write(data);
    }
    Compression reader = Compression.forReading(c.algorithm());
    try (InputStream in = reader.decompress(new ByteArrayInputStream(packed.toByteArray()))) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
    if (c.algorithm() != Compression.Algorithm.NONE) {
      assertThat(packed.size()).isLessThan(data.length / 3);
      byte[] cut = Arrays.copyOf(packed.toByteArray(), packed.size() / 2);
      assertThatThrownBy(() -> {
        try (InputStream in = reader.decompress(new ByteArrayInputStream(cut))) {
          in.readAllBytes();
        }
      }).isInstanceOf(IOException.class);
    }
  }

  @Test
  void compressionSettingsAreValidated() {
    assertThatThrownBy(() -> Compression.zstd(0, 1)).isInstanceOf(InvalidInputException.class)
        .hasMessage("--compression-level (0) must be between 1 and 19 for zstd");
    assertThatThrownBy(() -> Compression.Algorithm.parse("lz4")).hasMessageContaining("zstd, gzip, none");
  }

  @Test
  void ageRoundTripWrongIdentityAndTampering() throws Exception {
    KeyPair alice = new X25519KeyPairGenerator().generateKeyPair();
    KeyPair mallory = new X25519KeyPairGenerator().generateKeyPair();
    String recipient = alice.getPublic().toString();
    assertThat(recipient).startsWith("age1");
    AgeEncryption enc = AgeEncryption.toRecipients(List.of(recipient, recipient));
    assertThat(enc.recipients()).hasSize(1);
    assertThat(enc.fingerprints().get(0)).hasSize(16);

    byte[] data = jsonLike(300_000, 3);
    ByteArrayOutputStream sealed = new ByteArrayOutputStream();
    try (OutputStream out = enc.encrypt(sealed)) {
      out.write(data);
    }
    AgeDecryption good = AgeDecryption.withIdentities(List.of(alice.getPrivate().toString()));
    try (InputStream in = good.decrypt(new ByteArrayInputStream(sealed.toByteArray()), "b1")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }

    AgeDecryption wrong = AgeDecryption.withIdentities(List.of(mallory.getPrivate().toString()));
    assertThatThrownBy(() -> wrong.decrypt(new ByteArrayInputStream(sealed.toByteArray()), "b1"))
        .isInstanceOf(IntegrityException.class).hasMessageContaining("b1: no identity in --identity-file can decrypt it");

    byte[] tampered = sealed.toByteArray();
    tampered[tampered.length / 2] ^= 0x01;
    assertThatThrownBy(() -> {
      try (InputStream in = good.decrypt(new ByteArrayInputStream(tampered), "b1")) {
        in.readAllBytes();
      }
    }).isInstanceOf(IntegrityException.class).hasMessageContaining("truncated or was modified");
  }

  @Test
  void badRecipientIsRefusedByName() {
    assertThatThrownBy(() -> AgeEncryption.toRecipients(List.of("ssh-ed25519 AAAA")))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("must start with age1");
  }

  @Test
  void spoolFollowerSeesEveryByteWhileTheFileGrows(@TempDir Path dir) throws Exception {
    byte[] data = jsonLike(3_000_000, 4);
    try (Spool spool = Spool.create(dir, "t")) {
      CompletableFuture<byte[]> follower = CompletableFuture.supplyAsync(() -> {
        try (InputStream in = spool.follow()) {
          return in.readAllBytes();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      try (OutputStream w = spool.writer()) {
        for (int off = 0; off < data.length; off += 32 * 1024) {
          w.write(data, off, Math.min(32 * 1024, data.length - off));
        }
      }
      assertThat(follower.get()).isEqualTo(data);
      assertThat(spool.size()).isEqualTo(data.length);
    }
  }

  @Test
  void spoolFailureReachesTheFollower(@TempDir Path dir) throws Exception {
    try (Spool spool = Spool.create(dir, "t")) {
      spool.writer().write(new byte[10]);
      InputStream in = spool.follow();
      assertThat(in.readNBytes(10)).hasSize(10);
      spool.fail(new IOException("member m2 went away"));
      assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("member m2 went away");
    }
  }

  @Test
  void aKeptSpoolOutlivesCloseAndBelongsToTheCaller(@TempDir Path dir) throws Exception {
    Spool.Kept kept;
    InputStream late;
    try (Spool spool = Spool.create(dir, "t")) {
      try (OutputStream w = spool.writer()) {
        w.write(new byte[] {1, 2, 3});
      }
      late = spool.follow();
      kept = spool.keep();
      assertThatThrownBy(spool::keep).isInstanceOf(IllegalStateException.class);
    }
    assertThat(java.nio.file.Files.readAllBytes(kept.path())).containsExactly(1, 2, 3);
    assertThatThrownBy(late::read).isInstanceOf(IOException.class).hasMessageContaining("was closed");
    kept.close();
    assertThat(kept.path()).doesNotExist();
    try (var left = java.nio.file.Files.list(dir)) {
      assertThat(left).as("the owner file goes with it").isEmpty();
    }
  }

  @Test
  void aClosedSpoolCannotBeKept(@TempDir Path dir) throws Exception {
    Spool spool = Spool.create(dir, "t");
    spool.close();
    assertThatThrownBy(spool::keep).isInstanceOf(IllegalStateException.class).hasMessageContaining("deleted");
    assertThat(spool.path()).doesNotExist();
  }
}
