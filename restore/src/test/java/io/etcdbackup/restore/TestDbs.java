package io.etcdbackup.restore;

import io.etcdbackup.core.bbolt.BboltWriter;
import io.etcdbackup.core.bbolt.BucketWriter;
import io.etcdbackup.core.snapshot.Revisions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;

/** Small etcd-shaped bbolt files for unit tests, written with the project's bbolt writer. */
final class TestDbs {
  private TestDbs() {}

  /** Writes {@code buckets} (names and keys given in ascending order) to a new file. */
  static Path write(Path file, SortedMap<String, SortedMap<String, byte[]>> buckets) throws IOException {
    try (BboltWriter w = BboltWriter.create(file, 4096)) {
      for (Map.Entry<String, SortedMap<String, byte[]>> b : buckets.entrySet()) {
        BucketWriter bw = w.bucket(ascii(b.getKey()));
        for (Map.Entry<String, byte[]> kv : b.getValue().entrySet()) {
          bw.put(key(kv.getKey()), kv.getValue());
        }
      }
      w.finish();
    }
    return file;
  }

  /** Keys starting with {@code rev:} are etcd revisions: {@code rev:5} is rev(5, 0), {@code rev:5t} a tombstone. */
  static byte[] key(String k) {
    if (k.startsWith("rev:")) {
      boolean tombstone = k.endsWith("t");
      long main = Long.parseLong(k.substring(4, k.length() - (tombstone ? 1 : 0)));
      byte[] rev = Revisions.encode(main, 0);
      if (!tombstone) {
        return rev;
      }
      byte[] t = java.util.Arrays.copyOf(rev, 18);
      t[17] = 't';
      return t;
    }
    return ascii(k);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
