package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.IntegrityException;
import java.io.IOException;
import java.util.Arrays;
import java.util.BitSet;

/**
 * One run of {@link BboltCheck}: the page bitsets and the recursive walk over every bucket. Pages
 * come from one {@link PageReader}; a branch (and a leaf holding buckets) is pinned at its level
 * while its children are read, and leaf keys are compared where they lie, without copies.
 */
final class Checker {
  /** Level of the database's root bucket; its entries are the top-level buckets (level 1). */
  private static final int ROOT_LEVEL = 0;
  private static final int TOP_LEVEL = 1;
  private static final int FREELIST_CHUNK = 64 * 1024;

  private final BboltReader reader;
  private final PageFile pages;
  private final String file;
  private final long pgid;
  private final BucketEntryVisitor visitor;
  private final PageReader reads;
  private final EntryView view = new EntryView();
  private final BitSet reachable;
  private final BitSet freed;

  Checker(BboltReader reader, BucketEntryVisitor visitor) {
    this.reader = reader;
    this.pages = reader.pages();
    this.reads = pages.reader();
    this.file = pages.file();
    this.pgid = reader.pageCount();
    this.visitor = visitor;
    this.reachable = new BitSet((int) pgid);
    this.freed = new BitSet((int) pgid);
  }

  void run() throws IOException {
    try {
      checkAll();
    } finally {
      pages.release(reads);
    }
  }

  private void checkAll() throws IOException {
    checkMetas();
    reachable.set(0, 2);
    Meta meta = reader.meta();
    if (meta.hasSyncedFreelist()) {
      readFreelist(meta.freelist());
    }
    checkBucket(reader.root(), ROOT_LEVEL, 0);
    if (meta.hasSyncedFreelist()) {
      int unreached = reachable.nextClearBit(2);
      while (unreached < pgid) {
        if (!freed.get(unreached)) {
          throw fail("page " + unreached + ": unreachable unfreed (rule: with a synced freelist every page is reachable or free)");
        }
        unreached = reachable.nextClearBit(unreached + 1);
      }
    }
  }

  private void checkMetas() throws IOException {
    for (int i = 0; i < 2; i++) {
      Meta m = reader.metaPage(i);
      if (m == null || !m.valid()) {
        throw fail("meta page " + i + ": " + (m == null ? "missing" : m.problem()) + " (rule: both meta pages valid)");
      }
      byte[] header = new byte[Page.HEADER_SIZE];
      pages.readFully((long) i * pages.pageSize(), header, 0, header.length);
      if (Le.u64(header, 0) != i || Le.u16(header, 8) != Page.META) {
        throw fail("meta page " + i + ": header says page " + Le.u64(header, 0) + String.format(" flags 0x%02x", Le.u16(header, 8))
            + " (rule: a meta page's header has its id and the meta flag)");
      }
      if (m.pageSize() != pages.pageSize()) {
        throw fail("meta page " + i + ": page size " + m.pageSize() + " differs from " + pages.pageSize()
            + " (rule: one page size)");
      }
    }
    Meta m = reader.meta();
    if (m.root() < 2 || m.root() >= pgid) {
      throw fail("meta page " + m.pageId() + ": root page " + m.root() + " is outside 2.." + (pgid - 1)
          + " (rule: no reachable page at or beyond pgid)");
    }
    if (m.hasSyncedFreelist() && (m.freelist() < 2 || m.freelist() >= pgid)) {
      throw fail("meta page " + m.pageId() + ": freelist page " + m.freelist() + " is outside 2.." + (pgid - 1)
          + " (rule: no reachable page at or beyond pgid)");
    }
  }

  /**
   * Reads the freelist (bbolt {@code freelist.read}): {@code count} u64 page ids after the header,
   * or, when {@code count} is 0xFFFF, the real count in the first u64 and the ids after it. The ids
   * are streamed in chunks, not loaded whole.
   */
  private void readFreelist(long id) throws IOException {
    int ps = pages.pageSize();
    byte[] first = new byte[ps];
    pages.readFully(id * ps, first, 0, ps);
    Page head = new Page(file, "freelist page " + id, first, 0, ps);
    if (head.headerId() != id) {
      throw head.corrupt("header says page " + head.headerId() + " (rule: a page's id equals its position)");
    }
    if (head.flags() != Page.FREELIST) {
      throw head.corrupt("invalid type " + head.type() + " (rule: the meta's freelist is a freelist page)");
    }
    long overflow = head.overflow();
    if (id + overflow >= pgid) {
      throw head.corrupt("overflow of " + overflow + " pages runs past the high-water mark " + pgid
          + " (rule: no reachable page at or beyond pgid)");
    }
    markReachable(id, overflow);
    long count = head.count();
    long start = Page.HEADER_SIZE;
    if (count == 0xFFFF) {
      count = Le.u64(first, Page.HEADER_SIZE);
      start += 8;
    }
    long capacity = (overflow + 1) * ps;
    if (count < 0 || start + count * 8 > capacity) {
      throw head.corrupt(count + " ids do not fit in " + (overflow + 1) + " pages (rule: the freelist fits its pages)");
    }
    readFreeIds(head, id * ps + start, count);
    for (long p = id; p <= id + overflow; p++) {
      if (freed.get((int) p)) {
        throw fail("page " + p + ": reachable freed (rule: the freelist does not list its own pages)");
      }
    }
  }

  private void readFreeIds(Page head, long position, long count) throws IOException {
    byte[] chunk = new byte[FREELIST_CHUNK];
    long done = 0;
    while (done < count) {
      int n = (int) Math.min(count - done, FREELIST_CHUNK / 8);
      pages.readFully(position + done * 8, chunk, 0, n * 8);
      for (int i = 0; i < n; i++) {
        long free = Le.u64(chunk, i * 8);
        if (free < 2 || free >= pgid) {
          throw head.corrupt("lists page " + free + ", outside 2.." + (pgid - 1)
              + " (rule: freelist ids are below pgid and not meta pages)");
        }
        if (freed.get((int) free)) {
          throw fail("page " + free + ": already freed (rule: the freelist lists a page once)");
        }
        freed.set((int) free);
      }
      done += n;
    }
  }

  /** Checks a bucket whose pages are pinned from {@code slot} on (the levels above hold its parents). */
  private void checkBucket(BucketRef b, int level, int slot) throws IOException {
    KeyOrder order = new KeyOrder();
    if (b.isInline()) {
      checkLeaf(b.inline(), null, null, order, level, slot);
    } else {
      checkNode(b.root(), null, null, 0, order, level, slot);
    }
  }

  /** Checks the subtree at page {@code id}, whose keys must lie in [{@code lower}, {@code upper}); returns whether it is a leaf. */
  private boolean checkNode(long id, byte[] lower, byte[] upper, int depth, KeyOrder order, int level, int slot)
      throws IOException {
    if (depth >= Tree.MAX_DEPTH) {
      throw fail("page " + id + ": tree deeper than " + Tree.MAX_DEPTH + " levels (rule: no cycles)");
    }
    if (id >= 0 && id < pgid && reachable.get((int) id)) {
      throw fail("page " + id + ": multiple references (rule: every page is reachable once)");
    }
    Page p = reads.read(id);
    markReachable(id, p.overflow());
    for (long q = id; q <= id + p.overflow(); q++) {
      if (freed.get((int) q)) {
        throw fail("page " + q + ": reachable freed (rule: the freelist lists no reachable page)");
      }
    }
    p.requireTreeNode();
    if (p.isBranch()) {
      checkBranch(reads.pin(p, slot), lower, upper, depth, order, level, slot);
      return false;
    }
    checkLeaf(p, lower, upper, order, level, slot);
    return true;
  }

  private void checkBranch(Page p, byte[] lower, byte[] upper, int depth, KeyOrder order, int level, int slot)
      throws IOException {
    int n = p.count();
    if (n == 0) {
      throw p.corrupt("empty branch (rule: a branch has children)");
    }
    byte[] key = p.key(0);
    boolean leafChildren = false;
    if (lower != null && Keys.compare(key, lower) < 0) {
      throw p.corrupt("branch key[0] " + Keys.hex(key) + " is below its parent's key " + Keys.hex(lower)
          + " (rule: branch keys consistent with children)");
    }
    for (int i = 0; i < n; i++) {
      byte[] next = i + 1 < n ? p.key(i + 1) : upper;
      if (upper != null && Keys.compare(key, upper) >= 0) {
        throw p.corrupt("branch key[" + i + "] " + Keys.hex(key) + " is not below the parent's next key "
            + Keys.hex(upper) + " (rule: branch keys consistent with children)");
      }
      if (i + 1 < n && Keys.compare(next, key) <= 0) {
        throw p.corrupt("branch key[" + (i + 1) + "] " + Keys.hex(next) + " is not above key[" + i + "] "
            + Keys.hex(key) + " (rule: keys strictly ascending)");
      }
      if (i > 0 && order.isSet() && order.compareTo(key, 0, key.length) >= 0) {
        throw p.corrupt("branch key[" + i + "] " + Keys.hex(key) + " is not above the last key "
            + Keys.hex(order.last()) + " of the child before it (rule: branch keys consistent with children)");
      }
      if (leafChildren) {
        reads.hint(p, i);
      }
      // a bbolt tree is balanced: when one child is a leaf, all are
      leafChildren = checkNode(p.child(i), key, next, depth + 1, order, level, slot + 1);
      key = next;
    }
  }

  /**
   * Checks a leaf. {@code p} may lie in the reader's window: it is pinned before a nested bucket
   * is read, and its last key is copied into {@code order} for the next leaf.
   */
  private void checkLeaf(Page p, byte[] lower, byte[] upper, KeyOrder order, int level, int slot) throws IOException {
    boolean pinned = false;
    for (int i = 0; i < p.count(); i++) {
      byte[] b = p.buf();
      int k = p.keyOffset(i);
      int kl = p.keyLength(i);
      if (kl == 0) {
        throw p.corrupt("key[" + i + "] is empty (rule: keys are non-empty)");
      }
      if (order.isSet() && order.compareTo(b, k, kl) >= 0) {
        throw p.corrupt("key[" + i + "] " + Keys.hex(p.key(i)) + " is not above the previous key " + Keys.hex(order.last())
            + " (rule: keys strictly ascending)");
      }
      if (lower != null && Arrays.compareUnsigned(b, k, k + kl, lower, 0, lower.length) < 0) {
        throw p.corrupt("key[" + i + "] " + Keys.hex(p.key(i)) + " is below its branch key " + Keys.hex(lower)
            + " (rule: branch keys consistent with children)");
      }
      if (upper != null && Arrays.compareUnsigned(b, k, k + kl, upper, 0, upper.length) >= 0) {
        throw p.corrupt("key[" + i + "] " + Keys.hex(p.key(i)) + " is not below the next branch key " + Keys.hex(upper)
            + " (rule: branch keys consistent with children)");
      }
      order.set(b, k, kl);
      if (p.isBucket(i)) {
        if (!pinned) {
          p = reads.pin(p, slot); // nested buckets are read before this leaf's next element
          pinned = true;
        }
        checkNested(p, i, p.key(i), level, slot);
      } else if (level == ROOT_LEVEL) {
        throw p.corrupt("key[" + i + "] " + Keys.hex(p.key(i)) + " is a plain value in the root bucket"
            + " (rule: top-level entries are buckets)");
      } else if (level == TOP_LEVEL && visitor != null) {
        p.view(i, view);
        visitor.entry(view);
      } else {
        p.valueSize(i);
      }
    }
  }

  private void checkNested(Page p, int i, byte[] name, int level, int slot) throws IOException {
    BucketRef child = BucketRef.parse(file, name, p.value(i));
    if (visitor != null && level == ROOT_LEVEL) {
      visitor.bucket(name);
    } else if (visitor != null && level == TOP_LEVEL) {
      p.view(i, view);
      visitor.entry(view);
    }
    checkBucket(child, level + 1, slot + 1);
  }

  private void markReachable(long id, long overflow) {
    for (long q = id; q <= id + overflow; q++) {
      if (reachable.get((int) q)) {
        throw fail("page " + q + ": multiple references (rule: every page is reachable once)");
      }
      reachable.set((int) q);
    }
  }

  private IntegrityException fail(String what) {
    return new IntegrityException(file + ": " + what);
  }

  /**
   * The last key seen in the bucket being checked, across all its pages: a copy, since the page it
   * came from is reused. Keys are at most 32 KiB (bbolt {@code MaxKeySize}), most a few dozen bytes.
   */
  private static final class KeyOrder {
    private byte[] last = new byte[64];
    private int length = -1;

    boolean isSet() {
      return length >= 0;
    }

    /** Compares the last key with {@code b[off, off + len)} as unsigned bytes. */
    int compareTo(byte[] b, int off, int len) {
      return Arrays.compareUnsigned(last, 0, length, b, off, off + len);
    }

    void set(byte[] b, int off, int len) {
      if (last.length < len) {
        last = new byte[Math.max(len, last.length * 2)];
      }
      System.arraycopy(b, off, last, 0, len);
      length = len;
    }

    byte[] last() {
      return Arrays.copyOf(last, length);
    }
  }
}
