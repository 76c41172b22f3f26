package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.stream.AlignedBuffers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The page reads of one traversal: nodes come out of a read-ahead window, so a walk over a file
 * whose nodes lie mostly in ascending order (etcd's key bucket: bbolt appends, then reuses freed
 * pages) costs a few thousand large {@code pread}s per GiB instead of two per node, and nothing is
 * allocated per node. Not thread-safe: each traversal takes its own ({@link PageFile#reader()}).
 *
 * <p>Before it reads a leaf, a traversal can {@link #hint} at its parent: the leaves that follow
 * it there are known, so the read covers the run of them that lie together in the file, and no
 * more. Otherwise the read-ahead grows while reads continue where the window ends (doubling from
 * 32 KiB to the window's 256 KiB, as the kernel's own read-ahead does) and falls back to 32 KiB
 * after a jump. On a 1 GiB etcd db that had been compacted (its freed pages reused, so that a
 * quarter of the leaves do not follow their left sibling), a walk of bucket {@code key} reads
 * 1.43 times the file with the read-ahead alone, 1.08 times with hints. The window is 256 KiB, not
 * more: with the window and the read buffer in the CPU's L2 cache, reads of 1 MiB came out three
 * times slower on the benchmark machine.
 *
 * <p>A page from {@link #read} lies in the window (or, for a node larger than the window, in a
 * buffer kept for such nodes) and is valid only until the next {@code read}. A traversal that
 * needs a page while it reads others (a branch, whose children it visits; a leaf holding nested
 * buckets) {@link #pin}s it into a buffer of its own for its level of the tree: memory is the
 * window plus one node per level, whatever the file size.
 */
final class PageReader {
  static final int WINDOW_BYTES = 256 * 1024;
  static final int FIRST_READ_AHEAD_BYTES = 32 * 1024;
  /** Siblings further apart than this are not read together: the pages between them are someone else's. */
  static final int MAX_HINT_STEP = 32;
  /** The length guessed for a leaf of unknown length: most etcd leaves hold a few objects of a few KiB. */
  static final int GUESS_BYTES = 16 * 1024;

  private final PageFile file;
  private final int pageSize;
  private final long pgid;
  private final ByteBuffer direct;
  private final byte[] window;
  private final int windowCapacity;
  private final int firstAhead;
  private final int guess;
  private long windowStart = -1;
  private int windowPages;
  private int ahead;
  private byte[] large = new byte[0];
  private byte[][] pinned = new byte[8][];
  private long reads;
  private long bytesRead;
  /** The parent and index of the leaf the next read is for, if the traversal said ({@link #hint}). */
  private Page hintBranch;
  private int hintIndex;

  PageReader(PageFile file) {
    this.file = file;
    this.pageSize = file.pageSize();
    this.pgid = file.pgid();
    // A small file gets a small window: tests open thousands of them.
    long fileBytes = Math.max(1, pgid) * pageSize;
    this.windowCapacity = (int) Math.max(1, Math.min(WINDOW_BYTES, fileBytes) / pageSize);
    this.direct = AlignedBuffers.direct(windowCapacity * pageSize);
    this.window = new byte[windowCapacity * pageSize];
    this.firstAhead = Math.max(1, Math.min(windowCapacity, FIRST_READ_AHEAD_BYTES / pageSize));
    this.ahead = firstAhead;
    this.guess = Math.max(1, GUESS_BYTES / pageSize);
  }

  /**
   * Page {@code id} and its overflow pages, checked as {@link PageFile#read} checks them; valid
   * until the next call.
   */
  Page read(long id) throws IOException {
    try {
      return readNode(id);
    } finally {
      hintBranch = null;
    }
  }

  private Page readNode(long id) throws IOException {
    file.requireInBounds(id);
    if (!inWindow(id, 1)) {
      fill(id, 1);
    }
    int bytes = file.nodeBytes(id, window, offsetOf(id));
    int pages = bytes / pageSize;
    if (!inWindow(id, pages)) {
      if (pages > windowCapacity) {
        return readLarge(id, bytes);
      }
      fill(id, pages);
      bytes = file.nodeBytes(id, window, 0);
    }
    return new Page(file.file(), id, window, offsetOf(id), bytes);
  }

  /**
   * A copy of {@code page} in the buffer of {@code slot} (a tree level), valid until the next pin
   * of that slot; reads in between do not touch it.
   */
  Page pin(Page page, int slot) {
    if (slot >= pinned.length) {
      pinned = Arrays.copyOf(pinned, Math.max(slot + 1, pinned.length * 2));
    }
    byte[] b = pinned[slot];
    if (b == null || b.length < page.length()) {
      b = new byte[Math.max(page.length(), pageSize)];
      pinned[slot] = b;
    }
    return page.copyInto(b);
  }

  /**
   * The next read is of child {@code i} of {@code branch}, a leaf whose siblings are leaves too. If
   * it is not in the window, the read covers the siblings after it while they follow each other
   * in the file (each where the one before it ends, as far as their distance tells: at most
   * {@value #MAX_HINT_STEP} pages apart) and fit the window. The last one's length is guessed
   * from the one before it; a node that turns out longer is completed by a read of its own.
   */
  void hint(Page branch, int i) {
    hintBranch = branch;
    hintIndex = i;
  }

  /** Pages to read from child {@code i} of {@code branch} (see {@link #hint}), at least 1. */
  private int plannedRun(Page branch, int i) {
    int n = branch.count();
    long first = branch.child(i);
    long prev = first;
    long step = guess;
    for (int j = i + 1; j < n; j++) {
      long c = branch.child(j);
      if (c <= prev || c - prev > MAX_HINT_STEP || c - first >= windowCapacity) {
        break;
      }
      step = c - prev;
      prev = c;
    }
    return (int) Math.max(1, Math.min(prev + step - first, windowCapacity));
  }

  /** Number of {@code pread} calls so far. */
  long reads() {
    return reads;
  }

  /** Bytes read so far. */
  long bytesRead() {
    return bytesRead;
  }

  private boolean inWindow(long id, int pages) {
    return windowStart >= 0 && id >= windowStart && id + pages <= windowStart + windowPages;
  }

  private int offsetOf(long id) {
    return (int) (id - windowStart) * pageSize;
  }

  /**
   * Refills the window from page {@code id} with at least {@code pages} pages. A read that starts
   * inside the window or just past it continues a sequential run and doubles the read-ahead.
   */
  private void fill(long id, int pages) throws IOException {
    int want;
    if (hintBranch != null && hintBranch.child(hintIndex) == id) {
      want = plannedRun(hintBranch, hintIndex);
      ahead = firstAhead;
    } else {
      long end = windowStart + windowPages;
      boolean sequential = windowStart >= 0 && id >= windowStart && id <= end + firstAhead;
      ahead = sequential ? Math.min(windowCapacity, ahead * 2) : firstAhead;
      want = ahead;
    }
    int n = (int) Math.min(Math.max(pages, want), pgid - id);
    windowStart = -1; // invalid until the read succeeds
    direct.clear().limit(n * pageSize);
    file.readFully(id * pageSize, direct);
    direct.get(0, window, 0, n * pageSize);
    reads++;
    bytesRead += (long) n * pageSize;
    windowStart = id;
    windowPages = n;
  }

  /** A node larger than the window: the part in the window copied, the rest read directly. */
  private Page readLarge(long id, int bytes) throws IOException {
    if (large.length < bytes) {
      large = new byte[bytes];
    }
    int have = (int) (windowStart + windowPages - id) * pageSize;
    System.arraycopy(window, offsetOf(id), large, 0, have);
    file.readFully(id * pageSize + have, large, have, bytes - have);
    reads++;
    bytesRead += bytes - have;
    return new Page(file.file(), id, large, 0, bytes);
  }
}
