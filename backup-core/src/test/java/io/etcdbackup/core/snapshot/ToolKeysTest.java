package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.bbolt.BboltReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tool's own keys in a snapshot: alone, and as a visitor of the pass that checks the db. */
class ToolKeysTest {
  @TempDir
  Path dir;

  @Test
  void liveKeysUnderThePrefixAreFoundAloneAndInTheCheckingPass() throws IOException {
    History h = new History()
        .txn("put /registry/a 1")
        .txn("put /etcd-backup/lock/held x", "put /etcd-backup/holder/held y")
        .txn("put /etcd-backup/lock/gone x")
        .txn("del /etcd-backup/lock/gone")
        .txn("put /etcd-backupx/not-ours z");
    List<History.Rec> records = new ArrayList<>(h.records);
    // a value that is no mvccpb.KeyValue (a truncated length) is not one of ours, and no failure
    records.add(new History.Rec(99, 0, "?", false, Revisions.encode(99, 0), new byte[] {0x0a, 0x7f, '/'}));
    Path db = dir.resolve("db");
    History.write(db, records, -1, -1);

    List<String> expected = List.of("/etcd-backup/holder/held", "/etcd-backup/lock/held");
    assertThat(ToolKeys.live(db)).isEqualTo(expected);
    ToolKeys.Finder finder = new ToolKeys.Finder();
    try (BboltReader r = BboltReader.open(db)) {
      SnapshotStatus status = SnapshotInspector.status(r, finder);
      assertThat(status).isEqualTo(SnapshotInspector.status(db));
    }
    assertThat(finder.live()).isEqualTo(expected);
  }
}
