package io.etcdbackup.storage.s3;

import java.util.ArrayDeque;

/**
 * The part buffers of one upload: allocated lazily, reused, and never more than {@code max}, so
 * that an upload's memory is at most {@code max * size} whatever the object's size. {@link #take}
 * blocks while all of them are in use.
 */
final class PartBuffers {

  /** Allocates one buffer; tests count the calls. */
  @FunctionalInterface
  interface Allocator {
    Allocator HEAP = byte[]::new;

    byte[] allocate(int size);
  }

  private final int size;
  private final int max;
  private final Allocator allocator;
  private final ArrayDeque<byte[]> free = new ArrayDeque<>();
  private int allocated;
  private boolean released;

  PartBuffers(int size, int max, Allocator allocator) {
    this.size = size;
    this.max = max;
    this.allocator = allocator;
  }

  int size() {
    return size;
  }

  /** A free buffer, or a new one while fewer than {@code max} exist; else waits for one. */
  synchronized byte[] take() throws InterruptedException {
    while (free.isEmpty() && allocated >= max) {
      wait();
    }
    if (!free.isEmpty()) {
      return free.pop();
    }
    allocated++;
    return allocator.allocate(size);
  }

  /** Returns a buffer for reuse; after {@link #release()} it is dropped for the collector. */
  synchronized void give(byte[] buffer) {
    if (!released) {
      free.push(buffer);
    }
    notifyAll();
  }

  /** Drops the free buffers: the upload is over. */
  synchronized void release() {
    released = true;
    free.clear();
  }

  synchronized int allocated() {
    return allocated;
  }
}
