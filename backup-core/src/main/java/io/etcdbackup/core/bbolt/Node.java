package io.etcdbackup.core.bbolt;

import java.util.ArrayList;
import java.util.List;

/**
 * A node being filled by the writer: its elements and its encoded size. {@link #encode} lays it
 * out as bbolt does ({@code node.write}): header, element array, then each key (and value)
 * packed in element order.
 */
final class Node {
  /** A leaf entry ({@code flags}, key, value) or a branch entry (key, child page). */
  record Element(int flags, byte[] key, byte[] value, long child) {}

  private final boolean leaf;
  private final List<Element> elements = new ArrayList<>();
  private long size = Page.HEADER_SIZE;

  Node(boolean leaf) {
    this.leaf = leaf;
  }

  boolean isLeaf() {
    return leaf;
  }

  boolean isEmpty() {
    return elements.isEmpty();
  }

  int count() {
    return elements.size();
  }

  /** Bytes of the encoded node: header, elements, keys and values. */
  long size() {
    return size;
  }

  byte[] firstKey() {
    return elements.get(0).key();
  }

  long sizeOf(Element e) {
    return Page.ELEMENT_SIZE + e.key().length + (leaf ? e.value().length : 0);
  }

  void add(Element e) {
    elements.add(e);
    size += sizeOf(e);
  }

  List<Element> elements() {
    return elements;
  }

  void clear() {
    elements.clear();
    size = Page.HEADER_SIZE;
  }

  /**
   * Writes the node at {@code off} of {@code dst} with header id {@code id} and {@code overflow}
   * extra pages; {@code dst} must have {@link #size()} bytes from {@code off}.
   */
  void encode(byte[] dst, int off, long id, long overflow) {
    Le.put64(dst, off, id);
    Le.put16(dst, off + 8, leaf ? Page.LEAF : Page.BRANCH);
    Le.put16(dst, off + 10, elements.size());
    Le.put32(dst, off + 12, overflow);
    int data = off + Page.HEADER_SIZE + Page.ELEMENT_SIZE * elements.size();
    for (int i = 0; i < elements.size(); i++) {
      Element el = elements.get(i);
      int e = off + Page.HEADER_SIZE + Page.ELEMENT_SIZE * i;
      byte[] k = el.key();
      if (leaf) {
        Le.put32(dst, e, el.flags());
        Le.put32(dst, e + 4, data - e);
        Le.put32(dst, e + 8, k.length);
        Le.put32(dst, e + 12, el.value().length);
      } else {
        Le.put32(dst, e, data - e);
        Le.put32(dst, e + 4, k.length);
        Le.put64(dst, e + 8, el.child());
      }
      System.arraycopy(k, 0, dst, data, k.length);
      data += k.length;
      if (leaf) {
        System.arraycopy(el.value(), 0, dst, data, el.value().length);
        data += el.value().length;
      }
    }
  }
}
