package io.etcdbackup.core.bbolt;

import static io.etcdbackup.core.bbolt.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import java.io.IOException;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-corrupted files, each caught by the checker (or the reader) with the page and the rule. */
class BboltCheckTest {
  private static final int PS = 4096;

  @TempDir Path dir;
  private Path file;
  private long bucketRoot;
  private long pgid;

  /** One bucket of 5000 keys: a branch root over ~60 leaves. */
  @BeforeEach
  void writeFile() throws IOException {
    file = dir.resolve("db");
    Fixtures.writeNumbered(file, PS, "key", 5000, 40);
    try (BboltReader r = BboltReader.open(file)) {
      bucketRoot = r.bucket(utf8("key")).root();
      pgid = r.pageCount();
      assertThat(r.pages().read(bucketRoot).isBranch()).isTrue();
      BboltCheck.check(r);
    }
  }

  @Test
  void flippedChecksumOfTheInactiveMetaIsFoundByTheCheckOnly() throws Exception {
    flipChecksum(0);
    try (BboltReader r = BboltReader.open(file)) {
      assertThat(r.txid()).isEqualTo(1);
      assertCheckFails(r).hasMessageContaining("meta page 0: checksum mismatch").hasMessageContaining("both meta pages valid");
    }
  }

  @Test
  void flippedChecksumOfTheActiveMetaFallsBackToTheOther() throws Exception {
    flipChecksum(1);
    try (BboltReader r = BboltReader.open(file)) {
      assertThat(r.txid()).isEqualTo(0);
      assertThat(Fixtures.entries(r, "key")).hasSize(5000);
      assertCheckFails(r).hasMessageContaining("meta page 1: checksum mismatch");
    }
  }

  @Test
  void twoFlippedChecksumsMakeTheFileUnreadable() throws Exception {
    flipChecksum(0);
    flipChecksum(1);
    assertThatThrownBy(() -> BboltReader.open(file)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("no valid meta page")
        .hasMessageContaining("checksum mismatch");
  }

  @Test
  void pageReferencedTwice() throws Exception {
    byte[] root = Fixtures.readPage(file, PS, bucketRoot);
    long child0 = Le.u64(root, Fixtures.branchChildOffset(0));
    Le.put64(root, Fixtures.branchChildOffset(1), child0);
    Fixtures.writePage(file, PS, bucketRoot, root);
    try (BboltReader r = BboltReader.open(file)) {
      assertCheckFails(r).hasMessageContaining("page " + child0 + ": multiple references");
    }
  }

  @Test
  void keysOutOfOrderWithinALeaf() throws Exception {
    long leaf = firstLeaf();
    byte[] page = Fixtures.readPage(file, PS, leaf);
    int k1 = Fixtures.leafKeyOffset(page, 1);
    page[k1 + 8] = '0'; // "k00000001" becomes "k00000000", equal to key 0
    Fixtures.writePage(file, PS, leaf, page);
    try (BboltReader r = BboltReader.open(file)) {
      assertCheckFails(r).hasMessageContaining("page " + leaf + ": key[1]").hasMessageContaining("keys strictly ascending");
    }
  }

  @Test
  void keysOutOfOrderAcrossLeaves() throws Exception {
    byte[] root = Fixtures.readPage(file, PS, bucketRoot);
    long second = Le.u64(root, Fixtures.branchChildOffset(1));
    byte[] page = Fixtures.readPage(file, PS, second);
    int k0 = Fixtures.leafKeyOffset(page, 0);
    page[k0 + 1] = '/'; // below every "k0..." key, so below the last key of the first leaf
    Fixtures.writePage(file, PS, second, page);
    try (BboltReader r = BboltReader.open(file)) {
      assertCheckFails(r).hasMessageContaining("page " + second + ": key[0]");
    }
  }

  @Test
  void branchKeyInconsistentWithItsChild() throws Exception {
    byte[] root = Fixtures.readPage(file, PS, bucketRoot);
    int e = Page.HEADER_SIZE + Page.ELEMENT_SIZE;
    int key1 = e + (int) Le.u32(root, e);
    root[key1 + 8] += 1; // the branch key now lies above its child's first key
    Fixtures.writePage(file, PS, bucketRoot, root);
    try (BboltReader r = BboltReader.open(file)) {
      assertCheckFails(r).hasMessageContaining("branch keys consistent with children");
    }
  }

  @Test
  void pageBeyondTheHighWaterMark() throws Exception {
    byte[] root = Fixtures.readPage(file, PS, bucketRoot);
    Le.put64(root, Fixtures.branchChildOffset(2), pgid + 5);
    Fixtures.writePage(file, PS, bucketRoot, root);
    try (BboltReader r = BboltReader.open(file)) {
      assertCheckFails(r).hasMessageContaining("page " + (pgid + 5) + ": out of bounds: high-water mark is " + pgid);
    }
  }

  @Test
  void highWaterMarkBelowUsedPages() throws Exception {
    try (BboltReader r = BboltReader.open(file)) {
      Fixtures.rewriteMetas(file, PS, r.meta().root(), Meta.NO_FREELIST, pgid - 3);
    }
    try (BboltReader r = BboltReader.open(file)) {
      // the writer puts the root bucket's page last, so it is the first page found beyond the mark
      assertCheckFails(r).hasMessageContaining("meta page 1: root page " + (pgid - 1) + " is outside 2.." + (pgid - 4))
          .hasMessageContaining("no reachable page at or beyond pgid");
    }
  }

  @Test
  void pageHeaderNamingAnotherPage() throws Exception {
    long leaf = firstLeaf();
    byte[] page = Fixtures.readPage(file, PS, leaf);
    Le.put64(page, 0, leaf + 1);
    Fixtures.writePage(file, PS, leaf, page);
    try (BboltReader r = BboltReader.open(file)) {
      assertCheckFails(r).hasMessageContaining("page " + leaf + ": header says page " + (leaf + 1));
    }
  }

  @Test
  void freelistPageInsideABucket() throws Exception {
    long leaf = firstLeaf();
    byte[] page = Fixtures.readPage(file, PS, leaf);
    Le.put16(page, 8, Page.FREELIST);
    Fixtures.writePage(file, PS, leaf, page);
    try (BboltReader r = BboltReader.open(file)) {
      assertCheckFails(r).hasMessageContaining("page " + leaf + ": invalid type freelist");
    }
  }

  @Test
  void elementPointingOutsideItsPage() throws Exception {
    long leaf = firstLeaf();
    byte[] page = Fixtures.readPage(file, PS, leaf);
    Le.put32(page, Page.HEADER_SIZE + 12, 100_000); // vsize of element 0
    Fixtures.writePage(file, PS, leaf, page);
    try (BboltReader r = BboltReader.open(file)) {
      assertCheckFails(r).hasMessageContaining("page " + leaf + ": element 0 value of 100000 bytes overruns the node");
      assertThatThrownBy(() -> r.forEach(utf8("key"), (k, v) -> { })).isInstanceOf(IntegrityException.class);
    }
  }

  @Test
  void truncatedFileIsRefusedOnOpen() throws Exception {
    try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate((pgid - 1) * PS);
    }
    assertThatThrownBy(() -> BboltReader.open(file)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("truncated");
  }

  private long firstLeaf() throws IOException {
    byte[] root = Fixtures.readPage(file, PS, bucketRoot);
    return Le.u64(root, Fixtures.branchChildOffset(0));
  }

  private void flipChecksum(int metaPage) throws IOException {
    byte[] page = Fixtures.readPage(file, PS, metaPage);
    page[72] ^= 0x01;
    Fixtures.writePage(file, PS, metaPage, page);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertCheckFails(BboltReader r) {
    return assertThatThrownBy(() -> BboltCheck.check(r)).isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith(r.path().toString() + ": ");
  }
}
