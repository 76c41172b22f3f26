package io.etcdbackup.core.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Forwards everything but the last {@code trailerLength} bytes of the stream, which it holds back
 * and hands over on close. An etcd snapshot stream is the bbolt image followed by the 32-byte
 * SHA-256 of that image (etcd {@code v3rpc/maintenance.go}, 3.4 and 3.5): this separates the two
 * without knowing the length in advance.
 */
public final class TrailerSplittingOutputStream extends OutputStream {
  private final OutputStream out;
  private final byte[] held;
  private int heldCount;
  private boolean closed;

  public TrailerSplittingOutputStream(OutputStream out, int trailerLength) {
    this.out = out;
    this.held = new byte[trailerLength];
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    int total = heldCount + len;
    if (total <= held.length) {
      System.arraycopy(b, off, held, heldCount, len);
      heldCount = total;
      return;
    }
    // Everything except the last held.length bytes of (held + b) goes out.
    int release = total - held.length;
    int fromHeld = Math.min(release, heldCount);
    if (fromHeld > 0) {
      out.write(held, 0, fromHeld);
      System.arraycopy(held, fromHeld, held, 0, heldCount - fromHeld);
      heldCount -= fromHeld;
    }
    int fromB = release - fromHeld;
    if (fromB > 0) {
      out.write(b, off, fromB);
    }
    System.arraycopy(b, off + fromB, held, heldCount, len - fromB);
    heldCount += len - fromB;
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  /** Closes the downstream stream; the trailer is then available. */
  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      out.close();
    }
  }

  /** The held-back bytes: fewer than {@code trailerLength} if the stream was that short. */
  public byte[] trailer() {
    return Arrays.copyOf(held, heldCount);
  }
}
