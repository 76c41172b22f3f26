package io.etcdbackup.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real file channel that fails the way a disk does, for fault-injection tests of code that
 * writes files: {@link #fullAfter} fails writes like a full disk, {@link #syncsFailAfter} fails
 * {@code force} like a broken fsync. Everything else goes to the real channel. Writes at a position
 * count like the others; mapping and transfers into the file are refused, since bytes written or
 * synced that way would pass by the injected faults unseen.
 */
public final class FaultyFileChannel extends FileChannel {
  private final FileChannel delegate;
  private final long writeLimit;
  private final int healthySyncs;
  // force runs on a background-sync thread while the writer's thread writes
  private final AtomicLong written = new AtomicLong();
  private final AtomicInteger syncs = new AtomicInteger();

  private FaultyFileChannel(FileChannel delegate, long writeLimit, int healthySyncs) {
    this.delegate = delegate;
    this.writeLimit = writeLimit;
    this.healthySyncs = healthySyncs;
  }

  /** A write that would take the bytes written through this channel past {@code bytes} fails, and writes nothing. */
  public static FaultyFileChannel fullAfter(FileChannel delegate, long bytes) {
    return new FaultyFileChannel(delegate, bytes, Integer.MAX_VALUE);
  }

  /** The first {@code healthy} calls of {@code force} sync; every later one fails. */
  public static FaultyFileChannel syncsFailAfter(FileChannel delegate, int healthy) {
    return new FaultyFileChannel(delegate, Long.MAX_VALUE, healthy);
  }

  /** Calls of {@code force} so far, the failed ones included. */
  public int syncs() {
    return syncs.get();
  }

  private void reserve(long n) throws IOException {
    if (written.get() + n > writeLimit) {
      throw new IOException("No space left on device (injected)");
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    reserve(src.remaining());
    int n = delegate.write(src);
    written.addAndGet(n);
    return n;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long n = 0;
    for (int i = offset; i < offset + length; i++) {
      n += write(srcs[i]);
    }
    return n;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    reserve(src.remaining());
    int n = delegate.write(src, position);
    written.addAndGet(n);
    return n;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    if (syncs.incrementAndGet() > healthySyncs) {
      throw new IOException("injected fsync failure");
    }
    delegate.force(metaData);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) {
    throw new UnsupportedOperationException("transfers into the file would bypass the injected faults");
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) {
    throw new UnsupportedOperationException("a mapped buffer would bypass the injected faults");
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return delegate.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return delegate.read(dsts, offset, length);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return delegate.read(dst, position);
  }

  @Override
  public long position() throws IOException {
    return delegate.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    delegate.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    delegate.truncate(size);
    return this;
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    return delegate.transferTo(position, count, target);
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return delegate.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return delegate.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    delegate.close();
  }
}
