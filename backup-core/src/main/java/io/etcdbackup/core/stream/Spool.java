package io.etcdbackup.core.stream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A temporary file written by one producer and read, while it grows, by followers. This is how the
 * backup keeps etcd's snapshot stream flowing at disk speed while slower stages (compression,
 * encryption, upload) trail behind it without holding the stream back (a slow reader makes the
 * member's database grow: etcd issues #8009, #18509), and without holding data in memory.
 *
 * <p>The producer {@linkplain #writer() writes} and closes (complete) or {@linkplain #fail fails};
 * a follower sees every byte in order, then end of stream once complete, or the producer's failure.
 * {@link #close()} deletes the file.
 *
 * <p>A spool is named {@code etcd-backup-<kind>-<digits>.spool} and its owner holds a lock beside
 * it for as long as it lives (also once {@linkplain #keep() kept}), so that a run killed with
 * SIGKILL leaves files that the next run can tell from a live one's: {@link
 * #removeLeftovers(Path)}. Directories it creates are 0700, its files 0600.
 */
public final class Spool implements Closeable {
  private final SpoolFiles.Owner owner;
  private final Path path;
  private final FileChannel channel;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition grown = lock.newCondition();
  private long written;
  private boolean complete;
  private Throwable failure;
  private boolean closed;

  private Spool(SpoolFiles.Owner owner) throws IOException {
    this.owner = owner;
    this.path = owner.spool();
    this.channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  /**
   * A new empty spool file {@code etcd-backup-<kind>-<digits>.spool} in {@code dir} (created, 0700,
   * if missing).
   *
   * @param kind what it holds, lower-case letters: {@code raw}, {@code stored}, {@code fetch}
   */
  public static Spool create(Path dir, String kind) throws IOException {
    SpoolFiles.Owner owner = SpoolFiles.claim(dir, kind);
    try {
      return new Spool(owner);
    } catch (IOException | RuntimeException e) {
      owner.close();
      throw e;
    }
  }

  /**
   * Removes what killed runs left in {@code dir}: spool files (and their owner files) whose owner
   * process is dead, whichever process that was. A live run's spool, in this JVM or another, and
   * any other file are left alone; symbolic links are never followed. Each removal is logged at
   * info with its size. Never throws: a file that cannot be removed is logged and skipped.
   *
   * @return the files removed
   */
  public static List<Path> removeLeftovers(Path dir) {
    return SpoolFiles.removeDead(dir);
  }

  /**
   * A spool file handed over by {@link #keep()}: still protected from other runs' clean-up until
   * {@link #close()}, which deletes it.
   */
  public static final class Kept implements Closeable {
    private final SpoolFiles.Owner owner;

    private Kept(SpoolFiles.Owner owner) {
      this.owner = owner;
    }

    public Path path() {
      return owner.spool();
    }

    /** Deletes the file. Idempotent. */
    @Override
    public void close() throws IOException {
      owner.close();
    }
  }

  public Path path() {
    return path;
  }

  /** Bytes written so far. */
  public long size() {
    lock.lock();
    try {
      return written;
    } finally {
      lock.unlock();
    }
  }

  /** The producer's side; closing it marks the spool complete. Use it from one thread. */
  public OutputStream writer() {
    return new OutputStream() {
      private boolean done;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (done) {
          throw new IOException("spool writer closed");
        }
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        long pos = written;
        while (buf.hasRemaining()) {
          pos += channel.write(buf, pos);
        }
        lock.lock();
        try {
          written = pos;
          grown.signalAll();
        } finally {
          lock.unlock();
        }
      }

      @Override
      public void close() {
        if (!done) {
          done = true;
          lock.lock();
          try {
            complete = true;
            grown.signalAll();
          } finally {
            lock.unlock();
          }
        }
      }
    };
  }

  /** Marks the spool failed: every follower's next read throws an IOException with this cause. */
  public void fail(Throwable cause) {
    lock.lock();
    try {
      if (failure == null) {
        failure = cause;
      }
      grown.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** A reader from the start of the file that waits for the producer. */
  public InputStream follow() {
    return new InputStream() {
      private long pos;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        long available = awaitBeyond(pos);
        if (available < 0) {
          return -1;
        }
        int want = (int) Math.min(len, available - pos);
        int n = channel.read(ByteBuffer.wrap(b, off, want), pos);
        if (n < 0) {
          throw new IOException("spool " + path + " is shorter than its writer said");
        }
        pos += n;
        return n;
      }
    };
  }

  /**
   * {@link #follow()} as a channel: reads go straight into the caller's buffer, so that a direct,
   * page-aligned one takes the bytes from the page cache without the JDK's temporary copy (a hash
   * over a whole db reads 1 GiB this way).
   */
  public ReadableByteChannel followChannel() {
    return new ReadableByteChannel() {
      private long pos;
      private boolean open = true;

      @Override
      public int read(ByteBuffer dst) throws IOException {
        if (!open) {
          throw new ClosedChannelException();
        }
        if (!dst.hasRemaining()) {
          return 0;
        }
        long available = awaitBeyond(pos);
        if (available < 0) {
          return -1;
        }
        ByteBuffer slice = dst.slice();
        slice.limit((int) Math.min(slice.remaining(), available - pos));
        int n = channel.read(slice, pos);
        if (n < 0) {
          throw new IOException("spool " + path + " is shorter than its writer said");
        }
        dst.position(dst.position() + n);
        pos += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() {
        open = false;
      }
    };
  }

  /** Waits until more than {@code pos} bytes exist (returns the count) or the end (returns -1). */
  private long awaitBeyond(long pos) throws IOException {
    lock.lock();
    try {
      while (true) {
        if (failure != null) {
          throw new IOException("the snapshot stream failed: " + failure.getMessage(), failure);
        }
        if (closed) {
          throw new IOException("spool " + path + " was closed");
        }
        if (written > pos) {
          return written;
        }
        if (complete) {
          return -1;
        }
        grown.await(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the snapshot stream");
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the file and hands it to the caller, who closes the handle (which deletes the file) when
   * done: what a download keeps for the restore that follows. Followers still reading fail; a later
   * {@link #close()} does nothing.
   *
   * @throws IllegalStateException if the spool was already closed (its file is gone)
   */
  public Kept keep() throws IOException {
    if (!markClosed()) {
      throw new IllegalStateException("spool " + path + " was closed and deleted");
    }
    try {
      channel.close();
    } catch (IOException e) {
      owner.close();
      throw e;
    }
    return new Kept(owner);
  }

  /** Closes the file and deletes it; followers still reading fail. Idempotent. */
  @Override
  public void close() throws IOException {
    if (!markClosed()) {
      return; // deleted already, or kept by the caller
    }
    try {
      channel.close();
    } finally {
      owner.close();
    }
  }

  /** Ends every follower's wait; false if the spool was closed (or kept) before. */
  private boolean markClosed() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      closed = true;
      grown.signalAll();
      return true;
    } finally {
      lock.unlock();
    }
  }
}
