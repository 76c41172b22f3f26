package io.etcdbackup.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.testing.Exec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * age-encryption.org/v1 with the stock {@code age} CLI (Debian's), both ways, with the payload
 * sealed and opened by each {@link PayloadCipher}: Conscrypt (native, what Java 17 uses on linux
 * x86_64) and the JDK's own provider (what {@code -Detcdbackup.cipher=jdk} forces). The sizes sit on
 * and around STREAM's 64 KiB chunk boundaries, where the last-chunk flag decides.
 */
class AgeInteropTest {
  private static final int CHUNK = 64 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir static Path keys;
  static Path identityFile;
  static String recipient;

  @BeforeAll
  static void keyPair() {
    identityFile = keys.resolve("age.key");
    Exec.run(List.of("age-keygen", "-o", identityFile.toString()), keys, TIMEOUT).stdoutOrThrow();
    recipient = Exec.run(List.of("age-keygen", "-y", identityFile.toString()), keys, TIMEOUT).stdoutOrThrow().trim();
  }

  static Stream<Named<PayloadCipher>> ciphers() {
    // conscrypt() throws where its library cannot load: the test then fails rather than passing on the JDK's
    return Stream.of(Named.of("conscrypt", PayloadCipher.conscrypt()), Named.of("jdk", PayloadCipher.jdk()));
  }

  static Stream<Arguments> ciphersAndSizes() {
    int[] sizes = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 12_345};
    return ciphers().flatMap(c -> Arrays.stream(sizes).mapToObj(n -> Arguments.of(c, n)));
  }

  @ParameterizedTest(name = "{0}, {1} bytes")
  @MethodSource("ciphersAndSizes")
  void stockAgeEncryptsAndWeDecrypt(PayloadCipher cipher, int size, @TempDir Path dir) throws Exception {
    byte[] data = data(size);
    Path plain = Files.write(dir.resolve("plain"), data);
    Path sealed = dir.resolve("plain.age");
    Exec.run(List.of("age", "-r", recipient, "-o", sealed.toString(), plain.toString()), dir, TIMEOUT).stdoutOrThrow();

    try (InputStream in = decryption(cipher).decrypt(Files.newInputStream(sealed), "b1")) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @ParameterizedTest(name = "{0}, {1} bytes")
  @MethodSource("ciphersAndSizes")
  void weEncryptAndStockAgeDecrypts(PayloadCipher cipher, int size, @TempDir Path dir) throws Exception {
    byte[] data = data(size);
    Path sealed = Files.write(dir.resolve("ours.age"), encrypt(cipher, data));
    Path opened = dir.resolve("opened");
    Exec.run(List.of("age", "-d", "-i", identityFile.toString(), "-o", opened.toString(), sealed.toString()), dir, TIMEOUT)
        .stdoutOrThrow();

    // age creates its -o file with the first byte it writes: none for an empty payload
    assertThat(Files.exists(opened) ? Files.readAllBytes(opened) : new byte[0]).isEqualTo(data);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ciphers")
  void everyFlippedBitAndEveryTruncationOfASmallFileFails(PayloadCipher cipher) throws Exception {
    byte[] sealed = encrypt(cipher, data(300));
    AgeDecryption dec = decryption(cipher);
    for (int i = 0; i < sealed.length; i++) {
      byte[] t = sealed.clone();
      t[i] ^= (byte) (1 << (i % 8));
      assertFails(dec, t, "bit " + (i % 8) + " of byte " + i + " flipped");
    }
    for (int len = 0; len < sealed.length; len++) {
      assertFails(dec, Arrays.copyOf(sealed, len), "cut to " + len + " of " + sealed.length + " bytes");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ciphers")
  void damageInAManyChunkPayloadFailsAsAnIntegrityError(PayloadCipher cipher) throws Exception {
    byte[] sealed = encrypt(cipher, data(3 * CHUNK + 1000));
    int payload = payloadStart(sealed);
    int sealedChunk = CHUNK + 16;
    AgeDecryption dec = decryption(cipher);

    List<Integer> flips = List.of(payload, payload + 15, payload + 16, payload + 16 + sealedChunk - 1,
        payload + 16 + sealedChunk + CHUNK / 2, payload + 16 + 2 * sealedChunk + CHUNK + 3, sealed.length - 1);
    for (int at : flips) {
      byte[] t = sealed.clone();
      t[at] ^= 0x40;
      assertThatThrownBy(() -> readAll(dec, t)).as("flipped at %d", at).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("b1: age decryption failed");
    }
    // The final chunk missing (the cut falls on a chunk boundary, so every chunk left is whole and
    // authentic), a chunk cut short, a tag cut short.
    for (int cut : new int[] {payload + 16 + sealedChunk, payload + 16 + 3 * sealedChunk, payload + 16 + CHUNK,
        sealed.length - 1}) {
      assertThatThrownBy(() -> readAll(dec, Arrays.copyOf(sealed, cut))).as("cut to %d", cut)
          .isInstanceOf(IntegrityException.class).hasMessageContaining("truncated or was modified");
    }
  }

  private static void assertFails(AgeDecryption dec, byte[] damaged, String what) {
    assertThatThrownBy(() -> readAll(dec, damaged)).as(what).isInstanceOf(IntegrityException.class);
  }

  private static byte[] readAll(AgeDecryption dec, byte[] sealed) throws IOException {
    try (InputStream in = dec.decrypt(new ByteArrayInputStream(sealed), "b1")) {
      return in.readAllBytes();
    }
  }

  private static byte[] encrypt(PayloadCipher cipher, byte[] data) throws IOException {
    ByteArrayOutputStream sealed = new ByteArrayOutputStream();
    try (OutputStream out = AgeEncryption.toRecipients(List.of(recipient)).withCipher(cipher).encrypt(sealed)) {
      // uneven writes, so chunks are filled across calls
      for (int off = 0; off < data.length; off += 10_007) {
        out.write(data, off, Math.min(10_007, data.length - off));
      }
    }
    return sealed.toByteArray();
  }

  private static AgeDecryption decryption(PayloadCipher cipher) throws IOException {
    List<String> ids = new ArrayList<>(AgeDecryption.readIdentityFile(identityFile));
    return AgeDecryption.withIdentities(ids).withCipher(cipher);
  }

  /** Where the payload (its 16-byte nonce, then the chunks) begins: after the header's "--- MAC" line. */
  private static int payloadStart(byte[] sealed) {
    String head = new String(sealed, 0, Math.min(sealed.length, 4096), StandardCharsets.ISO_8859_1);
    int mac = head.indexOf("\n--- ");
    return head.indexOf('\n', mac + 1) + 1;
  }

  private static byte[] data(int size) {
    Random r = new Random(size);
    StringBuilder sb = new StringBuilder(size + 100);
    while (sb.length() < size) {
      sb.append("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-").append(r.nextInt(100_000)).append("\"}}\n");
    }
    return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.UTF_8), size);
  }
}
