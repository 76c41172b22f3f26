package io.etcdbackup.restore;

import io.etcdbackup.core.bbolt.BboltReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every bucket and key/value of a bbolt file, in bbolt order, for logical comparison of two dbs. */
final class DbContent {
  private DbContent() {}

  /** Bucket name → "hex(key)=hex(value)" lines in key order; text keys and values are also shown readably. */
  static Map<String, List<String>> read(Path db) throws IOException {
    Map<String, List<String>> out = new LinkedHashMap<>();
    try (BboltReader r = BboltReader.open(db)) {
      for (byte[] bucket : r.bucketNames()) {
        List<String> lines = new ArrayList<>();
        r.forEach(bucket, (k, v) -> lines.add(show(k) + "=" + show(v)));
        out.put(new String(bucket, StandardCharsets.UTF_8), lines);
      }
    }
    return out;
  }

  private static String show(byte[] b) {
    boolean text = b.length > 0;
    for (byte x : b) {
      text &= x >= 0x20 && x < 0x7f;
    }
    return text ? "'" + new String(b, StandardCharsets.US_ASCII) + "'" : HexFormat.of().formatHex(b);
  }
}
