package io.etcdbackup.core.bbolt;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads one bucket's B+tree, holding only the pages on the current root-to-leaf path. Branch
 * elements are searched the way bbolt's cursor does ({@code cursor.searchPage}): the last element
 * whose key is at or below the target, or the first one.
 */
final class Tree {
  /** Deeper than any real bbolt tree (each branch holds at least two keys); a cycle in a corrupt file stops here. */
  static final int MAX_DEPTH = 64;

  /** A leaf element found by {@link #find}. */
  record Hit(Page page, int index) {}

  private Tree() {}

  /** Every element of the bucket in key order, as copies; a sub-bucket's entry is reported with a {@code null} value. */
  static void forEach(PageFile pages, BucketRef b, KeyValueVisitor visitor) throws IOException {
    forEach(pages, b, (EntryVisitor) e -> visitor.visit(e.key(), e.value()));
  }

  /**
   * Every element of the bucket in key order, as views into the page being read. Branch pages are
   * pinned one per level; a leaf is visited straight from the reader's window and left before the
   * next read.
   */
  static void forEach(PageFile pages, BucketRef b, EntryVisitor visitor) throws IOException {
    EntryView view = new EntryView();
    if (b.isInline()) {
      emitLeaf(b.inline(), view, visitor);
      return;
    }
    PageReader reader = pages.reader();
    try {
      forEach(reader, b.root(), view, visitor);
    } finally {
      pages.release(reader);
    }
  }

  private static void forEach(PageReader reader, long rootId, EntryView view, EntryVisitor visitor) throws IOException {
    Page root = node(reader, rootId);
    if (root.isLeaf()) {
      emitLeaf(root, view, visitor);
      return;
    }
    Deque<Frame> stack = new ArrayDeque<>();
    stack.push(new Frame(reader.pin(root, 0)));
    while (!stack.isEmpty()) {
      Frame f = stack.peek();
      if (f.next == f.page.count()) {
        stack.pop();
        continue;
      }
      if (stack.size() >= MAX_DEPTH) {
        throw f.page.corrupt("tree deeper than " + MAX_DEPTH + " levels (rule: no cycles)");
      }
      if (f.leafChildren) {
        reader.hint(f.page, f.next);
      }
      Page child = node(reader, f.page.child(f.next++));
      f.leafChildren = child.isLeaf(); // a bbolt tree is balanced: a leaf's siblings are leaves
      if (child.isLeaf()) {
        emitLeaf(child, view, visitor);
      } else {
        stack.push(new Frame(reader.pin(child, stack.size())));
      }
    }
  }

  /** The leaf element whose key equals {@code key}, or {@code null}. */
  static Hit find(PageFile pages, BucketRef b, byte[] key) throws IOException {
    Page p = b.isInline() ? b.inline() : node(pages, b.root());
    for (int depth = 0; p.isBranch(); depth++) {
      if (p.count() == 0) {
        throw p.corrupt("empty branch (rule: a branch has children)");
      }
      if (depth >= MAX_DEPTH) {
        throw p.corrupt("tree deeper than " + MAX_DEPTH + " levels (rule: no cycles)");
      }
      p = node(pages, p.child(lastAtOrBelow(p, key)));
    }
    int lo = 0;
    int hi = p.count() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = p.compareKey(mid, key);
      if (c == 0) {
        return new Hit(p, mid);
      } else if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return null;
  }

  /**
   * The largest key, found by descending the right-most branch. Deletes can leave empty leaves
   * behind (bbolt {@code cursor.last} steps back over them too), so an empty leaf sends the walk
   * to its left sibling.
   */
  static byte[] lastKey(PageFile pages, BucketRef b) throws IOException {
    if (b.isInline()) {
      Page p = b.inline();
      return p.count() == 0 ? null : p.key(p.count() - 1);
    }
    Deque<Frame> stack = new ArrayDeque<>();
    Frame top = new Frame(node(pages, b.root()));
    top.next = top.page.count() - 1;
    stack.push(top);
    while (!stack.isEmpty()) {
      Frame f = stack.peek();
      if (f.page.isLeaf()) {
        if (f.page.count() > 0) {
          return f.page.key(f.page.count() - 1);
        }
        stack.pop();
      } else if (f.next < 0) {
        stack.pop();
      } else {
        if (stack.size() >= MAX_DEPTH) {
          throw f.page.corrupt("tree deeper than " + MAX_DEPTH + " levels (rule: no cycles)");
        }
        Frame child = new Frame(node(pages, f.page.child(f.next--)));
        child.next = child.page.count() - 1;
        stack.push(child);
      }
    }
    return null;
  }

  static Page node(PageFile pages, long id) throws IOException {
    Page p = pages.read(id);
    p.requireTreeNode();
    return p;
  }

  private static Page node(PageReader reader, long id) throws IOException {
    Page p = reader.read(id);
    p.requireTreeNode();
    return p;
  }

  private static int lastAtOrBelow(Page branch, byte[] key) {
    int lo = 0;
    int hi = branch.count() - 1;
    int found = 0;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (branch.compareKey(mid, key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private static void emitLeaf(Page leaf, EntryView view, EntryVisitor visitor) throws IOException {
    for (int i = 0; i < leaf.count(); i++) {
      leaf.view(i, view);
      visitor.visit(view);
    }
  }

  private static final class Frame {
    final Page page;
    int next;
    boolean leafChildren;

    Frame(Page page) {
      this.page = page;
    }
  }
}
