package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live keys: a key counts once, while its newest revision is not a delete (the drill compares this with etcd's count). */
class LiveKeysTest {
  @TempDir Path dir;

  @Test
  void countsEachKeyWhoseNewestRevisionIsNotADelete() throws Exception {
    History h = new History().txn("put a 1").txn("put b 2").txn("put a 3").txn("del b").txn("put c 4", "put d 5")
        .txn("del c").txn("put c 6");
    Path f = dir.resolve("live.db");
    History.write(f, h.records, -1, -1);
    assertThat(LiveKeys.count(f)).isEqualTo(3); // a, c, d; b deleted
  }

  @Test
  void aDbWithEveryKeyDeletedHasNone() throws Exception {
    History h = new History().txn("put a 1").txn("del a");
    Path f = dir.resolve("none.db");
    History.write(f, h.records, -1, -1);
    assertThat(LiveKeys.count(f)).isZero();
  }
}
