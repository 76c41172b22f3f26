package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.IntegrityException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Positional page reads from a bbolt file into heap arrays. The file is deliberately not
 * memory-mapped: mapped pages count in the process RSS, and a file may be 8 GiB. A page file is
 * stateless and may be shared by threads; a traversal of many pages reads through its own
 * {@link PageReader}, which reuses buffers and reads ahead.
 */
final class PageFile {
  /** Reads go through the JDK's per-thread direct buffer; keeping each read small keeps that buffer small. */
  static final int MAX_READ = 256 * 1024;
  /** The largest node we agree to hold: a Java array, and far beyond any etcd value (1.5 MiB by default). */
  static final long MAX_NODE_BYTES = 1L << 30;

  private final String file;
  private final FileChannel channel;
  private final int pageSize;
  private final long pgid;
  /** A reader a finished traversal left behind, for the next one: its window and buffers are reused. */
  private final AtomicReference<PageReader> idle = new AtomicReference<>();

  PageFile(String file, FileChannel channel, int pageSize, long pgid) {
    this.file = file;
    this.channel = channel;
    this.pageSize = pageSize;
    this.pgid = pgid;
  }

  String file() {
    return file;
  }

  int pageSize() {
    return pageSize;
  }

  long pgid() {
    return pgid;
  }

  /** A {@link PageReader} for one traversal; give it back with {@link #release} when done. */
  PageReader reader() {
    PageReader r = idle.getAndSet(null);
    return r != null ? r : new PageReader(this);
  }

  /** Keeps {@code r} for the next traversal; {@code r} must not be used after this. */
  void release(PageReader r) {
    idle.set(r);
  }

  /**
   * Reads page {@code id} and its overflow pages into a new array. Fails if the page lies at or
   * past the high-water mark, if its header names another page (bbolt {@code page.fastCheck}), or
   * if its overflow runs past the high-water mark.
   */
  Page read(long id) throws IOException {
    requireInBounds(id);
    byte[] first = new byte[pageSize];
    readFully((long) id * pageSize, first, 0, pageSize);
    int bytes = nodeBytes(id, first, 0);
    if (bytes == pageSize) {
      return new Page(file, id, first, 0, pageSize);
    }
    byte[] all = new byte[bytes];
    System.arraycopy(first, 0, all, 0, pageSize);
    readFully((id + 1) * pageSize, all, pageSize, all.length - pageSize);
    return new Page(file, id, all, 0, all.length);
  }

  void requireInBounds(long id) {
    if (id < 0 || id >= pgid) {
      throw new IntegrityException(file + ": page " + id + ": out of bounds: high-water mark is " + pgid
          + " (rule: no reachable page at or beyond pgid)");
    }
  }

  /**
   * Checks the header of page {@code id} found at {@code off} of {@code b} and returns the bytes
   * of its node, overflow pages included.
   */
  int nodeBytes(long id, byte[] b, int off) {
    long headerId = Le.u64(b, off);
    if (headerId != id) {
      throw new IntegrityException(file + ": page " + id + ": header says page " + headerId
          + " (rule: a page's id equals its position)");
    }
    long overflow = Le.u32(b, off + 12);
    if (overflow == 0) {
      return pageSize;
    }
    if (id + overflow >= pgid) {
      throw new IntegrityException(file + ": page " + id + ": overflow of " + overflow
          + " pages runs past the high-water mark " + pgid + " (rule: no reachable page at or beyond pgid)");
    }
    long bytes = (overflow + 1) * pageSize;
    if (bytes > MAX_NODE_BYTES) {
      throw new IntegrityException(file + ": page " + id + ": a node of " + bytes + " bytes is larger than "
          + MAX_NODE_BYTES + " (rule: node size)");
    }
    return (int) bytes;
  }

  /** Reads exactly {@code dst.remaining()} bytes at {@code position} into {@code dst}. */
  void readFully(long position, ByteBuffer dst) throws IOException {
    long p = position;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, p);
      if (n < 0) {
        throw new EOFException(file + ": unexpected end of file at byte " + p);
      }
      p += n;
    }
  }

  /** Reads exactly {@code len} bytes at {@code position}, in chunks of at most {@link #MAX_READ}. */
  void readFully(long position, byte[] dst, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      ByteBuffer b = ByteBuffer.wrap(dst, off + done, Math.min(MAX_READ, len - done));
      int n = channel.read(b, position + done);
      if (n < 0) {
        throw new EOFException(file + ": unexpected end of file at byte " + (position + done));
      }
      done += n;
    }
  }
}
