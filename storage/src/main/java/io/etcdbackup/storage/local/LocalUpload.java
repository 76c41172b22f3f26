package io.etcdbackup.storage.local;

import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.core.stream.BackgroundSync;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One object being written to a temporary file beside its target; see {@link LocalDirectoryStore}. */
final class LocalUpload implements ObjectUpload {
  private static final Logger log = LoggerFactory.getLogger(LocalUpload.class);
  /** Large enough that a stream of small writes costs few system calls. */
  private static final int BUFFER_SIZE = 256 * 1024;

  private enum State { OPEN, COMMITTED, ABORTED }

  private final LocalDirectoryStore store;
  private final String key;
  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
  private final OutputStream stream = new UploadStream();
  /**
   * Writes the file back while it grows, so that the commit's fsync waits for the last few MiB
   * only, not for the whole object the page cache held (a few seconds per GiB on a virtio disk).
   */
  private final BackgroundSync sync;
  private long size;
  private State state = State.OPEN;

  LocalUpload(LocalDirectoryStore store, String key, Path target, Path temp, FileChannel channel) {
    this.store = store;
    this.key = key;
    this.target = target;
    this.temp = temp;
    this.channel = channel;
    this.sync = new BackgroundSync(channel, BackgroundSync.DEFAULT_EVERY, key);
  }

  @Override
  public OutputStream stream() {
    return stream;
  }

  @Override
  public StoredObject commit() throws IOException {
    checkOpen();
    try {
      flushBuffer();
      sync.await();
      channel.force(true);
      sync.close();
      channel.close();
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        // Cannot happen within one directory on a local file system; never fall back to a copy,
        // which could leave a partial object visible.
        throw new IOException("the file system cannot rename atomically", e);
      }
      state = State.COMMITTED;
      LocalDirectoryStore.fsyncDirectory(target.getParent());
      BasicFileAttributes attrs = Files.readAttributes(target, BasicFileAttributes.class);
      log.info("store={} key={} committed size={}", store.location(), key, size);
      return new StoredObject(key, attrs.size(), attrs.lastModifiedTime().toInstant());
    } catch (IOException | RuntimeException e) {
      if (state == State.OPEN) {
        abortAfterFailure(e);
      }
      throw new IOException(store.describe(key) + ": commit failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void abort() throws IOException {
    if (state != State.OPEN) {
      return;
    }
    state = State.ABORTED;
    IOException failure = null;
    sync.close(); // lets a running sync end before its channel closes
    try {
      channel.close();
    } catch (IOException e) {
      failure = e;
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    store.pruneEmptyDirectories(temp.getParent());
    if (failure != null) {
      throw new IOException(store.describe(key) + ": abort could not remove " + temp + ": " + failure.getMessage(), failure);
    }
    log.info("store={} key={} upload aborted after {} bytes", store.location(), key, size);
  }

  @Override
  public void close() throws IOException {
    abort();
  }

  private void checkOpen() throws IOException {
    if (state != State.OPEN) {
      throw new IOException(store.describe(key) + ": upload already " + state.name().toLowerCase());
    }
  }

  private void flushBuffer() throws IOException {
    buffer.flip();
    int n = buffer.remaining();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
    sync.written(n);
  }

  /** The first failure wins: clean up, and keep any cleanup error as a suppressed one. */
  private void abortAfterFailure(Exception cause) {
    try {
      abort();
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  private final class UploadStream extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      checkOpen();
      try {
        while (len > 0) {
          if (!buffer.hasRemaining()) {
            flushBuffer();
          }
          int n = Math.min(len, buffer.remaining());
          buffer.put(b, off, n);
          off += n;
          len -= n;
          size += n;
        }
      } catch (IOException | RuntimeException e) {
        abortAfterFailure(e);
        throw new IOException(store.describe(key) + ": write failed after " + size + " bytes: " + e.getMessage(), e);
      }
    }

    @Override
    public void flush() {
      // Durability comes with commit; flushing to the page cache early buys nothing.
    }

    @Override
    public void close() {
      // Closing the stream neither commits nor aborts (ObjectUpload's contract).
    }
  }
}
