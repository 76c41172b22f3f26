package io.etcdbackup.core.bbolt;

import java.io.IOException;

/**
 * Receives a whole database in bbolt order while {@link BboltCheck} checks it, like
 * {@link BucketVisitor}, but each entry as a view into the page being read: nothing is copied
 * unless the visitor copies it.
 */
public interface BucketEntryVisitor {
  /** A top-level bucket begins; its entries follow. {@code name} is the visitor's to keep. */
  void bucket(byte[] name) throws IOException;

  /** One entry of the current bucket, valid only during this call (see {@link EntryView}). */
  void entry(EntryView entry) throws IOException;
}
