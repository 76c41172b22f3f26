package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.NotFoundException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a bbolt file (format version 2, as written by bbolt 1.3 and 1.4 for etcd 3.4 to 3.6)
 * without mapping it: pages are read with positional reads into heap arrays, a traversal reads
 * ahead through one window and holds only the pages on its current root-to-leaf path, so memory
 * does not grow with the file. The reader only validates what it reads; {@link BboltCheck} checks the whole file.
 *
 * <p>Bytes past the high-water mark are ignored, so a snapshot file with its SHA-256 trailer
 * opens as is. A reader may be used from several threads.
 */
public final class BboltReader implements Closeable {
  private static final int FIRST_READ = 4096;
  private static final int MIN_PAGE_SIZE = 512;
  private static final int MAX_PAGE_SIZE = 1 << 20;

  private final Path path;
  private final FileChannel channel;
  private final PageFile pages;
  private final Meta meta;
  private final Meta meta0;
  private final Meta meta1;

  private BboltReader(Path path, FileChannel channel, PageFile pages, Meta meta, Meta meta0, Meta meta1) {
    this.path = path;
    this.channel = channel;
    this.pages = pages;
    this.meta = meta;
    this.meta0 = meta0;
    this.meta1 = meta1;
  }

  /**
   * Opens {@code file}, using the valid meta page with the higher txid (bbolt {@code db.meta()}).
   *
   * @throws IntegrityException naming the file if neither meta page is valid, or if the file is
   *     shorter than its high-water mark says
   */
  public static BboltReader open(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return open(file, ch);
    } catch (IOException | RuntimeException | Error e) {
      try {
        ch.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static BboltReader open(Path file, FileChannel ch) throws IOException {
    String name = file.toString();
    long size = ch.size();
    PageFile raw = new PageFile(name, ch, 1, Long.MAX_VALUE);
    Meta first = readMeta(raw, size, 0, 0);
    int pageSize = first != null && first.valid() && isPageSize(first.pageSize())
        ? (int) first.pageSize() : probePageSize(raw, size);
    if (pageSize < 0) {
      throw new IntegrityException(name + ": not a bbolt database: no valid meta page"
          + (first == null ? " (file of " + size + " bytes)" : " (page 0: " + first.problem() + ")"));
    }
    Meta m0 = first;
    Meta m1 = readMeta(raw, size, pageSize, 1);
    Meta active = choose(m0, m1);
    if (active == null) {
      throw new IntegrityException(name + ": no valid meta page (page 0: " + describe(m0) + "; page 1: "
          + describe(m1) + ")");
    }
    if (active.pageSize() != pageSize) {
      throw new IntegrityException(name + ": meta page " + active.pageId() + " says page size "
          + active.pageSize() + " but the file's pages are " + pageSize + " bytes");
    }
    long pgid = active.pgid();
    if (pgid < 2 || pgid > Integer.MAX_VALUE) {
      throw new IntegrityException(name + ": meta page " + active.pageId() + ": high-water mark " + pgid
          + " is out of range");
    }
    if (size < pgid * pageSize) {
      throw new IntegrityException(name + ": file is truncated: " + size + " bytes, but its high-water mark "
          + pgid + " needs " + pgid * pageSize);
    }
    return new BboltReader(file, ch, new PageFile(name, ch, pageSize, pgid), active, m0, m1);
  }

  /** bbolt ({@code getPageSizeFromSecondMeta}) looks for a valid second meta at 1 KiB, 2 KiB, ... 16 MiB. */
  private static int probePageSize(PageFile raw, long size) throws IOException {
    for (long ps = 1024; ps <= MAX_PAGE_SIZE; ps <<= 1) {
      Meta m = readMeta(raw, size, ps, 1);
      if (m != null && m.valid() && m.pageSize() == ps) {
        return (int) ps;
      }
    }
    return -1;
  }

  private static Meta readMeta(PageFile raw, long size, long offset, int pageId) throws IOException {
    int len = Page.HEADER_SIZE + Meta.SIZE;
    if (size < offset + len) {
      return null;
    }
    byte[] b = new byte[len];
    raw.readFully(offset, b, 0, len);
    return Meta.parse(b, 0, pageId);
  }

  private static Meta choose(Meta m0, Meta m1) {
    boolean ok0 = m0 != null && m0.valid();
    boolean ok1 = m1 != null && m1.valid();
    if (ok0 && ok1) {
      return Long.compareUnsigned(m1.txid(), m0.txid()) > 0 ? m1 : m0;
    }
    return ok0 ? m0 : ok1 ? m1 : null;
  }

  private static String describe(Meta m) {
    return m == null ? "missing" : m.valid() ? "valid" : m.problem();
  }

  private static boolean isPageSize(long ps) {
    return ps >= MIN_PAGE_SIZE && ps <= MAX_PAGE_SIZE && Long.bitCount(ps) == 1;
  }

  public int pageSize() {
    return pages.pageSize();
  }

  /** {@code meta.pgid}: the high-water mark, the number of pages in use. */
  public long pageCount() {
    return meta.pgid();
  }

  public long txid() {
    return meta.txid();
  }

  /** {@code pageCount() * pageSize()}: what etcd reports as the db's total size (bbolt {@code tx.Size()}), not the file length. */
  public long totalSize() {
    return meta.pgid() * pages.pageSize();
  }

  /** Names of the top-level buckets in bbolt order (unsigned bytes). */
  public List<byte[]> bucketNames() throws IOException {
    List<byte[]> names = new ArrayList<>();
    Tree.forEach(pages, root(), (k, v) -> {
      if (v == null) {
        names.add(k);
      }
    });
    return names;
  }

  public boolean hasBucket(byte[] name) throws IOException {
    return bucket(name) != null;
  }

  /**
   * Every entry of a top-level bucket in key order; a nested bucket's entry comes with a
   * {@code null} value.
   *
   * @throws NotFoundException if there is no such bucket
   */
  public void forEach(byte[] bucket, KeyValueVisitor visitor) throws IOException {
    Tree.forEach(pages, requireBucket(bucket), visitor);
  }

  /**
   * Every entry of a top-level bucket in key order, as views into the pages being read: the
   * visitor copies only what it keeps (see {@link EntryView}). A nested bucket's entry has
   * {@link EntryView#isBucket()} set.
   *
   * @throws NotFoundException if there is no such bucket
   */
  public void forEachEntry(byte[] bucket, EntryVisitor visitor) throws IOException {
    Tree.forEach(pages, requireBucket(bucket), visitor);
  }

  /**
   * The value of {@code key} in a top-level bucket, or {@code null} if absent or a nested bucket.
   *
   * @throws NotFoundException if there is no such bucket
   */
  public byte[] get(byte[] bucket, byte[] key) throws IOException {
    Tree.Hit hit = Tree.find(pages, requireBucket(bucket), key);
    return hit == null || hit.page().isBucket(hit.index()) ? null : hit.page().value(hit.index());
  }

  /**
   * The largest key of a top-level bucket, or {@code null} if it is empty; reads only the pages on
   * the right-most path.
   *
   * @throws NotFoundException if there is no such bucket
   */
  public byte[] lastKey(byte[] bucket) throws IOException {
    return Tree.lastKey(pages, requireBucket(bucket));
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return "BboltReader[" + path + ", pageSize=" + pageSize() + ", pgid=" + pageCount() + ", txid=" + txid() + "]";
  }

  /** The file this reader reads. */
  public Path path() {
    return path;
  }

  PageFile pages() {
    return pages;
  }

  Meta meta() {
    return meta;
  }

  /** Meta of page 0 or 1 as read, valid or not; {@code null} if the file is too short to hold it. */
  Meta metaPage(int i) {
    return i == 0 ? meta0 : meta1;
  }

  /** The database's root bucket: never inline, rooted at {@code meta.root}. */
  BucketRef root() {
    return new BucketRef(new byte[0], meta.root(), null);
  }

  BucketRef bucket(byte[] name) throws IOException {
    Tree.Hit hit = Tree.find(pages, root(), name);
    if (hit == null || !hit.page().isBucket(hit.index())) {
      return null;
    }
    return BucketRef.parse(pages.file(), name, hit.page().value(hit.index()));
  }

  private BucketRef requireBucket(byte[] name) throws IOException {
    BucketRef b = bucket(name);
    if (b == null) {
      throw new NotFoundException(path + ": no bucket " + Keys.name(name));
    }
    return b;
  }
}
