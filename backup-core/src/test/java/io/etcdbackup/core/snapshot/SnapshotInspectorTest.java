package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotInspectorTest {
  @TempDir Path dir;

  @Test
  void crc32cIsCastagnoli() {
    // The CRC catalogue's check value of CRC-32/ISCSI (Castagnoli), Go's crc32.MakeTable(crc32.Castagnoli).
    CRC32C c = new CRC32C();
    c.update(History.bytes("123456789"));
    assertThat(c.getValue()).isEqualTo(0xE3069283L);
  }

  @Test
  void statusHashesEveryBucketNameAndEntryInOrder() throws Exception {
    History h = new History().txn("put a 1").txn("put b 2", "put c 3").txn("del a");
    Path f = dir.resolve("db");
    History.write(f, h.records, -1, -1);

    CRC32C expected = new CRC32C();
    feed(expected, "alarm");
    feed(expected, "auth", "authEnabled");
    expected.update(new byte[] {0});
    feed(expected, "cluster", "clusterVersion", "3.5.0");
    expected.update(EtcdSchema.KEY);
    for (History.Rec r : h.records) {
      expected.update(r.dbKey());
      expected.update(r.dbValue());
    }
    feed(expected, "lease");
    feed(expected, "members");
    feed(expected, "members_removed");
    feed(expected, "meta", "consistent_index");
    expected.update(new byte[] {0, 0, 0, 0, 0, 0, 0, 42});

    SnapshotStatus s = SnapshotInspector.status(f);
    assertThat(s.hash()).isEqualTo(expected.getValue());
    assertThat(s.revision()).isEqualTo(4);
    assertThat(s.totalKey()).isEqualTo(h.records.size() + 3);
    assertThat(s.totalSize()).isEqualTo(Files.size(f));
  }

  @Test
  void noKeyBucketMeansRevisionZero() throws Exception {
    Path f = dir.resolve("nokey.db");
    try (var w = io.etcdbackup.core.bbolt.BboltWriter.create(f, 4096)) {
      w.bucket(EtcdSchema.META).put(EtcdSchema.CONSISTENT_INDEX, new byte[8]);
      w.finish();
    }
    SnapshotStatus s = SnapshotInspector.status(f);
    assertThat(s.revision()).isZero();
    assertThat(s.totalKey()).isEqualTo(1);
  }

  @Test
  void corruptFileFailsTheIntegrityCheck() throws Exception {
    History h = History.random(new java.util.Random(3), 400, 50);
    Path f = dir.resolve("corrupt.db");
    History.write(f, h.records, -1, -1);
    long size = Files.size(f);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x7f}), size - 4096 + 3); // high byte of the root page's id
    }
    assertThatThrownBy(() -> SnapshotInspector.status(f)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("header says page");
  }

  private static void feed(CRC32C c, String... parts) {
    for (String p : parts) {
      c.update(History.bytes(p));
    }
  }
}
