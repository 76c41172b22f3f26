package io.etcdbackup.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.testing.Exec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.util.Random;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the payload cipher is chosen, each case in a JVM of its own (the choice is made once per JVM),
 * through {@link #main}: what it prints is the choice, and its log has the one debug line.
 */
class PayloadCipherTest {

  /** Run in the child JVM: prints the provider {@link PayloadCipher#current()} chose. */
  public static void main(String[] args) {
    System.out.println("chosen: " + PayloadCipher.current().description());
  }

  @Test
  void conscryptIsTheDefault(@TempDir Path dir) {
    Exec.Result r = child(dir);
    assertThat(r.stdoutOrThrow()).contains("chosen: Conscrypt (BoringSSL, native)");
    assertThat(debugLines(r)).singleElement().asString().contains("age payload cipher: Conscrypt (BoringSSL, native) on Java");
  }

  @Test
  void theJdkProviderCanBeForced(@TempDir Path dir) {
    Exec.Result r = child(dir, "-Detcdbackup.cipher=jdk");
    assertThat(r.stdoutOrThrow()).contains("chosen: the JDK's own provider (SunJCE)");
    assertThat(debugLines(r)).singleElement().asString().contains("etcdbackup.cipher=jdk");
  }

  @Test
  void whenConscryptCannotLoadTheJdkProviderTakesOverWithOneDebugLine(@TempDir Path dir) {
    // Conscrypt unpacks its library into this directory; a regular file cannot hold it, as a
    // read-only or noexec /tmp cannot.
    Exec.Result r = child(dir, "-Dorg.conscrypt.native.workdir=/etc/hostname");
    assertThat(r.stdoutOrThrow()).contains("chosen: the JDK's own provider (SunJCE)");
    assertThat(debugLines(r)).singleElement().asString()
        .contains("age payload cipher: the JDK's own provider (SunJCE) on Java " + Runtime.version())
        .contains("fallback: Conscrypt cannot run on this platform");
  }

  @Test
  void forcingConscryptWhereItCannotLoadIsAnError(@TempDir Path dir) {
    Exec.Result r = child(dir, "-Detcdbackup.cipher=conscrypt", "-Dorg.conscrypt.native.workdir=/etc/hostname");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("-Detcdbackup.cipher (conscrypt) cannot be honoured: Conscrypt cannot run");
  }

  /**
   * Conscrypt through its array methods: decrypting 16 MiB (256 age chunks) allocates no direct
   * buffers, where its ByteBuffer path took two new ones per chunk, freed only by a collection.
   */
  @Test
  void conscryptDecryptsWithoutADirectBufferPerChunk() throws Exception {
    PayloadCipher conscrypt = PayloadCipher.conscrypt();
    KeyPair k = new X25519KeyPairGenerator().generateKeyPair();
    byte[] data = new byte[16 << 20];
    new Random(3).nextBytes(data);
    ByteArrayOutputStream sealed = new ByteArrayOutputStream();
    try (OutputStream out = AgeEncryption.toRecipients(List.of(k.getPublic().toString())).encrypt(sealed)) {
      out.write(data);
    }
    AgeDecryption age = AgeDecryption.withIdentities(List.of(k.getPrivate().toString())).withCipher(conscrypt);
    BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
    InputStream source = new ByteArrayInputStream(sealed.toByteArray());
    // Read into one buffer, so that no garbage collection runs meanwhile and frees what would pile up.
    byte[] buf = new byte[256 * 1024];
    MessageDigest opened = MessageDigest.getInstance("SHA-256");
    long before = direct.getCount();
    try (InputStream in = age.decrypt(source, "test")) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        opened.update(buf, 0, n);
      }
    }
    long allocated = direct.getCount() - before;
    assertThat(opened.digest()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    assertThat(allocated).as("direct buffers allocated while decrypting 256 chunks").isLessThan(16);
  }

  @Test
  void anUnknownSettingIsRefusedByName() {
    assertThatThrownBy(() -> PayloadCipher.choose("sodium")).isInstanceOf(InvalidInputException.class)
        .hasMessage("-Detcdbackup.cipher (sodium) must be auto, conscrypt or jdk");
  }

  private static List<String> debugLines(Exec.Result r) {
    return r.stderr().lines().filter(l -> l.contains("age payload cipher:")).toList();
  }

  private static Exec.Result child(Path dir, String... jvmArgs) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(List.of(jvmArgs));
    cmd.addAll(List.of("-Dorg.slf4j.simpleLogger.log." + PayloadCipher.class.getName() + "=debug",
        "-cp", System.getProperty("java.class.path"), PayloadCipherTest.class.getName()));
    return Exec.run(cmd, dir, Duration.ofSeconds(60));
  }
}
