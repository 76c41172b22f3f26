package io.etcdbackup.core.snapshot;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.stream.AlignedBuffers;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The trailer of a snapshot saved by {@code etcdctl snapshot save}: the server streams the bbolt
 * image and then its SHA-256 (32 bytes), and the client writes both. A bbolt image is a whole
 * number of pages, so a size of 32 more than a multiple of 512 means a trailer is present
 * (etcdutl {@code snapshot/v3_snapshot.go} {@code copyAndVerifyDB}; ETCD-FORMATS.md §1.2).
 */
public final class SnapshotFile {
  /** Length of the SHA-256 trailer. */
  public static final int TRAILER_LENGTH = 32;
  /** Two of these are in flight: one being hashed, one being read. */
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
    try (AsynchronousFileChannel ch = AsynchronousFileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (!hasTrailer(size)) {
        throw new IntegrityException(file + ": snapshot missing hash: its size " + size
            + " is not 32 more than a multiple of 512");
      }
      long dbLength = size - TRAILER_LENGTH;
      ByteBuffer trailer = ByteBuffer.allocate(TRAILER_LENGTH);
      finishRead(ch, trailer, dbLength, ch.read(trailer, dbLength));
      byte[] expected = trailer.array();
      byte[] actual = sha256(ch, dbLength);
      if (!MessageDigest.isEqual(expected, actual)) {
        HexFormat hex = HexFormat.of();
        throw new IntegrityException(file + ": expected sha256 " + hex.formatHex(expected) + ", got "
            + hex.formatHex(actual));
      }
      return dbLength;
    }
  }

  /**
   * SHA-256 of the first {@code length} bytes. The next megabyte is read while the current one is
   * hashed (SHA-256 runs at about 1.4 GB/s with the CPU's SHA extensions, the page cache delivers
   * several times that), into page-aligned direct buffers: the kernel copies into the 16-byte
   * aligned buffers malloc gives (the JDK's temporary buffers for heap reads) up to four times
   * slower. 1 GiB: 1.1 s read then hashed through a heap buffer, 0.8 s this way.
   */
  private static byte[] sha256(AsynchronousFileChannel ch, long length) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    ByteBuffer[] buffers = {AlignedBuffers.direct(BUFFER), AlignedBuffers.direct(BUFFER)};
    Future<Integer> pending = startRead(ch, buffers[0], 0, length);
    long pos = 0;
    for (int i = 0; pending != null; i ^= 1) {
      ByteBuffer current = buffers[i];
      finishRead(ch, current, pos, pending);
      long next = pos + current.limit();
      pending = startRead(ch, buffers[i ^ 1], next, length);
      current.flip();
      md.update(current);
      pos = next;
    }
    return md.digest();
  }

  /** Starts reading the chunk at {@code pos} into {@code b}, or returns {@code null} at {@code length}. */
  private static Future<Integer> startRead(AsynchronousFileChannel ch, ByteBuffer b, long pos, long length) {
    if (pos >= length) {
      return null;
    }
    b.clear().limit((int) Math.min(b.capacity(), length - pos));
    return ch.read(b, pos);
  }

  /** Waits for {@code pending} and reads on until {@code b} is full. */
  private static void finishRead(AsynchronousFileChannel ch, ByteBuffer b, long pos, Future<Integer> pending)
      throws IOException {
    Future<Integer> read = pending;
    while (true) {
      int n;
      try {
        n = read.get();
      } catch (InterruptedException e) {
        read.cancel(true);
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading the snapshot");
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      }
      if (n < 0) {
        throw new EOFException("unexpected end of file at byte " + (pos + b.position()));
      }
      if (!b.hasRemaining()) {
        return;
      }
      read = ch.read(b, pos + b.position());
    }
  }
}
