package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.bbolt.BboltCheck;
import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SnapshotInspector#status} equals etcd's own {@code snapshot status} on snapshots saved by
 * {@code etcdctl snapshot save} of etcd 3.4.23 and 3.5.30: a tiny one, one after a history of
 * updates, deletes, a lease and a compaction, and one of about 200 MB, which is also checked,
 * hashed and copied with the streaming writer in a JVM with a 32 MB heap.
 */
@ExtendWith(EtcdClusterExtension.class)
class SnapshotStatusIT {
  private static final int BULK_VALUES = 10_000;
  private static final int BULK_VALUE_SIZE = 19 * 1024;

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void statusEqualsEtcdsOwn(EtcdVersion version) throws Exception {
    try (EtcdCluster c = EtcdCluster.builder().version(version).members(1).start()) {
      RealEtcd.put(c.client().getKVClient(), "/tiny", "1");
      Path tiny = RealEtcd.save(c, dir.resolve("tiny.db"));
      SnapshotStatus tinyStatus = assertSameAsEtcd(version, tiny);
      assertThat(tinyStatus.revision()).isEqualTo(2);

      RealEtcd.Marks marks = RealEtcd.writeHistory(c.client());
      Path history = RealEtcd.save(c, dir.resolve("history.db"));
      SnapshotStatus historyStatus = assertSameAsEtcd(version, history);
      assertThat(historyStatus.revision()).isEqualTo(marks.current());

      long t0 = System.nanoTime();
      int txns = RealEtcd.load(c.client(), "/bulk/", BULK_VALUES, BULK_VALUE_SIZE, 50, 4);
      long t1 = System.nanoTime();
      Path big = RealEtcd.save(c, dir.resolve("big.db"));
      long t2 = System.nanoTime();
      assertThat(Files.size(big)).isGreaterThan(200_000_000L);
      SnapshotStatus bigStatus = assertSameAsEtcd(version, big);
      long t3 = System.nanoTime();
      System.out.printf("[SnapshotStatusIT] %s: load %d ms, snapshot save %d ms, checks %d ms%n", version.version(),
          (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
      assertThat(bigStatus.revision()).isEqualTo(marks.current() + txns);
      assertStatusInSmallHeap(big, bigStatus);
    }
  }

  /** Trailer, bbolt check and status against etcdutl 3.5.30 (and etcdctl 3.4.23 for 3.4 files). */
  private static SnapshotStatus assertSameAsEtcd(EtcdVersion version, Path snapshot) throws Exception {
    long t0 = System.nanoTime();
    long dbLength = SnapshotFile.verifyTrailer(snapshot);
    long t1 = System.nanoTime();
    SnapshotStatus ours = SnapshotInspector.status(snapshot);
    long t2 = System.nanoTime();
    assertThat(ours).isEqualTo(RealEtcd.etcdutlStatus(snapshot));
    long t3 = System.nanoTime();
    if (version == EtcdVersion.V3_4) {
      assertThat(ours).isEqualTo(RealEtcd.etcdctl34Status(snapshot));
    }
    System.out.printf("[SnapshotStatusIT] %s %s: trailer %d ms, status %d ms, etcdutl %d ms, etcdctl 3.4 %d ms%n",
        version.version(), snapshot.getFileName(), (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
        (t3 - t2) / 1_000_000, (System.nanoTime() - t3) / 1_000_000);
    assertThat(ours.totalSize()).isEqualTo(dbLength);
    try (BboltReader r = BboltReader.open(snapshot)) {
      BboltCheck.check(r);
      assertThat(r.totalSize()).isEqualTo(dbLength);
    }
    return ours;
  }

  private static void assertStatusInSmallHeap(Path db, SnapshotStatus expected) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Exec.Result r = Exec.run(List.of(java, "-Xmx32m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        BoundedMemoryMain.class.getName(), db.toString(), db.resolveSibling("copy.db").toString()), db.getParent(),
        Duration.ofSeconds(120));
    String out = r.stdoutOrThrow();
    System.out.println("[SnapshotStatusIT] " + db.getFileName() + " (" + Files.size(db) + " bytes) in -Xmx32m: "
        + out.replace('\n', ';'));
    assertThat(out).contains("status " + expected.hash() + " " + expected.revision() + " " + expected.totalKey()
        + " " + expected.totalSize());
    assertThat(out).contains("copy " + expected.hash() + " " + expected.revision() + " " + expected.totalKey());
  }
}
