package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.stream.BackgroundSync;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Allocates pages from 2 upwards and encodes each node into one 1 MiB buffer as soon as it is
 * allocated; the buffer goes to the file in one sequential write when the next node does not fit,
 * so the file is written front to back in large writes. Pages 0 and 1 (the metas) are written
 * last. A node larger than the buffer is encoded into an array of its own and written alone.
 */
final class PageSink {
  static final int BUFFER = 1 << 20;

  private final FileChannel channel;
  private final int pageSize;
  private final BackgroundSync sync;
  private final byte[] buffer = new byte[BUFFER];
  private int used;
  private long next = 2;
  private long bufferStart = 2;

  PageSink(FileChannel channel, int pageSize, BackgroundSync sync) {
    this.channel = channel;
    this.pageSize = pageSize;
    this.sync = sync;
  }

  /** The next page to allocate: after the last node, the high-water mark. */
  long nextPgid() {
    return next;
  }

  /** Allocates the pages {@code node} needs, encodes it there, and returns its page id. */
  long append(Node node) throws IOException {
    long size = node.size();
    long pages = (size + pageSize - 1) / pageSize;
    long bytes = pages * pageSize;
    if (bytes > buffer.length - used) {
      flush();
    }
    long id = next;
    next += pages;
    if (bytes > buffer.length) {
      byte[] image = new byte[(int) bytes];
      node.encode(image, 0, id, pages - 1);
      write(image, (int) bytes, id * pageSize);
      bufferStart = next;
    } else {
      node.encode(buffer, used, id, pages - 1);
      // the buffer is reused: the rest of the node's last page must not keep an older node's bytes
      Arrays.fill(buffer, used + (int) size, used + (int) bytes, (byte) 0);
      used += (int) bytes;
    }
    return id;
  }

  /** Writes what is buffered; {@link #nextPgid()} pages are then in the file, metas aside. */
  void flush() throws IOException {
    if (used > 0) {
      write(buffer, used, bufferStart * pageSize);
      used = 0;
    }
    bufferStart = next;
  }

  void writeAt(byte[] bytes, long position) throws IOException {
    writeFully(ByteBuffer.wrap(bytes), position);
  }

  private void write(byte[] bytes, int length, long position) throws IOException {
    writeFully(ByteBuffer.wrap(bytes, 0, length), position);
    sync.written(length);
  }

  private void writeFully(ByteBuffer b, long position) throws IOException {
    long p = position;
    while (b.hasRemaining()) {
      p += channel.write(b, p);
    }
  }
}
