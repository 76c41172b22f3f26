package io.etcdbackup.core.stream;

import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import io.etcdbackup.core.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Encryption to age X25519 recipients (the age v1 format, through the Jagged library). A backup job
 * holds only public keys, so whoever runs it cannot read any backup, old or new; the output
 * decrypts with {@code age -d -i key.txt}. The payload's ChaCha20-Poly1305 runs in the provider
 * {@link PayloadCipher} chooses (native where it can, {@code -Detcdbackup.cipher=jdk} to refuse it).
 */
public final class AgeEncryption {
  public static final String SUFFIX = ".age";
  private final List<String> recipients;
  private final PayloadCipher cipher; // null: PayloadCipher.current(), chosen on first use

  private AgeEncryption(List<String> recipients, PayloadCipher cipher) {
    this.recipients = List.copyOf(recipients);
    this.cipher = cipher;
  }

  /** To every recipient in {@code recipients} ({@code age1...}); checked here, once. */
  public static AgeEncryption toRecipients(List<String> recipients) {
    LinkedHashSet<String> unique = new LinkedHashSet<>();
    for (String r : recipients) {
      String s = r.trim();
      if (!s.startsWith("age1")) {
        throw new InvalidInputException("--encrypt-to (" + abbreviate(s)
            + ") is not an age X25519 recipient: it must start with age1 (see age-keygen -y)");
      }
      try {
        X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(s);
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new InvalidInputException("--encrypt-to (" + abbreviate(s) + ") is not a valid age recipient: " + e.getMessage());
      }
      unique.add(s);
    }
    if (unique.isEmpty()) {
      throw new InvalidInputException("encryption needs at least one recipient: --encrypt-to age1... or --recipients-file FILE");
    }
    return new AgeEncryption(new ArrayList<>(unique), null);
  }

  /** The same recipients with the payload sealed by {@code cipher} instead of this JVM's choice. */
  AgeEncryption withCipher(PayloadCipher cipher) {
    return new AgeEncryption(recipients, cipher);
  }

  /** Recipients from a file as age reads one: one per line, blank lines and {@code #} comments ignored. */
  public static List<String> readRecipientsFile(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    } catch (IOException e) {
      throw new InvalidInputException("--recipients-file (" + file + ") cannot be read: " + e.getMessage());
    }
  }

  public List<String> recipients() {
    return recipients;
  }

  /**
   * Short fingerprints of the recipients, for the manifest: the first 8 bytes of the SHA-256 of
   * each recipient string, in hex. They say which key decrypts a backup without listing keys.
   */
  public List<String> fingerprints() {
    return recipients.stream().map(AgeEncryption::fingerprint).toList();
  }

  public static String fingerprint(String recipient) {
    byte[] d = Sha256OutputStream.newDigest().digest(recipient.getBytes(StandardCharsets.US_ASCII));
    return HexFormat.of().formatHex(d, 0, 8);
  }

  /** Wraps {@code out}; closing the result writes the final chunk and closes {@code out}. */
  public OutputStream encrypt(OutputStream out) throws IOException {
    try {
      List<RecipientStanzaWriter> writers = new ArrayList<>();
      for (String r : recipients) {
        writers.add(X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(r));
      }
      return Channels.newOutputStream(
          cipher().encryptingChannels().newEncryptingChannel(Channels.newChannel(out), writers));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot start age encryption: " + e.getMessage(), e);
    }
  }

  private PayloadCipher cipher() {
    return cipher != null ? cipher : PayloadCipher.current();
  }

  static String abbreviate(String s) {
    return s.length() <= 16 ? s : s.substring(0, 12) + "...";
  }
}
