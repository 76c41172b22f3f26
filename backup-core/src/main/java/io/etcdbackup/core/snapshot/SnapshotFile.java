package io.etcdbackup.core.snapshot;

import io.etcdbackup.core.IntegrityException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The trailer of a snapshot saved by {@code etcdctl snapshot save}: the server streams the bbolt
 * image and then its SHA-256 (32 bytes), and the client writes both. A bbolt image is a whole
 * number of pages, so a size of 32 more than a multiple of 512 means a trailer is present
 * (etcdutl {@code snapshot/v3_snapshot.go} {@code copyAndVerifyDB}; ETCD-FORMATS.md §1.2).
 */
public final class SnapshotFile {
  /** Length of the SHA-256 trailer. */
  public static final int TRAILER_LENGTH = 32;
  private static final int BUFFER = 1 << 20;

  private SnapshotFile() {}

  /** Whether a file of {@code fileSize} bytes carries a trailer: {@code fileSize % 512 == 32}. */
  public static boolean hasTrailer(long fileSize) {
    return fileSize % 512 == TRAILER_LENGTH;
  }

  /**
   * Checks that the last 32 bytes of {@code file} are the SHA-256 of the bytes before them, and
   * returns the length of the db (the file without its trailer).
   *
   * @throws IntegrityException {@code missing hash} if the size shows no trailer (the caller
   *     decides whether to go on, as {@code --skip-hash-check} does), or {@code expected sha256
   *     X, got Y} (X from the trailer, Y computed) if they differ
   */
  public static long verifyTrailer(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (!hasTrailer(size)) {
        throw new IntegrityException(file + ": snapshot missing hash: its size " + size
            + " is not 32 more than a multiple of 512");
      }
      long dbLength = size - TRAILER_LENGTH;
      byte[] expected = new byte[TRAILER_LENGTH];
      readFully(ch, ByteBuffer.wrap(expected), dbLength);
      byte[] actual = sha256(ch, dbLength);
      if (!MessageDigest.isEqual(expected, actual)) {
        HexFormat hex = HexFormat.of();
        throw new IntegrityException(file + ": expected sha256 " + hex.formatHex(expected) + ", got "
            + hex.formatHex(actual));
      }
      return dbLength;
    }
  }

  private static byte[] sha256(FileChannel ch, long length) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    ByteBuffer buf = ByteBuffer.allocate(BUFFER);
    long pos = 0;
    while (pos < length) {
      buf.clear().limit((int) Math.min(BUFFER, length - pos));
      readFully(ch, buf, pos);
      md.update(buf.array(), 0, buf.limit());
      pos += buf.limit();
    }
    return md.digest();
  }

  private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
    long p = position;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, p);
      if (n < 0) {
        throw new EOFException("unexpected end of file at byte " + p);
      }
      p += n;
    }
  }
}
