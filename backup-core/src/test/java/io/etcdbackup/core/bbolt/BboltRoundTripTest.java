package io.etcdbackup.core.bbolt;

import static io.etcdbackup.core.bbolt.Fixtures.key;
import static io.etcdbackup.core.bbolt.Fixtures.str;
import static io.etcdbackup.core.bbolt.Fixtures.utf8;
import static io.etcdbackup.core.bbolt.Fixtures.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.NotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the writer writes, the reader reads back, and the checker accepts. */
class BboltRoundTripTest {
  @TempDir Path dir;

  @Test
  void databaseWithoutBuckets() throws Exception {
    Path f = dir.resolve("empty.db");
    try (BboltWriter w = BboltWriter.create(f, 4096)) {
      w.finish();
    }
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(r.bucketNames()).isEmpty();
      assertThat(r.pageCount()).isEqualTo(3); // two metas and the empty root leaf
      assertThat(r.totalSize()).isEqualTo(3 * 4096).isEqualTo(Files.size(f));
      assertThat(r.txid()).isEqualTo(1);
      BboltCheck.check(r);
    }
  }

  @Test
  void emptyBucketsAreInlineAndEmpty() throws Exception {
    Path f = dir.resolve("buckets.db");
    Fixtures.write(f, 4096, Map.of("alarm", new TreeMap<>(), "auth", new TreeMap<>(), "key", new TreeMap<>()));
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(r.bucketNames()).extracting(Fixtures::str).containsExactly("alarm", "auth", "key");
      assertThat(r.hasBucket(utf8("auth"))).isTrue();
      assertThat(r.hasBucket(utf8("authRoles"))).isFalse();
      assertThat(Fixtures.entries(r, "key")).isEmpty();
      assertThat(r.lastKey(utf8("key"))).isNull();
      assertThat(r.get(utf8("key"), utf8("x"))).isNull();
      assertThat(r.bucket(utf8("alarm")).isInline()).isTrue();
      BboltCheck.check(r);
    }
  }

  @Test
  void smallBucketIsInlineAndOneByteMoreIsNot() throws Exception {
    // 16 + (16 + 8 + 984) = 1024 = pageSize / 4: the largest inline bucket (bbolt bucket.inlineable).
    TreeMap<String, byte[]> fits = new TreeMap<>(Map.of("k0000001", value(1, 984)));
    TreeMap<String, byte[]> over = new TreeMap<>(Map.of("k0000001", value(1, 985)));
    Path f = dir.resolve("inline.db");
    Fixtures.write(f, 4096, Map.of("fits", fits, "over", over));
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(r.bucket(utf8("fits")).isInline()).isTrue();
      assertThat(r.bucket(utf8("over")).isInline()).isFalse();
      assertThat(r.get(utf8("fits"), utf8("k0000001"))).isEqualTo(value(1, 984));
      assertThat(r.get(utf8("over"), utf8("k0000001"))).isEqualTo(value(1, 985));
      assertThat(r.lastKey(utf8("fits"))).isEqualTo(utf8("k0000001"));
      BboltCheck.check(r);
    }
  }

  @Test
  void manyLongKeysSpanSeveralBranchLevels() throws Exception {
    Path f = dir.resolve("deep.db");
    int n = 20_000;
    String pad = "p".repeat(600);
    try (BboltWriter w = BboltWriter.create(f, 4096)) {
      BucketWriter b = w.bucket(utf8("deep"));
      for (int i = 0; i < n; i++) {
        b.put(utf8(pad + String.format("%08d", i)), value(i, 10));
      }
      w.finish();
    }
    try (BboltReader r = BboltReader.open(f)) {
      // 6 leaf entries a page and 6 branch entries a page: 20000 keys need 6 levels.
      assertThat(Fixtures.height(r, "deep")).isGreaterThanOrEqualTo(5);
      List<byte[][]> all = Fixtures.entries(r, "deep");
      assertThat(all).hasSize(n);
      for (int i = 0; i < n; i += 997) {
        assertThat(str(all.get(i)[0])).isEqualTo(pad + String.format("%08d", i));
        assertThat(r.get(utf8("deep"), all.get(i)[0])).isEqualTo(value(i, 10));
      }
      assertThat(str(r.lastKey(utf8("deep")))).isEqualTo(pad + String.format("%08d", n - 1));
      assertThat(r.get(utf8("deep"), utf8(pad))).isNull();
      BboltCheck.check(r);
    }
  }

  @Test
  void valueOfThreePagesGetsItsOwnOverflowNode() throws Exception {
    Path f = dir.resolve("big.db");
    byte[] big = value(7, 3 * 4096 - 100);
    try (BboltWriter w = BboltWriter.create(f, 4096)) {
      BucketWriter b = w.bucket(utf8("b"));
      b.put(utf8("a"), value(1, 100));
      b.put(utf8("big"), big);
      b.put(utf8("c"), value(3, 100));
      w.finish();
    }
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(r.get(utf8("b"), utf8("big"))).isEqualTo(big);
      assertThat(Fixtures.entries(r, "b")).extracting(e -> str(e[0])).containsExactly("a", "big", "c");
      assertThat(r.lastKey(utf8("b"))).isEqualTo(utf8("c"));
      Tree.Hit hit = Tree.find(r.pages(), r.bucket(utf8("b")), utf8("big"));
      assertThat(hit.page().overflow()).isEqualTo(2);
      assertThat(hit.page().count()).isEqualTo(1);
      BboltCheck.check(r);
    }
  }

  @Test
  void hundredThousandKeysReadBackInOrder() throws Exception {
    Path f = dir.resolve("100k.db");
    int n = 100_000;
    Fixtures.writeNumbered(f, 4096, "key", n, 40);
    try (BboltReader r = BboltReader.open(f)) {
      int[] seen = {0};
      List<Integer> wrong = new java.util.ArrayList<>();
      r.forEach(utf8("key"), (k, v) -> {
        if (!java.util.Arrays.equals(k, key("k", seen[0])) || !java.util.Arrays.equals(v, value(seen[0], 40))) {
          wrong.add(seen[0]);
        }
        seen[0]++;
      });
      assertThat(seen[0]).isEqualTo(n);
      assertThat(wrong).isEmpty();
      assertThat(r.get(utf8("key"), key("k", 54_321))).isEqualTo(value(54_321, 40));
      assertThat(r.get(utf8("key"), key("k", n))).isNull();
      assertThat(r.lastKey(utf8("key"))).isEqualTo(key("k", n - 1));
      assertThat(Fixtures.height(r, "key")).isEqualTo(3);
      assertThat(Files.size(f)).isEqualTo(r.totalSize());
      BboltCheck.check(r);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1024, 16384, 65536})
  void otherPageSizesComeFromTheMetaPage(int pageSize) throws Exception {
    Path f = dir.resolve("ps" + pageSize + ".db");
    Fixtures.writeNumbered(f, pageSize, "key", 5_000, 300);
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(r.pageSize()).isEqualTo(pageSize);
      assertThat(Fixtures.entries(r, "key")).hasSize(5_000);
      assertThat(r.get(utf8("key"), key("k", 4_999))).isEqualTo(value(4_999, 300));
      BboltCheck.check(r);
    }
  }

  @Test
  void trailingBytesPastTheHighWaterMarkAreIgnored() throws Exception {
    Path f = dir.resolve("trailer.db");
    Fixtures.writeNumbered(f, 4096, "key", 10, 10);
    long size = Files.size(f);
    Files.write(f, new byte[32], java.nio.file.StandardOpenOption.APPEND);
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(r.totalSize()).isEqualTo(size);
      BboltCheck.check(r);
    }
  }

  @Test
  void missingBucketIsNotFound() throws Exception {
    Path f = dir.resolve("nf.db");
    Fixtures.writeNumbered(f, 4096, "key", 10, 10);
    try (BboltReader r = BboltReader.open(f)) {
      assertThatThrownBy(() -> r.forEach(utf8("lease"), (k, v) -> { }))
          .isInstanceOf(NotFoundException.class).hasMessageContaining("no bucket lease");
      assertThatThrownBy(() -> r.get(utf8("lease"), utf8("k"))).isInstanceOf(NotFoundException.class);
      assertThatThrownBy(() -> r.lastKey(utf8("lease"))).isInstanceOf(NotFoundException.class);
    }
  }

  @Test
  void writerRefusesOutOfOrderNamesAndKeys() throws Exception {
    try (BboltWriter w = BboltWriter.create(dir.resolve("order.db"), 4096)) {
      BucketWriter b = w.bucket(utf8("b"));
      b.put(utf8("k2"), new byte[0]);
      assertThatThrownBy(() -> b.put(utf8("k2"), new byte[0]))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strictly ascending");
      assertThatThrownBy(() -> b.put(utf8("k1"), new byte[0])).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.put(new byte[0], new byte[0])).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> w.bucket(utf8("a"))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("strictly ascending");
      assertThatThrownBy(() -> w.bucket(utf8("b"))).isInstanceOf(IllegalArgumentException.class);
      w.bucket(utf8("c"));
      assertThatThrownBy(() -> b.put(utf8("k3"), new byte[0]))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("finished");
    }
  }

  @Test
  void unfinishedFileCannotBeOpened() throws Exception {
    Path f = dir.resolve("unfinished.db");
    try (BboltWriter w = BboltWriter.create(f, 4096)) {
      BucketWriter b = w.bucket(utf8("key"));
      for (int i = 0; i < 1000; i++) {
        b.put(key("k", i), value(i, 100));
      }
    }
    assertThatThrownBy(() -> BboltReader.open(f)).isInstanceOf(io.etcdbackup.core.IntegrityException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("no valid meta page");
  }

  @Test
  void bucketsKeepBboltOrderOfUnsignedBytes() throws Exception {
    Path f = dir.resolve("unsigned.db");
    byte[] high = {(byte) 0xC3, (byte) 0xA9};
    try (BboltWriter w = BboltWriter.create(f, 4096)) {
      w.bucket(utf8("Z"));
      w.bucket(utf8("a"));
      BucketWriter b = w.bucket(high);
      b.put(new byte[] {0x01}, new byte[] {1});
      b.put(new byte[] {(byte) 0x80}, new byte[] {2});
      b.put(new byte[] {(byte) 0xFF}, new byte[] {3});
      b.put(new byte[] {(byte) 0xFF, 0x00}, new byte[] {4});
      w.finish();
    }
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(r.bucketNames()).containsExactly(utf8("Z"), utf8("a"), high);
      assertThat(Fixtures.entries(r, new String(high, java.nio.charset.StandardCharsets.UTF_8)))
          .extracting(e -> e[1][0]).containsExactly((byte) 1, (byte) 2, (byte) 3, (byte) 4);
      BboltCheck.check(r);
    }
  }

  @Test
  void checkVisitsManyBucketsWhileReadingTheirTrees() throws Exception {
    // 300 top-level buckets: the root bucket spans several leaves under a branch, and each of its
    // leaves stays in use while the trees of its buckets are read.
    Path f = dir.resolve("many.db");
    List<String> expected = new java.util.ArrayList<>();
    try (BboltWriter w = BboltWriter.create(f, 4096)) {
      for (int b = 0; b < 300; b++) {
        String name = String.format("bucket-%04d", b);
        BucketWriter bw = w.bucket(utf8(name));
        int n = b % 3 == 0 ? 0 : b % 3 == 1 ? 2 : 40;
        for (int i = 0; i < n; i++) {
          bw.put(key("k", i), value(b + i, b % 7 == 0 ? 5000 : 300));
          expected.add(name + "/" + str(key("k", i)) + "/" + java.util.Arrays.hashCode(value(b + i, b % 7 == 0 ? 5000 : 300)));
        }
      }
      w.finish();
    }
    try (BboltReader r = BboltReader.open(f)) {
      assertThat(Fixtures.height(r, "bucket-0002")).isGreaterThanOrEqualTo(2);
      Page root = r.pages().read(r.meta().root());
      assertThat(root.isBranch()).isTrue();
      List<String> copies = new java.util.ArrayList<>();
      String[] current = {null};
      BboltCheck.check(r, new BucketVisitor() {
        @Override
        public void bucket(byte[] name) {
          current[0] = str(name);
        }

        @Override
        public void entry(byte[] key, byte[] value) {
          copies.add(current[0] + "/" + str(key) + "/" + java.util.Arrays.hashCode(value));
        }
      });
      List<String> views = new java.util.ArrayList<>();
      BboltCheck.check(r, new BucketEntryVisitor() {
        @Override
        public void bucket(byte[] name) {
          current[0] = str(name);
        }

        @Override
        public void entry(EntryView e) {
          views.add(current[0] + "/" + str(e.key()) + "/" + java.util.Arrays.hashCode(e.value()));
        }
      });
      assertThat(copies).isEqualTo(expected);
      assertThat(views).isEqualTo(expected);
    }
  }
}
