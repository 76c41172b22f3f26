package io.etcdbackup.core.bbolt;

import static io.etcdbackup.core.bbolt.Fixtures.key;
import static io.etcdbackup.core.bbolt.Fixtures.utf8;
import static io.etcdbackup.core.bbolt.Fixtures.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read-ahead reader against plain page reads: same bytes and same errors for nodes inside the
 * window, straddling its end and larger than it, in any order, and few {@code pread}s when the
 * nodes come in file order.
 */
class PageReaderTest {
  private static final int PS = 4096;

  @TempDir Path dir;

  /** Values from a few bytes to 80 pages (past the 64-page window), in random order of size. */
  private Path mixedFile() throws IOException {
    Path f = dir.resolve("mixed.db");
    Random rnd = new Random(11);
    try (BboltWriter w = BboltWriter.create(f, PS)) {
      BucketWriter b = w.bucket(utf8("key"));
      for (int i = 0; i < 3000; i++) {
        int len = switch (rnd.nextInt(10)) {
          case 0 -> PS * (1 + rnd.nextInt(8)) + rnd.nextInt(PS); // a few overflow pages
          case 1 -> i % 50 == 0 ? PS * 80 + 7 : 3000;            // larger than the window
          default -> rnd.nextInt(600);
        };
        b.put(key("k", i), value(i, len));
      }
      w.finish();
    }
    return f;
  }

  /** Ids of every node of the file's trees, found with plain reads. */
  private static List<Long> nodeIds(BboltReader r) throws IOException {
    List<Long> ids = new ArrayList<>();
    collect(r, r.meta().root(), ids);
    return ids;
  }

  private static void collect(BboltReader r, long id, List<Long> ids) throws IOException {
    ids.add(id);
    Page p = r.pages().read(id);
    if (p.isBranch()) {
      for (int i = 0; i < p.count(); i++) {
        collect(r, p.child(i), ids);
      }
    } else {
      for (int i = 0; i < p.count(); i++) {
        if (p.isBucket(i)) {
          BucketRef b = BucketRef.parse("f", p.key(i), p.value(i));
          if (!b.isInline()) {
            collect(r, b.root(), ids);
          }
        }
      }
    }
  }

  private static byte[] bytes(Page p) {
    return Arrays.copyOfRange(p.buf(), p.offset(), p.offset() + p.length());
  }

  @Test
  void everyNodeReadsTheSameInFileOrderBackwardsAndShuffled() throws Exception {
    try (BboltReader r = BboltReader.open(mixedFile())) {
      List<Long> ids = nodeIds(r);
      assertThat(ids.size()).isGreaterThan(300);
      List<Long> ascending = new ArrayList<>(ids);
      Collections.sort(ascending);
      List<Long> descending = new ArrayList<>(ascending);
      Collections.reverse(descending);
      List<Long> shuffled = new ArrayList<>(ids);
      Collections.shuffle(shuffled, new Random(5));
      boolean sawLarge = false;
      boolean sawOverflow = false;
      for (List<Long> order : List.of(ids, ascending, descending, shuffled)) {
        PageReader reader = new PageReader(r.pages());
        for (long id : order) {
          Page expected = r.pages().read(id);
          Page got = reader.read(id);
          assertThat(got.where()).isEqualTo("page " + id);
          assertThat(got.length()).isEqualTo(expected.length());
          assertThat(bytes(got)).as("page %d", id).isEqualTo(bytes(expected));
          sawLarge |= got.length() > PageReader.WINDOW_BYTES;
          sawOverflow |= got.overflow() > 0 && got.length() <= PageReader.WINDOW_BYTES;
        }
      }
      assertThat(sawLarge).isTrue();
      assertThat(sawOverflow).isTrue();
    }
  }

  @Test
  void aPinnedPageSurvivesTheReadsAfterIt() throws Exception {
    try (BboltReader r = BboltReader.open(mixedFile())) {
      List<Long> ids = nodeIds(r);
      PageReader reader = new PageReader(r.pages());
      long first = ids.get(1);
      Page pinned = reader.pin(reader.read(first), 0);
      Page pinnedToo = reader.pin(reader.read(ids.get(2)), 1);
      for (long id : ids) {
        reader.read(id);
      }
      assertThat(bytes(pinned)).isEqualTo(bytes(r.pages().read(first)));
      assertThat(bytes(pinnedToo)).isEqualTo(bytes(r.pages().read(ids.get(2))));
      assertThat(pinned.where()).isEqualTo("page " + first);
    }
  }

  @Test
  void pagesInFileOrderTakeFewReads() throws Exception {
    Path f = dir.resolve("seq.db");
    // ~1 leaf per page: 4000 pages, 16 MB
    Fixtures.writeNumbered(f, PS, "key", 4000, 4000);
    try (BboltReader r = BboltReader.open(f)) {
      List<Long> ids = nodeIds(r);
      Collections.sort(ids);
      PageReader reader = new PageReader(r.pages());
      for (long id : ids) {
        reader.read(id);
      }
      long pages = r.pageCount();
      // 64 pages a read once the read-ahead has grown, a few smaller reads while it grows
      assertThat(reader.reads()).isLessThanOrEqualTo(pages / 64 + 8);
    }
  }

  @Test
  void aJumpFallsBackToASmallReadAhead() throws Exception {
    Path f = dir.resolve("jump.db");
    Fixtures.writeNumbered(f, PS, "key", 4000, 4000);
    try (BboltReader r = BboltReader.open(f)) {
      PageReader reader = new PageReader(r.pages());
      List<Long> ids = nodeIds(r);
      Collections.sort(ids);
      // every 100th node: no run continues, so every read is a fresh small one
      int n = 0;
      for (int i = 0; i < ids.size(); i += 100) {
        reader.read(ids.get(i));
        n++;
      }
      assertThat(reader.reads()).isEqualTo(n);
    }
  }

  @Test
  void aHintReadsTheRunOfSiblingsThatFollowEachOther() throws Exception {
    Path f = dir.resolve("hint.db");
    Fixtures.writeNumbered(f, PS, "key", 4000, 4000); // one single-page leaf per key, in key order
    try (BboltReader r = BboltReader.open(f)) {
      long a = r.pages().read(r.bucket(utf8("key")).root()).child(0); // the leaves' branch's first child
      while (!r.pages().read(a).isLeaf()) {
        a = r.pages().read(a).child(0);
      }
      // a parent whose children run a..a+2, then jump back to a+40..a+41
      long[] children = {a, a + 1, a + 2, a + 40, a + 41};
      Node n = new Node(false);
      for (int i = 0; i < children.length; i++) {
        n.add(0, new byte[] {(byte) ('a' + i)}, 0, 1, null, 0, 0, children[i]);
      }
      byte[] image = new byte[(int) n.size()];
      n.encode(image, 0, 9, 0);
      Page branch = new Page("f", "test branch", image, 0, image.length);

      PageReader reader = new PageReader(r.pages());
      reader.hint(branch, 0);
      reader.read(a);
      // the three siblings, the last one guessed as long as the one before it
      assertThat(reader.bytesRead()).isEqualTo(3 * PS);
      reader.hint(branch, 1);
      reader.read(a + 1);
      reader.hint(branch, 2);
      reader.read(a + 2);
      assertThat(reader.reads()).isEqualTo(1);
      reader.hint(branch, 3);
      reader.read(a + 40);
      assertThat(reader.reads()).isEqualTo(2);
      assertThat(reader.bytesRead()).isEqualTo(5 * PS);
      // the last child: no sibling tells its length, 16 KiB are guessed
      reader.hint(branch, 4);
      reader.read(a + 41);
      assertThat(reader.reads()).isEqualTo(2); // read with a + 40
      // a hint for a page that is not the next one read is ignored
      reader.hint(branch, 0);
      Page p = reader.read(a + 200);
      assertThat(bytes(p)).isEqualTo(bytes(r.pages().read(a + 200)));
      assertThat(reader.bytesRead()).isEqualTo(5 * PS + PageReader.FIRST_READ_AHEAD_BYTES);
      reader.hint(branch, 4);
      reader.read(a + 41);
      assertThat(reader.bytesRead()).isEqualTo(5 * PS + PageReader.FIRST_READ_AHEAD_BYTES + PageReader.GUESS_BYTES);
    }
  }

  @Test
  void aSmallFileGetsAWindowOfItsOwnSize() throws Exception {
    Path f = dir.resolve("small.db");
    Fixtures.writeNumbered(f, PS, "key", 3, 10);
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(r.pageCount()).isLessThan(8);
      PageReader reader = new PageReader(r.pages());
      for (long id : nodeIds(r)) {
        assertThat(bytes(reader.read(id))).isEqualTo(bytes(r.pages().read(id)));
      }
      assertThat(reader.reads()).isEqualTo(1);
    }
  }

  @Test
  void headerAndBoundsErrorsNameThePageAsPlainReadsDo() throws Exception {
    Path f = dir.resolve("bad.db");
    Fixtures.writeNumbered(f, PS, "key", 5000, 40);
    long leaf;
    long pgid;
    try (BboltReader r = BboltReader.open(f)) {
      pgid = r.pageCount();
      Page root = r.pages().read(r.bucket(utf8("key")).root());
      leaf = root.child(3);
    }
    byte[] page = Fixtures.readPage(f, PS, leaf);
    Le.put64(page, 0, leaf + 1);
    Fixtures.writePage(f, PS, leaf, page);
    try (BboltReader r = BboltReader.open(f)) {
      PageReader reader = new PageReader(r.pages());
      reader.read(leaf - 1); // the bad page is now inside the window
      assertThatThrownBy(() -> reader.read(leaf)).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("page " + leaf + ": header says page " + (leaf + 1));
      assertThatThrownBy(() -> reader.read(pgid)).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("page " + pgid + ": out of bounds: high-water mark is " + pgid);
      assertThatThrownBy(() -> reader.read(-1)).isInstanceOf(IntegrityException.class);
      // the reader stays usable after a failed read
      assertThat(bytes(reader.read(leaf + 1))).isEqualTo(bytes(r.pages().read(leaf + 1)));
    }
  }

  @Test
  void overflowPastTheHighWaterMarkIsRefused() throws Exception {
    Path f = dir.resolve("overflow.db");
    Fixtures.writeNumbered(f, PS, "key", 5000, 40);
    long leaf;
    long pgid;
    try (BboltReader r = BboltReader.open(f)) {
      pgid = r.pageCount();
      leaf = r.pages().read(r.bucket(utf8("key")).root()).child(0);
    }
    byte[] page = Fixtures.readPage(f, PS, leaf);
    Le.put32(page, 12, pgid);
    Fixtures.writePage(f, PS, leaf, page);
    try (BboltReader r = BboltReader.open(f)) {
      assertThatThrownBy(() -> new PageReader(r.pages()).read(leaf)).isInstanceOf(IntegrityException.class)
          .hasMessageContaining("page " + leaf + ": overflow of " + pgid + " pages runs past the high-water mark");
    }
  }

  @Test
  void entryViewsAreSlicesOfThePageAndCopiesOnDemand() throws Exception {
    Path f = mixedFile();
    try (BboltReader r = BboltReader.open(f)) {
      List<byte[][]> copies = Fixtures.entries(r, "key");
      List<byte[][]> fromViews = new ArrayList<>();
      r.forEachEntry(utf8("key"), e -> {
        assertThat(e.isBucket()).isFalse();
        byte[] k = Arrays.copyOfRange(e.array(), e.keyOffset(), e.keyOffset() + e.keyLength());
        byte[] v = Arrays.copyOfRange(e.array(), e.valueOffset(), e.valueOffset() + e.valueLength());
        assertThat(e.key()).isEqualTo(k);
        assertThat(e.value()).isEqualTo(v);
        assertThat(e.keyEquals(k)).isTrue();
        assertThat(e.compareKey(k)).isZero();
        assertThat(e.compareKey(utf8("k"))).isPositive();
        assertThat(e.compareKey(utf8("l"))).isNegative();
        fromViews.add(new byte[][] {k, v});
      });
      assertThat(fromViews).hasSameSizeAs(copies);
      for (int i = 0; i < copies.size(); i++) {
        assertThat(fromViews.get(i)[0]).isEqualTo(copies.get(i)[0]);
        assertThat(fromViews.get(i)[1]).isEqualTo(copies.get(i)[1]);
      }
    }
  }

  @Test
  void aBucketEntryHasNoValueCopy() throws Exception {
    // a leaf image with one plain entry and one nested-bucket entry (an inline empty bucket)
    Node leaf = new Node(true);
    byte[] inlineEmpty = new byte[32];
    Le.put16(inlineEmpty, 16 + 8, Page.LEAF);
    leaf.add(new Node.Element(0, utf8("a"), utf8("one"), 0));
    leaf.add(new Node.Element(Page.BUCKET_LEAF, utf8("b"), inlineEmpty, 0));
    byte[] image = new byte[(int) leaf.size() + 5];
    leaf.encode(image, 5, 0, 0);
    Page p = new Page("f", "test leaf", image, 5, (int) leaf.size());
    EntryView v = new EntryView();
    p.view(0, v);
    assertThat(v.isBucket()).isFalse();
    assertThat(v.key()).isEqualTo(utf8("a"));
    assertThat(v.value()).isEqualTo(utf8("one"));
    assertThat(v.array()).isSameAs(image);
    p.view(1, v);
    assertThat(v.isBucket()).isTrue();
    assertThat(v.key()).isEqualTo(utf8("b"));
    assertThat(v.value()).isNull();
    assertThat(v.valueLength()).isEqualTo(32);
  }

  @Test
  void aValueOverrunningItsNodeIsRefusedByTheView() throws Exception {
    Node leaf = new Node(true);
    leaf.add(new Node.Element(0, utf8("a"), utf8("one"), 0));
    byte[] image = new byte[(int) leaf.size()];
    leaf.encode(image, 0, 0, 0);
    Le.put32(image, Page.HEADER_SIZE + 12, 1000);
    Page p = new Page("f", "test leaf", image, 0, image.length);
    assertThatThrownBy(() -> p.view(0, new EntryView())).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("test leaf: element 0 value of 1000 bytes overruns the node");
  }
}
