package io.etcdbackup.core.bbolt;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds one bucket's B+tree bottom-up from entries in key order, keeping one open node per
 * level: memory is O(height x page size), whatever the number of keys.
 *
 * <p>A leaf is written when the next entry would push it past one page; an entry larger than a
 * page gets a node of its own that spans as many pages as it needs ({@code overflow}). Each
 * written node becomes an element of the level above, keyed by its first key (bbolt
 * {@code node.write} does the same). A branch always takes a second element, even past a page,
 * so every level has fewer nodes than the one below and the tree ends in one root. Nodes hold
 * fewer than 0xFFFF elements.
 */
final class TreeBuilder {
  private final PageSink sink;
  private final int pageSize;
  private final List<Node> levels = new ArrayList<>();
  private final List<Boolean> written = new ArrayList<>();

  TreeBuilder(PageSink sink, int pageSize) {
    this.sink = sink;
    this.pageSize = pageSize;
  }

  void add(int flags, byte[] key, byte[] value) throws IOException {
    add(flags, key, 0, key.length, value, 0, value.length);
  }

  /** Adds a leaf entry, copying the key {@code k[ko, ko + kl)} and the value {@code v[vo, vo + vl)}. */
  void add(int flags, byte[] k, int ko, int kl, byte[] v, int vo, int vl) throws IOException {
    addAt(0, flags, k, ko, kl, v, vo, vl, 0);
  }

  /** Writes the open nodes and returns the root's page id (an empty leaf for an empty tree). */
  long finish() throws IOException {
    for (int level = 0; ; level++) {
      Node open = level(level);
      boolean top = level == levels.size() - 1;
      if (top && !written.get(level)) {
        return sink.append(open);
      }
      writeNode(level);
    }
  }

  private void addAt(int level, int flags, byte[] k, int ko, int kl, byte[] v, int vo, int vl, long child)
      throws IOException {
    Node open = level(level);
    boolean full = !open.isEmpty()
        && (open.count() >= Page.MAX_COUNT
            || (open.size() + open.sizeOf(kl, vl) > pageSize && (open.isLeaf() || open.count() >= 2)));
    if (full) {
      writeNode(level);
    }
    open.add(flags, k, ko, kl, v, vo, vl, child);
  }

  /** Writes the open node of {@code level} and adds it, keyed by its first key, to the level above. */
  private void writeNode(int level) throws IOException {
    Node open = levels.get(level);
    long id = sink.append(open);
    written.set(level, true);
    // the first key is copied out of this node's data before the node is cleared
    addAt(level + 1, 0, open.data(), 0, open.firstKeyLength(), open.data(), 0, 0, id);
    open.clear();
  }

  private Node level(int level) {
    while (levels.size() <= level) {
      levels.add(new Node(levels.isEmpty()));
      written.add(false);
    }
    return levels.get(level);
  }
}
