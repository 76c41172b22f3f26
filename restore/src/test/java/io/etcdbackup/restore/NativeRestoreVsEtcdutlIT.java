package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native restore against {@code etcdutl snapshot restore} 3.5.30 on the same snapshot of a
 * real three-member etcd 3.5.30 (auth on, a history with updates, deletes, a lease, a compaction;
 * the old membership must disappear from the db) with the same
 * flags: WAL byte-identical up to etcdutl's zero tail, .snap byte-identical, same ids, and the db
 * logically identical (every bucket, key and value; and the same {@code snapshot status} hash).
 */
class NativeRestoreVsEtcdutlIT {
  private static final String TOKEN = "restore-format-it";
  private static final String CLUSTER3 =
      "m1=http://127.0.0.1:23801,m2=http://127.0.0.1:23802,m3=http://127.0.0.1:23803";

  @RegisterExtension
  static final EtcdClusterExtension SOURCE =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(3).auth("root-secret"));

  @TempDir
  static Path shared;
  private static SourceHistory.Snapshot snapshot;
  private static long sourceRevision;

  @BeforeAll
  static void writeHistoryAndSnapshot() throws Exception {
    SourceHistory.write(SOURCE.cluster().client());
    snapshot = SourceHistory.snapshot(SOURCE.cluster().client(), shared);
    sourceRevision = Etcdutl.status(snapshot.rawDb()).revision();
    assertThat(DbContent.read(snapshot.rawDb()).get("members")).as("the source's own members").hasSize(3);
  }

  @Test
  void oneMemberIsIdenticalToEtcdutls(@TempDir Path dir) throws Exception {
    Path reference = dir.resolve("etcdutl/m1.etcd");
    Etcdutl.restore(snapshot.withTrailer(), dir, "--name", "m1", "--initial-cluster", "m1=http://127.0.0.1:23801",
        "--initial-cluster-token", TOKEN, "--initial-advertise-peer-urls", "http://127.0.0.1:23801",
        "--data-dir", reference.toString());

    RestoredMember m = DataDirWriter.writeMember(snapshot.rawDb(), RestoreConfig.builder().name("m1")
        .initialCluster("m1=http://127.0.0.1:23801").initialClusterToken(TOKEN)
        .initialAdvertisePeerUrls("http://127.0.0.1:23801").dataDir(dir.resolve("native/m1.etcd")).build());

    assertSameAsEtcdutl(m, reference, reference.resolve("member/wal"));
    assertThat(m.revision()).isEqualTo(sourceRevision);
  }

  @Test
  void threeMembersAreIdenticalToEtcdutlsOneByOne(@TempDir Path dir) throws Exception {
    List<RestoredMember> members = DataDirWriter.writeCluster(snapshot.rawDb(), dir.resolve("native"),
        RestoreConfig.builder().name("m1").initialCluster(CLUSTER3).initialClusterToken(TOKEN)
            .initialAdvertisePeerUrls("http://127.0.0.1:23801").build());

    assertThat(members).extracting(RestoredMember::name).containsExactlyInAnyOrder("m1", "m2", "m3");
    assertThat(members).extracting(RestoredMember::clusterId).containsOnly(members.get(0).clusterId());
    assertThat(members).extracting(RestoredMember::memberId).doesNotHaveDuplicates();
    for (RestoredMember m : members) {
      Path reference = dir.resolve("etcdutl").resolve(m.name() + ".etcd");
      String port = "2380" + m.name().substring(1);
      Etcdutl.restore(snapshot.withTrailer(), dir, "--name", m.name(), "--initial-cluster", CLUSTER3,
          "--initial-cluster-token", TOKEN, "--initial-advertise-peer-urls", "http://127.0.0.1:" + port,
          "--data-dir", reference.toString());
      assertThat(m.dataDir()).isEqualTo(dir.resolve("native").resolve(m.name() + ".etcd"));
      assertSameAsEtcdutl(m, reference, reference.resolve("member/wal"));
    }
  }

  @Test
  void bumpedAndCompactedDbIsIdenticalToEtcdutls(@TempDir Path dir) throws Exception {
    Path reference = dir.resolve("etcdutl/m1.etcd");
    Etcdutl.restore(snapshot.withTrailer(), dir, "--name", "m1", "--initial-cluster", "m1=http://127.0.0.1:23801",
        "--initial-cluster-token", TOKEN, "--initial-advertise-peer-urls", "http://127.0.0.1:23801",
        "--data-dir", reference.toString(), "--bump-revision", "1000000", "--mark-compacted");

    RestoredMember m = DataDirWriter.writeMember(snapshot.rawDb(), RestoreConfig.builder().name("m1")
        .initialCluster("m1=http://127.0.0.1:23801").initialClusterToken(TOKEN)
        .initialAdvertisePeerUrls("http://127.0.0.1:23801").dataDir(dir.resolve("native/m1.etcd"))
        .bumpRevision(1_000_000).markCompacted(true).build());

    assertSameAsEtcdutl(m, reference, reference.resolve("member/wal"));
    assertThat(m.revision()).isEqualTo(sourceRevision + 1_000_000);
    assertThat(Etcdutl.status(m.dataDir().resolve("member/snap/db")).revision()).isEqualTo(sourceRevision + 1_000_000);
  }

  @Test
  void dedicatedWalDirAndPreallocationGiveEtcdutlsExactWalFile(@TempDir Path dir) throws Exception {
    Path reference = dir.resolve("etcdutl/m1.etcd");
    Path referenceWal = dir.resolve("etcdutl/wal");
    Etcdutl.restore(snapshot.withTrailer(), dir, "--name", "m1", "--initial-cluster", "m1=http://127.0.0.1:23801",
        "--initial-cluster-token", TOKEN, "--initial-advertise-peer-urls", "http://127.0.0.1:23801",
        "--data-dir", reference.toString(), "--wal-dir", referenceWal.toString());

    RestoredMember m = DataDirWriter.writeMember(snapshot.rawDb(), RestoreConfig.builder().name("m1")
        .initialCluster("m1=http://127.0.0.1:23801").initialClusterToken(TOKEN)
        .initialAdvertisePeerUrls("http://127.0.0.1:23801").dataDir(dir.resolve("native/m1.etcd"))
        .walDir(dir.resolve("native/wal")).preallocateWal(true).build());

    assertSameAsEtcdutl(m, reference, referenceWal);
    Path nativeWal = m.walDir().resolve(WalFile.FILE_NAME);
    assertThat(Files.size(nativeWal)).isEqualTo(64_000_000L);
    assertThat(Files.mismatch(nativeWal, referenceWal.resolve(WalFile.FILE_NAME))).isEqualTo(-1L);
    assertThat(m.etcdFlags()).containsSubsequence("--wal-dir", m.walDir().toString());
  }

  /** Compares one native member data dir (and WAL dir) with the one etcdutl wrote. */
  static void assertSameAsEtcdutl(RestoredMember m, Path reference, Path referenceWal) throws IOException {
    assertThat(files(m.dataDir().resolve("member/snap"))).isEqualTo(files(reference.resolve("member/snap")));
    assertThat(files(m.walDir())).isEqualTo(files(referenceWal)).containsExactly(WalFile.FILE_NAME);

    byte[] nativeWal = Files.readAllBytes(m.walDir().resolve(WalFile.FILE_NAME));
    byte[] etcdutlWal = Files.readAllBytes(referenceWal.resolve(WalFile.FILE_NAME));
    assertThat(etcdutlWal).hasSize(64_000_000);
    GoldenFilesTest.assertWalMatches(trimmedToContent(nativeWal), etcdutlWal);

    for (String f : files(reference.resolve("member/snap"))) {
      if (f.endsWith(".snap")) {
        assertThat(Files.mismatch(m.dataDir().resolve("member/snap").resolve(f), reference.resolve("member/snap").resolve(f)))
            .as(f).isEqualTo(-1L);
      }
    }

    WalMetadata ids = WalMetadata.read(referenceWal.resolve(WalFile.FILE_NAME));
    assertThat(Long.toHexString(ids.memberId())).isEqualTo(m.memberIdHex());
    assertThat(Long.toHexString(ids.clusterId())).isEqualTo(m.clusterIdHex());

    Path nativeDb = m.dataDir().resolve("member/snap/db");
    Path etcdutlDb = reference.resolve("member/snap/db");
    assertThat(DbContent.read(nativeDb)).isEqualTo(DbContent.read(etcdutlDb));
    Etcdutl.Status ns = Etcdutl.status(nativeDb);
    Etcdutl.Status es = Etcdutl.status(etcdutlDb);
    assertThat(ns.hash()).isEqualTo(es.hash());
    assertThat(ns.revision()).isEqualTo(es.revision());
    assertThat(ns.totalKey()).isEqualTo(es.totalKey());

    assertThat(mode(nativeDb)).isEqualTo("rw-------");
    assertThat(mode(m.walDir().resolve(WalFile.FILE_NAME))).isEqualTo("rw-------");
    assertThat(mode(m.dataDir())).isEqualTo("rwx------");
    assertThat(mode(m.walDir())).isEqualTo("rwx------");
    assertThat(Files.exists(m.dataDir().resolveSibling(m.dataDir().getFileName() + ".part"))).isFalse();
  }

  /** The WAL without a preallocated tail (the tests compare the tail separately). */
  private static byte[] trimmedToContent(byte[] wal) {
    return wal.length == 64_000_000 ? java.util.Arrays.copyOf(wal, contentLength(wal)) : wal;
  }

  /** Frames until a zero length word, as etcd's decoder reads them. */
  private static int contentLength(byte[] wal) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(wal).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    while (b.remaining() >= 8) {
      int start = b.position();
      long word = b.getLong();
      if (word == 0) {
        return start;
      }
      int len = (int) (word & 0x00FF_FFFF_FFFF_FFFFL);
      int pad = word < 0 ? (int) ((word >>> 56) & 0x7) : 0;
      b.position(b.position() + len + pad);
    }
    return b.position();
  }

  private static Set<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
