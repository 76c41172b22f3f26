package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.IntegrityException;
import java.util.Arrays;

/**
 * One bbolt node as stored: a page read from the file (with its overflow pages) or the leaf image
 * inside an inline bucket's value. Layout (bbolt {@code page.go}): a 16-byte header {@code u64 id,
 * u16 flags, u16 count, u32 overflow}, then {@code count} 16-byte elements, then the keys and values
 * those elements point to. A leaf element is {@code u32 flags, u32 pos, u32 ksize, u32 vsize}; a
 * branch element is {@code u32 pos, u32 ksize, u64 pgid}; {@code pos} counts from the element itself.
 *
 * <p>Every accessor checks its offsets against the node's bytes, so a corrupt file gives an
 * {@link IntegrityException} that names the page, never an {@code ArrayIndexOutOfBoundsException}.
 *
 * <p>A page does not own its bytes: one from a {@link PageReader} lies in a buffer the reader
 * reuses (see there for how long it stays valid). Its name for messages ({@code page 12}) is built
 * only when a message needs it: the string concatenation per page cost 7% of a check's CPU.
 */
final class Page {
  static final int HEADER_SIZE = 16;
  static final int ELEMENT_SIZE = 16;
  static final int BRANCH = 0x01;
  static final int LEAF = 0x02;
  static final int META = 0x04;
  static final int FREELIST = 0x10;
  /** Leaf element flag of a sub-bucket ({@code bucketLeafFlag}). */
  static final int BUCKET_LEAF = 0x01;
  /** The count field is a u16, and 0xFFFF marks the long form of a freelist: tree nodes stay below it. */
  static final int MAX_COUNT = 0xFFFE;

  private final String file;
  /** What messages call this node when it is not a page of the file (an inline bucket); else {@code null}. */
  private final String where;
  private final long id;
  private final byte[] buf;
  private final int off;
  private final int len;
  private final int flags;
  private final int count;

  /** A node that is not a page of the file, e.g. an inline bucket's leaf; {@code where} names it in messages. */
  Page(String file, String where, byte[] buf, int off, int len) {
    this(file, where, -1, buf, off, len);
  }

  /** Page {@code id} of the file, whose bytes (with its overflow pages) are {@code buf[off, off + len)}. */
  Page(String file, long id, byte[] buf, int off, int len) {
    this(file, null, id, buf, off, len);
  }

  private Page(String file, String where, long id, byte[] buf, int off, int len) {
    this.file = file;
    this.where = where;
    this.id = id;
    if (len < HEADER_SIZE) {
      throw new IntegrityException(file + ": " + where() + ": " + len + " bytes cannot hold a page header");
    }
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.flags = Le.u16(buf, off + 8);
    this.count = Le.u16(buf, off + 10);
  }

  /** This node with its bytes copied to the start of {@code dst}. */
  Page copyInto(byte[] dst) {
    System.arraycopy(buf, off, dst, 0, len);
    return new Page(file, where, id, dst, 0, len);
  }

  /** What error messages call this node, e.g. {@code page 12} or {@code inline bucket lease}. */
  String where() {
    return where != null ? where : "page " + id;
  }

  /** The bytes this node lies in; read them only through the offsets the accessors return. */
  byte[] buf() {
    return buf;
  }

  int offset() {
    return off;
  }

  int length() {
    return len;
  }

  long headerId() {
    return Le.u64(buf, off);
  }

  int flags() {
    return flags;
  }

  int count() {
    return count;
  }

  long overflow() {
    return Le.u32(buf, off + 12);
  }

  boolean isLeaf() {
    return flags == LEAF;
  }

  boolean isBranch() {
    return flags == BRANCH;
  }

  String type() {
    return switch (flags) {
      case BRANCH -> "branch";
      case LEAF -> "leaf";
      case META -> "meta";
      case FREELIST -> "freelist";
      default -> String.format("unknown<%02x>", flags);
    };
  }

  /** Fails unless this is a branch or leaf whose element array fits in its bytes. */
  void requireTreeNode() {
    if (!isLeaf() && !isBranch()) {
      throw corrupt("invalid type " + type() + " for a tree node (rule: a bucket holds only branch and leaf pages)");
    }
    if (count == 0xFFFF || HEADER_SIZE + (long) ELEMENT_SIZE * count > len) {
      throw corrupt("element count " + count + " overruns the page (rule: elements fit in the node)");
    }
  }

  int leafFlags(int i) {
    return (int) Le.u32(buf, element(i));
  }

  boolean isBucket(int i) {
    return (leafFlags(i) & BUCKET_LEAF) != 0;
  }

  /** A copy of key {@code i}. */
  byte[] key(int i) {
    int s = keyOffset(i);
    return Arrays.copyOfRange(buf, s, s + keyLength(i));
  }

  /** Compares key {@code i} with {@code k} as unsigned bytes, without copying it. */
  int compareKey(int i, byte[] k) {
    int s = keyOffset(i);
    return Arrays.compareUnsigned(buf, s, s + keyLength(i), k, 0, k.length);
  }

  /** A copy of leaf element {@code i}'s value. */
  byte[] value(int i) {
    int s = valueOffset(i);
    return Arrays.copyOfRange(buf, s, s + valueLength(i));
  }

  /** Where key {@code i} starts in {@link #buf()}, checked against the node's bytes. */
  int keyOffset(int i) {
    int e = element(i);
    long pos = Le.u32(buf, e + (isLeaf() ? 4 : 0));
    if (pos < (long) ELEMENT_SIZE * (count - i) || e + pos > off + len) {
      throw corrupt("element " + i + " points to offset " + pos + " outside its data (rule: elements fit in the node)");
    }
    return (int) (e + pos);
  }

  /** The size of key {@code i}, checked against the node's bytes. */
  int keyLength(int i) {
    long ksize = Le.u32(buf, element(i) + (isLeaf() ? 8 : 4));
    if (keyOffset(i) + ksize > off + len) {
      throw corrupt("element " + i + " key of " + ksize + " bytes overruns the node (rule: elements fit in the node)");
    }
    return (int) ksize;
  }

  /** Where leaf element {@code i}'s value starts in {@link #buf()}: right after its key. */
  int valueOffset(int i) {
    return keyOffset(i) + keyLength(i);
  }

  /** The size of leaf element {@code i}'s value, checked against the node's bytes. */
  int valueLength(int i) {
    int e = element(i);
    long end = (long) keyOffset(i) + keyLength(i);
    long vsize = Le.u32(buf, e + 12);
    if (end + vsize > off + len) {
      throw corrupt("element " + i + " value of " + vsize + " bytes overruns the node (rule: elements fit in the node)");
    }
    return (int) vsize;
  }

  /** Same as {@link #valueLength}: checks that the value lies inside the node. */
  int valueSize(int i) {
    return valueLength(i);
  }

  /**
   * Points {@code view} at leaf element {@code i}: the same checks as {@link #keyOffset},
   * {@link #keyLength} and {@link #valueLength}, each offset computed once.
   */
  void view(int i, EntryView view) {
    int e = element(i);
    int end = off + len;
    long pos = Le.u32(buf, e + 4);
    if (pos < (long) ELEMENT_SIZE * (count - i) || e + pos > end) {
      throw corrupt("element " + i + " points to offset " + pos + " outside its data (rule: elements fit in the node)");
    }
    int k = (int) (e + pos);
    long ksize = Le.u32(buf, e + 8);
    if (k + ksize > end) {
      throw corrupt("element " + i + " key of " + ksize + " bytes overruns the node (rule: elements fit in the node)");
    }
    long vsize = Le.u32(buf, e + 12);
    if (k + ksize + vsize > end) {
      throw corrupt("element " + i + " value of " + vsize + " bytes overruns the node (rule: elements fit in the node)");
    }
    view.set(buf, k, (int) ksize, (int) vsize, (Le.u32(buf, e) & BUCKET_LEAF) != 0);
  }

  long child(int i) {
    return Le.u64(buf, element(i) + 8);
  }

  IntegrityException corrupt(String rule) {
    return new IntegrityException(file + ": " + where() + ": " + rule);
  }

  private int element(int i) {
    if (i < 0 || i >= count) {
      throw new IllegalArgumentException("element " + i + " of " + count);
    }
    return off + HEADER_SIZE + ELEMENT_SIZE * i;
  }
}
