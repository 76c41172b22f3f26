package io.etcdbackup.core.bbolt;

import java.io.IOException;

/**
 * Receives the entries of a bucket in key order as views into the page being read: nothing is
 * copied unless the visitor copies it ({@link KeyValueVisitor} gets copies).
 */
@FunctionalInterface
public interface EntryVisitor {
  /** One entry, valid only during this call (see {@link EntryView}). */
  void visit(EntryView entry) throws IOException;
}
