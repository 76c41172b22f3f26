package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.IntegrityException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Positional page reads from a bbolt file into small heap arrays. The file is deliberately not
 * memory-mapped: mapped pages count in the process RSS, and a file may be 8 GiB.
 */
final class PageFile {
  /** Reads go through the JDK's per-thread direct buffer; keeping each read small keeps that buffer small. */
  private static final int MAX_READ = 256 * 1024;
  /** The largest node we agree to hold: a Java array, and far beyond any etcd value (1.5 MiB by default). */
  private static final long MAX_NODE_BYTES = 1L << 30;

  private final String file;
  private final FileChannel channel;
  private final int pageSize;
  private final long pgid;

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

  /**
   * Reads page {@code id} and its overflow pages. Fails if the page lies at or past the high-water
   * mark, if its header names another page (bbolt {@code page.fastCheck}), or if its overflow runs
   * past the high-water mark.
   */
  Page read(long id) throws IOException {
    if (id < 0 || id >= pgid) {
      throw new IntegrityException(file + ": page " + id + ": out of bounds: high-water mark is " + pgid
          + " (rule: no reachable page at or beyond pgid)");
    }
    byte[] first = new byte[pageSize];
    readFully(id * pageSize, first, 0, pageSize);
    long headerId = Le.u64(first, 0);
    if (headerId != id) {
      throw new IntegrityException(file + ": page " + id + ": header says page " + headerId
          + " (rule: a page's id equals its position)");
    }
    long overflow = Le.u32(first, 12);
    if (overflow == 0) {
      return new Page(file, "page " + id, first, 0, pageSize);
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
    byte[] all = new byte[(int) bytes];
    System.arraycopy(first, 0, all, 0, pageSize);
    readFully((id + 1) * pageSize, all, pageSize, all.length - pageSize);
    return new Page(file, "page " + id, all, 0, all.length);
  }

  /** Reads exactly {@code len} bytes at {@code position}, in chunks of at most 256 KiB. */
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
