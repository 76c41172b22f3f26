package io.etcdbackup.core.bbolt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files with a synced freelist (bbolt without {@code NoFreelistSync}, e.g. etcd on macOS): the
 * writer's output gets orphan pages appended past its high-water mark and a freelist page listing
 * some of them, then new metas.
 */
class FreelistCheckTest {
  @TempDir Path dir;

  @Test
  void emptyFreelistWithEveryPageReachable() throws Exception {
    Path f = file(4096);
    long[] layout = addFreelist(f, 4096, 0, new long[0]);
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(r.meta().freelist()).isEqualTo(layout[0]);
      BboltCheck.check(r);
    }
  }

  @Test
  void freedOrphansPassAndAnUnfreedOneIsReported() throws Exception {
    Path ok = file(4096);
    long base = pgid(ok);
    addFreelist(ok, 4096, 3, new long[] {base + 2, base, base + 1});
    try (BboltReader r = BboltReader.open(ok)) {
      BboltCheck.check(r);
    }
    Path bad = file(4096);
    addFreelist(bad, 4096, 3, new long[] {base, base + 2});
    try (BboltReader r = BboltReader.open(bad)) {
      assertThatThrownBy(() -> BboltCheck.check(r)).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("page " + (base + 1) + ": unreachable unfreed");
    }
  }

  @Test
  void freeingAReachablePage() throws Exception {
    Path f = file(4096);
    long leaf;
    try (BboltReader r = BboltReader.open(f)) {
      leaf = r.pages().read(r.bucket(Fixtures.utf8("key")).root()).child(0);
    }
    addFreelist(f, 4096, 0, new long[] {leaf});
    try (BboltReader r = BboltReader.open(f)) {
      assertThatThrownBy(() -> BboltCheck.check(r)).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("page " + leaf + ": reachable freed");
    }
  }

  @Test
  void freelistIdsBeyondTheHighWaterMarkOrListedTwice() throws Exception {
    Path beyond = file(4096);
    long base = pgid(beyond);
    addFreelist(beyond, 4096, 1, new long[] {base, base + 100});
    try (BboltReader r = BboltReader.open(beyond)) {
      assertThatThrownBy(() -> BboltCheck.check(r)).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("lists page " + (base + 100) + ", outside 2..");
    }
    Path twice = file(4096);
    addFreelist(twice, 4096, 1, new long[] {base, base});
    try (BboltReader r = BboltReader.open(twice)) {
      assertThatThrownBy(() -> BboltCheck.check(r)).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("page " + base + ": already freed");
    }
  }

  @Test
  void longFormFreelistOfSeventyThousandIds() throws Exception {
    // count >= 0xFFFF: the page's count is 0xFFFF and the first u64 holds the real count (bbolt freelist.write).
    int n = 70_000;
    Path f = file(1024);
    long base = pgid(f);
    long[] all = LongStream.range(base, base + n).toArray();
    long[] layout = addFreelist(f, 1024, n, all);
    try (BboltReader r = BboltReader.open(f)) {
      byte[] head = Fixtures.readPage(f, 1024, layout[0]);
      assertThat(Le.u16(head, 10)).isEqualTo(0xFFFF);
      assertThat(Le.u32(head, 12)).isGreaterThan(500);
      BboltCheck.check(r);
    }
    Path missing = file(1024);
    long[] allButOne = LongStream.range(base, base + n).filter(p -> p != base + 54_321).toArray();
    addFreelist(missing, 1024, n, allButOne);
    try (BboltReader r = BboltReader.open(missing)) {
      assertThatThrownBy(() -> BboltCheck.check(r)).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("page " + (base + 54_321) + ": unreachable unfreed");
    }
  }

  private Path file(int pageSize) throws IOException {
    Path f = java.nio.file.Files.createTempFile(dir, "fl", ".db");
    Fixtures.writeNumbered(f, pageSize, "key", 2000, 40);
    return f;
  }

  private static long pgid(Path f) throws IOException {
    try (BboltReader r = BboltReader.open(f)) {
      return r.pageCount();
    }
  }

  /**
   * Appends {@code orphans} unreachable pages (left as a hole in the file) and a freelist listing
   * {@code free}; returns {freelist page, new pgid}.
   */
  private static long[] addFreelist(Path f, int ps, int orphans, long[] free) throws IOException {
    long root;
    long pgid;
    try (BboltReader r = BboltReader.open(f)) {
      root = r.meta().root();
      pgid = r.pageCount();
    }
    boolean longForm = free.length >= 0xFFFF;
    int bytes = Page.HEADER_SIZE + 8 * (free.length + (longForm ? 1 : 0));
    int pages = (bytes + ps - 1) / ps;
    byte[] image = new byte[pages * ps];
    long at = pgid + orphans;
    Le.put64(image, 0, at);
    Le.put16(image, 8, Page.FREELIST);
    Le.put16(image, 10, longForm ? 0xFFFF : free.length);
    Le.put32(image, 12, pages - 1);
    int off = Page.HEADER_SIZE;
    if (longForm) {
      Le.put64(image, off, free.length);
      off += 8;
    }
    for (long id : free) {
      Le.put64(image, off, id);
      off += 8;
    }
    Fixtures.writePage(f, ps, at, image);
    Fixtures.rewriteMetas(f, ps, root, at, at + pages);
    return new long[] {at, at + pages};
  }
}
