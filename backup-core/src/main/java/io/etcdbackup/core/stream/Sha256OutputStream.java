package io.etcdbackup.core.stream;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Passes bytes through and keeps their SHA-256 and count. */
public final class Sha256OutputStream extends FilterOutputStream {
  private final MessageDigest digest = newDigest();
  private long count;
  private byte[] result;

  public Sha256OutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    digest.update((byte) b);
    count++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    digest.update(b, off, len);
    count += len;
  }

  /** Bytes written so far. */
  public long count() {
    return count;
  }

  /** The SHA-256 of everything written; ends the digest, so call it once all bytes are through. */
  public byte[] sha256() {
    if (result == null) {
      result = digest.digest();
    }
    return result.clone();
  }

  public String sha256Hex() {
    return HexFormat.of().formatHex(sha256());
  }

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
