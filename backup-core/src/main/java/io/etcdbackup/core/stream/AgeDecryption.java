package io.etcdbackup.core.stream;

import com.exceptionfactory.jagged.PayloadException;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.UnsupportedRecipientStanzaException;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.BufferUnderflowException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/** Decryption of age files with X25519 identities ({@code AGE-SECRET-KEY-1...}), never logged. */
public final class AgeDecryption {
  private final List<String> identities;
  private final PayloadCipher cipher; // null: PayloadCipher.current(), chosen on first use

  private AgeDecryption(List<String> identities, PayloadCipher cipher) {
    this.identities = List.copyOf(identities);
    this.cipher = cipher;
  }

  public static AgeDecryption withIdentities(List<String> identities) {
    if (identities.isEmpty()) {
      throw new InvalidInputException("the backup is age-encrypted: give the key with --identity-file FILE");
    }
    for (String id : identities) {
      try {
        X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(id);
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new InvalidInputException("--identity-file holds an invalid age identity (expected AGE-SECRET-KEY-1...)");
      }
    }
    return new AgeDecryption(identities, null);
  }

  /** The same identities with the payload opened by {@code cipher} instead of this JVM's choice. */
  AgeDecryption withCipher(PayloadCipher cipher) {
    return new AgeDecryption(identities, cipher);
  }

  /** Identities from an age key file (as age-keygen writes it): lines starting with AGE-SECRET-KEY-1. */
  public static List<String> readIdentityFile(Path file) {
    try {
      List<String> ids = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::trim)
          .filter(l -> l.startsWith("AGE-SECRET-KEY-1")).toList();
      if (ids.isEmpty()) {
        throw new InvalidInputException("--identity-file (" + file + ") holds no AGE-SECRET-KEY-1 line");
      }
      return ids;
    } catch (IOException e) {
      throw new InvalidInputException("--identity-file (" + file + ") cannot be read: " + e.getMessage());
    }
  }

  /**
   * Wraps {@code in}. No matching identity fails at once with an {@link IntegrityException};
   * tampering or truncation fail while reading, with an {@link IOException} that says so.
   */
  public InputStream decrypt(InputStream in, String what) throws IOException {
    List<RecipientStanzaReader> readers = new ArrayList<>();
    try {
      for (String id : identities) {
        readers.add(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(id));
      }
      InputStream plain = Channels.newInputStream(
          payloadCipher(in).decryptingChannels().newDecryptingChannel(Channels.newChannel(in), readers));
      return new FilterInputStream(plain) {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          try {
            return super.read(b, off, len);
          } catch (PayloadException e) {
            throw new IntegrityException(what + ": age decryption failed (the object is truncated or was modified): "
                + e.getMessage(), e);
          }
        }
      };
    } catch (UnsupportedRecipientStanzaException e) {
      in.close();
      throw new IntegrityException(what + ": no identity in --identity-file can decrypt it (wrong key?)", e);
    } catch (GeneralSecurityException e) {
      in.close();
      throw new IntegrityException(what + ": age decryption failed: " + e.getMessage(), e);
    } catch (PayloadException e) {
      in.close();
      throw new IntegrityException(what + ": age header is damaged: " + e.getMessage(), e);
    } catch (BufferUnderflowException e) {
      // Jagged 1.0.0's header reader runs off the end of a header cut inside a stanza's "-> " line
      in.close();
      throw new IntegrityException(what + ": age header is damaged: the object ends inside it (truncated?)", e);
    }
  }

  private PayloadCipher payloadCipher(InputStream in) throws IOException {
    try {
      return cipher != null ? cipher : PayloadCipher.current();
    } catch (RuntimeException e) { // a -Detcdbackup.cipher that cannot be honoured
      in.close();
      throw e;
    }
  }
}
