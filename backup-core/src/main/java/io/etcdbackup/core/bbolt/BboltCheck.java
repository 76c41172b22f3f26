package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.IntegrityException;
import java.io.IOException;

/**
 * Checks the structure of a whole bbolt file: what bbolt's {@code tx.Check()} (run by
 * {@code etcdutl snapshot status} and {@code etcdctl snapshot status}) refuses, plus a few rules of
 * our own. The first violation ends the check with an {@link IntegrityException} naming the file,
 * the page and the rule.
 *
 * <p>Rules: both meta pages valid (magic, version, FNV-1a checksum, header) with the active one's
 * root and freelist below the high-water mark; every page reachable at most once ("multiple
 * references"), none at or past the high-water mark, each page's header id equal to its position,
 * only branch and leaf pages inside a bucket, elements inside their node, keys non-empty and
 * strictly ascending within each bucket across pages, branch keys consistent with their children;
 * top-level entries are buckets; freelist ids below the high-water mark, not meta pages, not
 * listed twice, and disjoint from reachable pages; with a synced freelist, every page below the
 * high-water mark reachable or free ("unreachable unfreed"). Without a synced freelist (etcd on
 * Linux) unreachable pages are free by definition, as bbolt rebuilds its freelist by a scan.
 *
 * <p>Memory: two bitsets of one bit per page, a read-ahead window and the pages on the current
 * root-to-leaf path.
 */
public final class BboltCheck {
  private BboltCheck() {}

  /** Checks the file {@code r} reads. */
  public static void check(BboltReader r) throws IOException {
    new Checker(r, null).run();
  }

  /**
   * Checks the file and, in the same pass, reports every top-level bucket and its entries to
   * {@code visitor} in bbolt order. What the visitor saw is only meaningful if this returns
   * normally: some violations are found after the last entry.
   */
  public static void check(BboltReader r, BucketVisitor visitor) throws IOException {
    new Checker(r, new BucketEntryVisitor() {
      @Override
      public void bucket(byte[] name) throws IOException {
        visitor.bucket(name);
      }

      @Override
      public void entry(EntryView entry) throws IOException {
        visitor.entry(entry.key(), entry.value());
      }
    }).run();
  }

  /**
   * Checks the file and, in the same pass, reports every top-level bucket and its entries to
   * {@code visitor} in bbolt order, each entry as a view into the page being read (nothing is
   * copied for the visitor). What the visitor saw is only meaningful if this returns normally.
   */
  public static void check(BboltReader r, BucketEntryVisitor visitor) throws IOException {
    new Checker(r, visitor).run();
  }
}
