package io.etcdbackup.core.store;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret that signs manifests ({@code --manifest-signing-key FILE}). age authenticates no
 * sender: anyone who may write to the bucket can put a backup there that decrypts and verifies
 * fine. With this key, {@code snapshot} signs each manifest (HMAC-SHA256 over {@link
 * ManifestCodec#canonicalForSigning}) and verify, restore and drills refuse a manifest that is
 * unsigned or signed otherwise; the manifest's sha256 of the stored object binds the data to it.
 * Whoever holds the key can sign, so it belongs with the backup job and the restore side only,
 * never with the bucket's other writers.
 */
public final class ManifestKey {
  public static final String ALGORITHM = "HMAC-SHA256";
  /** HMAC-SHA256's own strength; a shorter secret would be the weak part. */
  static final int MIN_BYTES = 32;

  private final byte[] secret;
  private final String keyId;

  private ManifestKey(byte[] secret) {
    this.secret = secret;
    this.keyId = keyIdOf(secret);
  }

  /**
   * The key in {@code file}: its bytes, without trailing whitespace (an {@code echo}'s newline, a
   * Kubernetes Secret's), at least {@value #MIN_BYTES} of them.
   */
  public static ManifestKey fromFile(Path file) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException("--manifest-signing-key " + file + " does not exist");
    } catch (IOException e) {
      throw new InvalidInputException("--manifest-signing-key " + file + " cannot be read: " + e.getMessage());
    }
    int end = raw.length;
    while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r' || raw[end - 1] == ' ' || raw[end - 1] == '\t')) {
      end--;
    }
    byte[] secret = Arrays.copyOf(raw, end);
    Arrays.fill(raw, (byte) 0);
    if (secret.length < MIN_BYTES) {
      throw new InvalidInputException("--manifest-signing-key " + file + " holds " + secret.length + " bytes; it needs at least "
          + MIN_BYTES + ": make one with `head -c 32 /dev/urandom | base64 > " + file.getFileName() + "`");
    }
    return new ManifestKey(secret);
  }

  /** Names the key in manifests and messages without revealing it: 16 hex digits of a SHA-256 of it. */
  public String keyId() {
    return keyId;
  }

  /** {@code m} signed with this key. */
  public Manifest sign(Manifest m) {
    return m.withSignature(new Manifest.Signature(ALGORITHM, keyId, HexFormat.of().formatHex(mac(m))));
  }

  /**
   * Refuses {@code m} unless this key signed it, naming {@code what} (a backup) and why: unsigned,
   * another key, another algorithm, or fields changed after signing.
   *
   * @throws IntegrityException when the signature is missing or wrong
   */
  public void check(Manifest m, String what) {
    Manifest.Signature s = m.signature();
    if (s == null) {
      throw new IntegrityException(what + " has an unsigned manifest, and --manifest-signing-key (key " + keyId
          + ") requires a signature: refused (written without the key, or replaced by someone without it)");
    }
    if (!ALGORITHM.equals(s.algorithm())) {
      throw new IntegrityException(what + ": its manifest is signed with " + s.algorithm() + ", not " + ALGORITHM + ": refused");
    }
    if (!keyId.equals(s.keyId())) {
      throw new IntegrityException(what + ": its manifest is signed by key " + s.keyId() + ", not by --manifest-signing-key (key "
          + keyId + "): refused; give the key that signed the series");
    }
    byte[] given;
    try {
      given = HexFormat.of().parseHex(s.value());
    } catch (IllegalArgumentException | NullPointerException e) {
      given = new byte[0];
    }
    if (!MessageDigest.isEqual(given, mac(m))) {
      throw new IntegrityException(what + ": its manifest's signature does not match its fields: refused (the manifest "
          + "was changed after it was signed)");
    }
  }

  @Override
  public String toString() {
    return "ManifestKey[" + keyId + "]"; // never the secret
  }

  private byte[] mac(Manifest m) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(ManifestCodec.canonicalForSigning(m));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static String keyIdOf(byte[] secret) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      // A domain label: the id is no plain hash of the secret that could match one used elsewhere.
      d.update("etcd-backup manifest key id\n".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(d.digest(secret), 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
