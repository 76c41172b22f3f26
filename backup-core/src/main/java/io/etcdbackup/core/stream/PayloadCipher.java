package io.etcdbackup.core.stream;

import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import io.etcdbackup.core.InvalidInputException;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.Arrays;
import java.util.Locale;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JCE provider that runs age's payload cipher, ChaCha20-Poly1305 (the STREAM construction of
 * age-encryption.org/v1: 64 KiB chunks, each sealed on its own). Only the provider changes: Jagged
 * still writes and reads the header and frames the chunks, so the bytes on disk are the same
 * whichever runs them.
 *
 * <p>Chosen once per JVM from the system property {@value #PROPERTY}:
 * <ul>
 *   <li>{@code auto} (the default): Conscrypt (BoringSSL, native) if its library loads here, else
 *       the JDK's own. Conscrypt is 3-8 times the JDK's provider on Java 17 (plain Java there) and
 *       on Java 25 on a CPU without AVX-512 (HotSpot's Poly1305 intrinsic needs it, so only
 *       ChaCha20 runs as one); docs/benchmarks.md, "age's payload cipher". HotSpot's intrinsic
 *       flags are diagnostic and cannot be read without {@code -XX:+UnlockDiagnosticVMOptions}, so
 *       the choice does not guess at them: where the JDK is faster, choose {@code jdk}.
 *   <li>{@code conscrypt}: Conscrypt or an error that says why it cannot load.
 *   <li>{@code jdk}: the JDK's own provider, never native code.
 * </ul>
 * One debug line names the choice and the reason.
 */
final class PayloadCipher {
  static final String PROPERTY = "etcdbackup.cipher";
  private static final Logger LOG = LoggerFactory.getLogger(PayloadCipher.class);
  // Jagged asks for this name; Conscrypt lists it as an alias of ChaCha20/Poly1305/NoPadding.
  private static final String ALGORITHM = "ChaCha20-Poly1305";

  private final Provider provider; // null: the JDK's own, through Jagged's default constructors
  private final String description;

  private PayloadCipher(Provider provider, String description) {
    this.provider = provider;
    this.description = description;
  }

  /** The JDK's own provider (SunJCE), whatever the setting. */
  static PayloadCipher jdk() {
    return new PayloadCipher(null, "the JDK's own provider (SunJCE)");
  }

  /** Conscrypt, or an {@link IllegalStateException} saying why its native library cannot run here. */
  static PayloadCipher conscrypt() {
    try {
      return new PayloadCipher(loadConscrypt(), "Conscrypt (BoringSSL, native)");
    } catch (LinkageError | RuntimeException | GeneralSecurityException e) {
      throw new IllegalStateException("Conscrypt cannot run on this platform (" + platform() + "): " + e, e);
    }
  }

  private static volatile PayloadCipher current;

  /**
   * The one this JVM uses, from {@value #PROPERTY}: chosen and logged on first use; a setting that
   * cannot be honoured fails every use with an {@link InvalidInputException}.
   */
  static PayloadCipher current() {
    PayloadCipher c = current;
    if (c == null) {
      synchronized (PayloadCipher.class) {
        c = current;
        if (c == null) {
          current = c = choose(System.getProperty(PROPERTY, "auto"));
        }
      }
    }
    return c;
  }

  static PayloadCipher choose(String setting) {
    String s = setting.trim().toLowerCase(Locale.ROOT);
    PayloadCipher chosen;
    String why;
    switch (s) {
      case "jdk" -> {
        chosen = jdk();
        why = PROPERTY + "=jdk";
      }
      case "conscrypt" -> {
        try {
          chosen = conscrypt();
        } catch (IllegalStateException e) {
          throw new InvalidInputException("-D" + PROPERTY + " (conscrypt) cannot be honoured: " + e.getMessage());
        }
        why = PROPERTY + "=conscrypt";
      }
      case "auto" -> {
        PayloadCipher c;
        String reason;
        try {
          c = conscrypt();
          reason = "the default";
        } catch (IllegalStateException e) {
          c = jdk();
          reason = "fallback: " + e.getMessage();
        }
        chosen = c;
        why = reason;
      }
      default -> throw new InvalidInputException(
          "-D" + PROPERTY + " (" + setting + ") must be auto, conscrypt or jdk");
    }
    LOG.debug("age payload cipher: {} on Java {} ({}): {}", chosen.description, Runtime.version(), platform(), why);
    return chosen;
  }

  StandardEncryptingChannelFactory encryptingChannels() {
    return provider == null ? new StandardEncryptingChannelFactory() : new StandardEncryptingChannelFactory(provider);
  }

  StandardDecryptingChannelFactory decryptingChannels() {
    return provider == null ? new StandardDecryptingChannelFactory() : new StandardDecryptingChannelFactory(provider);
  }

  boolean isNative() {
    return provider != null;
  }

  String description() {
    return description;
  }

  @Override
  public String toString() {
    return description;
  }

  private static Provider loadConscrypt() throws GeneralSecurityException {
    // Throws the UnsatisfiedLinkError when the jar has no library for this OS and CPU (the
    // openjdk-uber 2.5.2 jar carries linux-x86_64, osx-x86_64 and windows only).
    org.conscrypt.Conscrypt.checkAvailability();
    Provider conscrypt = org.conscrypt.Conscrypt.newProvider();
    selfTest(conscrypt);
    // Through its array methods: its ByteBuffer methods allocate two direct buffers per age chunk.
    Provider arrays = new ArrayCipherProvider(conscrypt, ALGORITHM);
    try {
      selfTest(arrays);
      return arrays;
    } catch (GeneralSecurityException | RuntimeException e) {
      // A JDK that authenticates JCE providers may refuse ours; Conscrypt's own path still works.
      LOG.debug("age payload cipher: Conscrypt's array path unavailable ({}); its ByteBuffer path runs", e.toString());
      return conscrypt;
    }
  }

  /**
   * One seal and open with {@code p}, so a provider that loads but cannot run falls back here,
   * not in the middle of a backup.
   */
  private static void selfTest(Provider p) throws GeneralSecurityException {
    SecretKeySpec key = new SecretKeySpec(new byte[32], "ChaCha20");
    IvParameterSpec nonce = new IvParameterSpec(new byte[12]);
    byte[] probe = "age-encryption.org/v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Cipher seal = Cipher.getInstance(ALGORITHM, p);
    seal.init(Cipher.ENCRYPT_MODE, key, nonce);
    byte[] sealed = seal.doFinal(probe);
    Cipher open = Cipher.getInstance(ALGORITHM, p);
    open.init(Cipher.DECRYPT_MODE, key, nonce);
    if (sealed.length != probe.length + 16 || !Arrays.equals(open.doFinal(sealed), probe)) {
      throw new GeneralSecurityException(p.getName() + "'s " + ALGORITHM + " failed its self-test");
    }
  }

  private static String platform() {
    return System.getProperty("os.name") + " " + System.getProperty("os.arch");
  }
}
