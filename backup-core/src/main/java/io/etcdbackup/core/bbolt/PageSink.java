package io.etcdbackup.core.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Allocates pages from 2 upwards and writes each node as soon as it is allocated, so the file
 * is written front to back through one buffer; pages 0 and 1 (the metas) are written last.
 */
final class PageSink {
  private static final int BUFFER = 1 << 20;

  private final FileChannel channel;
  private final int pageSize;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
  private long next = 2;
  private long bufferStart = 2;

  PageSink(FileChannel channel, int pageSize) {
    this.channel = channel;
    this.pageSize = pageSize;
  }

  /** The next page to allocate: after the last node, the high-water mark. */
  long nextPgid() {
    return next;
  }

  /** Allocates the pages {@code node} needs, writes it there, and returns its page id. */
  long append(Node node) throws IOException {
    int pages = (int) ((node.size() + pageSize - 1) / pageSize);
    byte[] image = new byte[pages * pageSize];
    long id = next;
    node.encode(image, 0, id, pages - 1);
    if (image.length > buffer.remaining()) {
      flush();
    }
    next += pages;
    if (image.length > buffer.capacity()) {
      writeFully(ByteBuffer.wrap(image), id * pageSize);
      bufferStart = next;
    } else {
      buffer.put(image);
    }
    return id;
  }

  /** Writes what is buffered; {@link #nextPgid()} pages are then on disk, metas aside. */
  void flush() throws IOException {
    buffer.flip();
    writeFully(buffer, bufferStart * pageSize);
    buffer.clear();
    bufferStart = next;
  }

  void writeAt(byte[] bytes, long position) throws IOException {
    writeFully(ByteBuffer.wrap(bytes), position);
  }

  private void writeFully(ByteBuffer b, long position) throws IOException {
    long p = position;
    while (b.hasRemaining()) {
      p += channel.write(b, p);
    }
  }
}
