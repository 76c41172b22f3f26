package io.etcdbackup.core.bbolt;

import static io.etcdbackup.core.bbolt.Fixtures.key;
import static io.etcdbackup.core.bbolt.Fixtures.utf8;
import static io.etcdbackup.core.bbolt.Fixtures.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.stream.BackgroundSync;
import io.etcdbackup.testing.FaultyFileChannel;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's buffering, background syncs, slice puts and failure paths. */
class BboltWriterTest {
  private static final int PS = 4096;

  @TempDir Path dir;

  private BboltWriter writer(Path f, FileChannel ch, long syncEvery) {
    return new BboltWriter(f, ch, PS, syncEvery);
  }

  private static FileChannel open(Path f) throws IOException {
    return FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
  }

  @Test
  void aFileSmallerThanTheBufferIsWrittenByFinish() throws Exception {
    Path f = dir.resolve("small.db");
    try (BboltWriter w = BboltWriter.create(f, PS)) {
      BucketWriter b = w.bucket(utf8("key"));
      for (int i = 0; i < 100; i++) {
        b.put(key("k", i), value(i, 100));
      }
      assertThat(Files.size(f)).isZero(); // nothing left the buffer yet
      w.finish();
    }
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(Fixtures.entries(r, "key")).hasSize(100);
      BboltCheck.check(r);
    }
  }

  @Test
  void nodesAcrossManyBufferFlushesAndLargerThanTheBuffer() throws Exception {
    Path f = dir.resolve("big.db");
    List<byte[]> values = new ArrayList<>();
    try (BboltWriter w = writer(f, open(f), 256 * 1024)) {
      BucketWriter b = w.bucket(utf8("key"));
      for (int i = 0; i < 600; i++) {
        // mostly a few pages each; every 100th is 3 MiB, past the 1 MiB buffer
        int len = i % 100 == 99 ? 3 << 20 : 1000 + (i * 7919) % 20_000;
        byte[] v = value(i, len);
        values.add(v);
        b.put(key("k", i), v);
      }
      w.finish();
    }
    try (BboltReader r = BboltReader.open(f)) {
      BboltCheck.check(r);
      List<byte[][]> all = Fixtures.entries(r, "key");
      assertThat(all).hasSize(values.size());
      for (int i = 0; i < values.size(); i++) {
        assertThat(all.get(i)[1]).as("value %d", i).isEqualTo(values.get(i));
      }
      assertPaddingIsZero(r, f);
    }
  }

  /** The bytes of each node's last page past the node itself are zero, though the buffer is reused. */
  private static void assertPaddingIsZero(BboltReader r, Path f) throws IOException {
    byte[] file = Files.readAllBytes(f);
    for (long id = 2; id < r.pageCount(); ) {
      Page p = r.pages().read(id);
      int end = 0;
      if (p.isLeaf() || p.isBranch()) {
        end = Page.HEADER_SIZE + Page.ELEMENT_SIZE * p.count();
        for (int i = 0; i < p.count(); i++) {
          end = Math.max(end, p.keyOffset(i) + p.keyLength(i) + (p.isLeaf() ? p.valueLength(i) : 0));
        }
      }
      int start = (int) (id * PS);
      for (int at = start + end; at < start + p.length(); at++) {
        if (file[at] != 0) {
          throw new AssertionError("page " + id + ": byte " + (at - start) + " past the node is " + file[at]);
        }
      }
      id += 1 + p.overflow();
    }
  }

  @Test
  void backgroundSyncsWhileWritingLeaveAValidFile() throws Exception {
    Path f = dir.resolve("synced.db");
    FaultyFileChannel counting = FaultyFileChannel.syncsFailAfter(open(f), Integer.MAX_VALUE); // counts, never fails
    try (BboltWriter w = writer(f, counting, 64 * 1024)) {
      BucketWriter b = w.bucket(utf8("key"));
      for (int i = 0; i < 3000; i++) {
        b.put(key("k", i), value(i, 2000));
      }
      w.finish();
    }
    assertThat(counting.syncs()).isGreaterThanOrEqualTo(2); // a background sync at the first flush, then the final one
    try (BboltReader r = BboltReader.open(f)) {
      BboltCheck.check(r);
      assertThat(Fixtures.entries(r, "key")).hasSize(3000);
    }
  }

  @Test
  void aFailedBackgroundSyncFailsTheWriter() throws Exception {
    Path f = dir.resolve("failing.db");
    BboltWriter w = writer(f, FaultyFileChannel.syncsFailAfter(open(f), 0), 64 * 1024);
    try (w) {
      BucketWriter b = w.bucket(utf8("key"));
      // reported by a later write, or at the latest by finish
      assertThatThrownBy(() -> {
        for (int i = 0; i < 3000; i++) {
          b.put(key("k", i), value(i, 2000));
        }
        w.finish();
      }).isInstanceOf(IOException.class).hasMessageContaining("background sync failed").hasMessageContaining("injected");
      assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("failed earlier");
      assertThatThrownBy(() -> b.put(key("z", 0), value(0, 1))).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void backgroundSyncStartsAfterEnoughBytesAndReportsItsFailureOnce() throws Exception {
    Path f = dir.resolve("sync.db");
    try (FaultyFileChannel ch = FaultyFileChannel.syncsFailAfter(open(f), 0)) {
      BackgroundSync s = new BackgroundSync(ch, 100, "sync.db");
      s.written(50);
      s.await();
      assertThat(ch.syncs()).isZero();
      s.written(60);
      assertThatThrownBy(s::await).isInstanceOf(IOException.class)
          .hasMessage("sync.db: background sync failed: injected fsync failure");
      assertThat(ch.syncs()).isEqualTo(1);
      s.await(); // reported once
      s.close();
      s.close();
    }
  }

  @Test
  void aFailedFinalSyncFailsFinish() throws Exception {
    Path f = dir.resolve("final.db");
    BboltWriter w = writer(f, FaultyFileChannel.syncsFailAfter(open(f), 0), Long.MAX_VALUE);
    try (w) {
      w.bucket(utf8("key")).put(utf8("a"), utf8("b"));
      w.finishWithoutSync();
      assertThatThrownBy(w::sync).isInstanceOf(IOException.class).hasMessageContaining("injected");
      assertThatThrownBy(w::sync).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void finishWithoutSyncGivesAReadableFileAndSyncFollowsOnce() throws Exception {
    Path f = dir.resolve("split.db");
    try (BboltWriter w = BboltWriter.create(f, PS)) {
      assertThatThrownBy(w::sync).isInstanceOf(IllegalStateException.class);
      BucketWriter b = w.bucket(utf8("key"));
      for (int i = 0; i < 1000; i++) {
        b.put(key("k", i), value(i, 300));
      }
      w.finishWithoutSync();
      try (BboltReader r = BboltReader.open(f)) {
        BboltCheck.check(r);
        assertThat(Fixtures.entries(r, "key")).hasSize(1000);
      }
      assertThatThrownBy(() -> w.bucket(utf8("later"))).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
      w.sync();
      assertThatThrownBy(w::sync).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aWriterFailingMidwayLeavesNoOpenableFile() throws Exception {
    Path f = dir.resolve("midway.db");
    try (BboltWriter w = BboltWriter.create(f, PS)) {
      BucketWriter b = w.bucket(utf8("key"));
      for (int i = 0; i < 2000; i++) {
        b.put(key("k", i), value(i, 1000));
      }
      assertThatThrownBy(() -> b.put(key("k", 5), value(5, 10))).isInstanceOf(IllegalArgumentException.class);
      w.finish(); // an argument error is refused before anything is written: the writer goes on
    }
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(Fixtures.entries(r, "key")).hasSize(2000);
    }
    Path g = dir.resolve("closed-early.db");
    try (BboltWriter w = BboltWriter.create(g, PS)) {
      BucketWriter b = w.bucket(utf8("key"));
      for (int i = 0; i < 2000; i++) {
        b.put(key("k", i), value(i, 1000));
      }
    }
    assertThat(Files.size(g)).isGreaterThan(1 << 20); // flushed buffers, but no metas
    assertThatThrownBy(() -> BboltReader.open(g)).isInstanceOf(IntegrityException.class);
  }

  @Test
  void slicesAndEntryViewsAreCopiedAtOnce() throws Exception {
    Path source = dir.resolve("source.db");
    Fixtures.writeNumbered(source, PS, "key", 5000, 700);
    Path copy = dir.resolve("copy.db");
    try (BboltReader in = BboltReader.open(source); BboltWriter w = BboltWriter.create(copy, PS)) {
      BucketWriter b = w.bucket(utf8("key"));
      in.forEachEntry(utf8("key"), b::put);
      // a slice of a buffer reused at once
      BucketWriter other = w.bucket(utf8("other"));
      byte[] shared = new byte[64];
      for (int i = 0; i < 100; i++) {
        byte[] k = key("o", i);
        System.arraycopy(k, 0, shared, 3, k.length);
        System.arraycopy(value(i, 20), 0, shared, 3 + k.length, 20);
        other.put(shared, 3, k.length, shared, 3 + k.length, 20);
        Arrays.fill(shared, (byte) 0x55);
      }
      w.finish();
    }
    try (BboltReader r = BboltReader.open(copy); BboltReader s = BboltReader.open(source)) {
      BboltCheck.check(r);
      List<byte[][]> a = Fixtures.entries(r, "key");
      List<byte[][]> b = Fixtures.entries(s, "key");
      assertThat(a).hasSameSizeAs(b);
      for (int i = 0; i < a.size(); i++) {
        assertThat(a.get(i)[0]).isEqualTo(b.get(i)[0]);
        assertThat(a.get(i)[1]).isEqualTo(b.get(i)[1]);
      }
      List<byte[][]> o = Fixtures.entries(r, "other");
      assertThat(o).hasSize(100);
      assertThat(o.get(42)[0]).isEqualTo(key("o", 42));
      assertThat(o.get(42)[1]).isEqualTo(value(42, 20));
    }
  }

  @Test
  void slicePutsKeepTheArgumentRules() throws Exception {
    try (BboltWriter w = BboltWriter.create(dir.resolve("rules.db"), PS)) {
      BucketWriter b = w.bucket(utf8("b"));
      byte[] buf = utf8("xxk2yy");
      b.put(buf, 2, 2, buf, 0, 0);
      assertThatThrownBy(() -> b.put(buf, 2, 2, buf, 0, 1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("strictly ascending");
      assertThatThrownBy(() -> b.put(buf, 2, 0, buf, 0, 1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.put(null, new byte[0])).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.put(utf8("k3"), null)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("value of null");
      b.put(utf8("k3"), new byte[0]);
    }
  }
}
