package io.etcdbackup.core.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds bbolt files for tests and patches their bytes to corrupt them. */
final class Fixtures {
  private Fixtures() {}

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Key {@code prefix + i} zero-padded so that numeric and byte order agree. */
  static byte[] key(String prefix, int i) {
    return utf8(String.format("%s%08d", prefix, i));
  }

  /** A deterministic value of {@code len} bytes for key number {@code i}. */
  static byte[] value(int i, int len) {
    byte[] v = new byte[len];
    for (int j = 0; j < len; j++) {
      v[j] = (byte) (i * 31 + j * 7);
    }
    return v;
  }

  /** Writes {@code buckets} (name to ordered entries) with the writer. */
  static void write(Path file, int pageSize, Map<String, TreeMap<String, byte[]>> buckets) throws IOException {
    try (BboltWriter w = BboltWriter.create(file, pageSize)) {
      for (Map.Entry<String, TreeMap<String, byte[]>> b : new TreeMap<>(buckets).entrySet()) {
        BucketWriter bw = w.bucket(utf8(b.getKey()));
        for (Map.Entry<String, byte[]> e : b.getValue().entrySet()) {
          bw.put(utf8(e.getKey()), e.getValue());
        }
      }
      w.finish();
    }
  }

  /** A file with one bucket {@code name} of {@code n} keys {@code k00000000...} with {@code valueLen}-byte values. */
  static void writeNumbered(Path file, int pageSize, String name, int n, int valueLen) throws IOException {
    try (BboltWriter w = BboltWriter.create(file, pageSize)) {
      BucketWriter b = w.bucket(utf8(name));
      for (int i = 0; i < n; i++) {
        b.put(key("k", i), value(i, valueLen));
      }
      w.finish();
    }
  }

  static List<byte[][]> entries(BboltReader r, String bucket) throws IOException {
    List<byte[][]> out = new ArrayList<>();
    r.forEach(utf8(bucket), (k, v) -> out.add(new byte[][] {k, v}));
    return out;
  }

  /** Height of a bucket's tree: 1 for a single leaf, 0 for an inline bucket. */
  static int height(BboltReader r, String bucket) throws IOException {
    BucketRef b = r.bucket(utf8(bucket));
    if (b.isInline()) {
      return 0;
    }
    int h = 1;
    Page p = r.pages().read(b.root());
    while (p.isBranch()) {
      p = r.pages().read(p.child(0));
      h++;
    }
    return h;
  }

  static byte[] readPage(Path file, int pageSize, long id) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(pageSize);
      ch.read(b, id * pageSize);
      return b.array();
    }
  }

  static void writeAt(Path file, long position, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b, position + b.position());
      }
    }
  }

  static void writePage(Path file, int pageSize, long id, byte[] page) throws IOException {
    writeAt(file, id * pageSize, page);
  }

  /** Rewrites both meta pages (txids 0 and 1, as the writer does) with valid checksums. */
  static void rewriteMetas(Path file, int pageSize, long root, long freelist, long pgid) throws IOException {
    for (int i = 0; i < 2; i++) {
      byte[] meta = new byte[pageSize];
      Meta.write(meta, i, pageSize, root, freelist, pgid, i);
      writePage(file, pageSize, i, meta);
    }
  }

  /** Offset within its page of leaf element {@code i}'s key. */
  static int leafKeyOffset(byte[] page, int i) {
    int e = Page.HEADER_SIZE + Page.ELEMENT_SIZE * i;
    return e + (int) Le.u32(page, e + 4);
  }

  /** Offset within its page of the child pointer of branch element {@code i}. */
  static int branchChildOffset(int i) {
    return Page.HEADER_SIZE + Page.ELEMENT_SIZE * i + 8;
  }
}
