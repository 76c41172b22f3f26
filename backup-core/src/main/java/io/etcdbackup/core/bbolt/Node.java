package io.etcdbackup.core.bbolt;

import java.util.Arrays;

/**
 * A node being filled by the writer: its elements and its encoded size. Keys and values are copied
 * in as they come (the writer's callers pass slices of pages they are reading), packed in element
 * order as {@link #encode} lays them out, like bbolt's {@code node.write}: header, element array,
 * then each key (and value). The arrays are reused from node to node: a node costs no allocation
 * once they have grown to the largest node.
 */
final class Node {
  /** A leaf entry ({@code flags}, key, value) or a branch entry (key, child page). */
  record Element(int flags, byte[] key, byte[] value, long child) {}

  private final boolean leaf;
  private int count;
  private int[] flags = new int[16];
  private int[] keyLength = new int[16];
  private int[] valueLength = new int[16];
  private long[] child = new long[16];
  /** Keys (and values) packed in element order. */
  private byte[] data = new byte[1024];
  private int dataLength;

  Node(boolean leaf) {
    this.leaf = leaf;
  }

  boolean isLeaf() {
    return leaf;
  }

  boolean isEmpty() {
    return count == 0;
  }

  int count() {
    return count;
  }

  /** Bytes of the encoded node: header, elements, keys and values. */
  long size() {
    return Page.HEADER_SIZE + (long) Page.ELEMENT_SIZE * count + dataLength;
  }

  /** Bytes an element with a key and value of these lengths adds (a branch has no value). */
  long sizeOf(int keyLength, int valueLength) {
    return Page.ELEMENT_SIZE + keyLength + (leaf ? valueLength : 0);
  }

  long sizeOf(Element e) {
    return sizeOf(e.key().length, e.value() == null ? 0 : e.value().length);
  }

  void add(Element e) {
    byte[] v = e.value() == null ? new byte[0] : e.value();
    add(e.flags(), e.key(), 0, e.key().length, v, 0, v.length, e.child());
  }

  /**
   * Appends an element, copying its key {@code k[ko, ko + kl)} and, for a leaf, its value
   * {@code v[vo, vo + vl)}; a branch ignores the value and keeps {@code child}.
   */
  void add(int elementFlags, byte[] k, int ko, int kl, byte[] v, int vo, int vl, long childId) {
    if (count == flags.length) {
      int n = count * 2;
      flags = Arrays.copyOf(flags, n);
      keyLength = Arrays.copyOf(keyLength, n);
      valueLength = Arrays.copyOf(valueLength, n);
      child = Arrays.copyOf(child, n);
    }
    int vlen = leaf ? vl : 0;
    long need = (long) dataLength + kl + vlen;
    if (need > data.length) {
      if (need > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("a node of " + need + " bytes is too large");
      }
      data = Arrays.copyOf(data, (int) Math.max(need, Math.min(Integer.MAX_VALUE - 16, 2L * data.length)));
    }
    System.arraycopy(k, ko, data, dataLength, kl);
    dataLength += kl;
    if (vlen > 0) {
      System.arraycopy(v, vo, data, dataLength, vlen);
      dataLength += vlen;
    }
    flags[count] = elementFlags;
    keyLength[count] = kl;
    valueLength[count] = vlen;
    child[count] = childId;
    count++;
  }

  /** The packed keys and values; the first key is {@code data()[0, firstKeyLength())}. */
  byte[] data() {
    return data;
  }

  int firstKeyLength() {
    return keyLength[0];
  }

  byte[] firstKey() {
    return Arrays.copyOf(data, keyLength[0]);
  }

  /** Calls {@code to} with each element in order, as slices of {@link #data()}. */
  void forEach(ElementSink to) throws java.io.IOException {
    int at = 0;
    for (int i = 0; i < count; i++) {
      to.accept(flags[i], data, at, keyLength[i], at + keyLength[i], valueLength[i], child[i]);
      at += keyLength[i] + valueLength[i];
    }
  }

  /** Receives an element as slices of a node's data. */
  @FunctionalInterface
  interface ElementSink {
    void accept(int flags, byte[] data, int keyOffset, int keyLength, int valueOffset, int valueLength, long child)
        throws java.io.IOException;
  }

  void clear() {
    count = 0;
    dataLength = 0;
  }

  /**
   * Writes the node at {@code off} of {@code dst} with header id {@code id} and {@code overflow}
   * extra pages; {@code dst} must have {@link #size()} bytes from {@code off}.
   */
  void encode(byte[] dst, int off, long id, long overflow) {
    Le.put64(dst, off, id);
    Le.put16(dst, off + 8, leaf ? Page.LEAF : Page.BRANCH);
    Le.put16(dst, off + 10, count);
    Le.put32(dst, off + 12, overflow);
    int start = off + Page.HEADER_SIZE + Page.ELEMENT_SIZE * count;
    int at = start;
    for (int i = 0; i < count; i++) {
      int e = off + Page.HEADER_SIZE + Page.ELEMENT_SIZE * i;
      if (leaf) {
        Le.put32(dst, e, flags[i]);
        Le.put32(dst, e + 4, at - e);
        Le.put32(dst, e + 8, keyLength[i]);
        Le.put32(dst, e + 12, valueLength[i]);
      } else {
        Le.put32(dst, e, at - e);
        Le.put32(dst, e + 4, keyLength[i]);
        Le.put64(dst, e + 8, child[i]);
      }
      at += keyLength[i] + valueLength[i];
    }
    System.arraycopy(data, 0, dst, start, dataLength);
  }
}
