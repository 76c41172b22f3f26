package io.etcdbackup.restore;

import static io.etcdbackup.restore.TestDbs.ascii;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.RefusedException;
import io.etcdbackup.core.snapshot.EtcdSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirWriterTest {
  private static final String CLUSTER = "m1=http://127.0.0.1:24801,m2=http://127.0.0.1:24802";

  @TempDir
  Path dir;
  private Path db;

  @BeforeEach
  void sourceDb() throws IOException {
    SortedMap<String, SortedMap<String, byte[]>> b = new TreeMap<>();
    b.put("key", new TreeMap<>(Map.of("rev:2", ascii("kv2"))));
    b.put("meta", new TreeMap<>(Map.of("consistent_index", EtcdSchema.encodeU64(9))));
    db = TestDbs.write(dir.resolve("source.db"), b);
  }

  private RestoreConfig.Builder m1() {
    return RestoreConfig.builder().name("m1").initialCluster(CLUSTER).initialClusterToken("rtok")
        .initialAdvertisePeerUrls("http://127.0.0.1:24801");
  }

  @Test
  void writesTheMemberLayoutWithPrivateModes() throws IOException {
    Path data = dir.resolve("out/m1.etcd");
    RestoredMember m = DataDirWriter.writeMember(db, m1().dataDir(data).build());

    assertThat(tree(data)).containsExactly(
        "member/", "member/snap/", "member/snap/0000000000000001-0000000000000002.snap", "member/snap/db",
        "member/wal/", "member/wal/0000000000000000-0000000000000000.wal");
    for (String d : List.of("", "member", "member/snap", "member/wal")) {
      assertThat(mode(data.resolve(d))).as(d).isEqualTo("rwx------");
    }
    for (String f : List.of("member/snap/db", "member/wal/" + WalFile.FILE_NAME, "member/snap/" + SnapFile.fileName(m1().build().plan()))) {
      assertThat(mode(data.resolve(f))).as(f).isEqualTo("rw-------");
    }
    assertThat(Files.size(data.resolve("member/wal/" + WalFile.FILE_NAME))).isLessThan(1024);
    assertThat(tree(dir.resolve("out"))).noneMatch(p -> p.contains(".part"));

    assertThat(m.dataDir()).isEqualTo(data);
    assertThat(m.walDir()).isEqualTo(data.resolve("member/wal"));
    assertThat(m.revision()).isEqualTo(2);
    assertThat(m.memberIdHex()).isEqualTo(m1().build().localMember().idHex());
    assertThat(m.etcdFlags()).containsExactly("--name", "m1", "--data-dir", data.toString(),
        "--initial-advertise-peer-urls", "http://127.0.0.1:24801", "--initial-cluster", CLUSTER,
        "--initial-cluster-token", "rtok");
  }

  @Test
  void preallocationMakesASparseSegmentOfEtcdsSize() throws IOException {
    RestoredMember m = DataDirWriter.writeMember(db, m1().dataDir(dir.resolve("m1.etcd")).preallocateWal(true).build());

    Path wal = m.walDir().resolve(WalFile.FILE_NAME);
    assertThat(Files.size(wal)).isEqualTo(64_000_000L);
    // stat %b: 512-byte blocks allocated; a sparse tail allocates none of its 64 MB
    var stat = io.etcdbackup.testing.Exec.run(List.of("stat", "-c", "%b", wal.toString()), dir,
        java.time.Duration.ofSeconds(10));
    assertThat(Long.parseLong(stat.stdoutOrThrow().trim()) * 512).isLessThan(1_000_000L);
  }

  @Test
  void fillsAnExistingEmptyDataDirInPlace() throws IOException {
    Path data = Files.createDirectory(dir.resolve("mounted"));

    DataDirWriter.writeMember(db, m1().dataDir(data).build());

    assertThat(tree(data)).contains("member/snap/db", "member/wal/" + WalFile.FILE_NAME).noneMatch(p -> p.contains(".part"));
  }

  @Test
  void refusesANonEmptyDataDirAndLeavesItAlone() throws IOException {
    Path data = Files.createDirectory(dir.resolve("busy"));
    Files.writeString(data.resolve("precious"), "x");

    assertThatThrownBy(() -> DataDirWriter.writeMember(db, m1().dataDir(data).build()))
        .isInstanceOf(RefusedException.class).hasMessageContaining("is not empty");
    assertThat(tree(data)).containsExactly("precious");
  }

  @Test
  void refusesAnExistingWalDir() throws IOException {
    Path wal = Files.createDirectory(dir.resolve("wal"));

    assertThatThrownBy(() -> DataDirWriter.writeMember(db, m1().dataDir(dir.resolve("m1.etcd")).walDir(wal).build()))
        .isInstanceOf(RefusedException.class).hasMessage("--wal-dir " + wal + " exists already: "
            + "a restore writes only to a path that does not exist yet");
    assertThat(dir.resolve("m1.etcd")).doesNotExist();
  }

  @Test
  void refusesAndKeepsALeftoverPartDir() throws IOException {
    Path part = Files.createDirectory(dir.resolve("m1.etcd.part"));

    assertThatThrownBy(() -> DataDirWriter.writeMember(db, m1().dataDir(dir.resolve("m1.etcd")).build()))
        .isInstanceOf(RefusedException.class).hasMessageContaining("m1.etcd.part exists");
    assertThat(part).isDirectory();
    assertThat(dir.resolve("m1.etcd")).doesNotExist();
  }

  @Test
  void aFailureLeavesNothingUnderTheFinalNamesNorAnyPart() throws IOException {
    Path garbage = Files.write(dir.resolve("garbage.db"), new byte[8192]);
    Path data = dir.resolve("out/m1.etcd");
    Path wal = dir.resolve("out/wal");

    assertThatThrownBy(() -> DataDirWriter.writeMember(garbage, m1().dataDir(data).walDir(wal).build()))
        .isInstanceOf(Exception.class);
    assertThat(tree(dir.resolve("out"))).isEmpty();
  }

  @Test
  void dedicatedWalDirIsWrittenBesideAndNamedInTheFlags() throws IOException {
    Path data = dir.resolve("m1.etcd");
    Path wal = dir.resolve("fast-disk/wal");
    RestoredMember m = DataDirWriter.writeMember(db, m1().dataDir(data).walDir(wal).build());

    assertThat(tree(wal)).containsExactly(WalFile.FILE_NAME);
    assertThat(tree(data)).doesNotContain("member/wal/");
    assertThat(m.etcdFlags()).containsSubsequence("--data-dir", data.toString(), "--wal-dir", wal.toString());
  }

  @Test
  void clusterWritesEveryMemberOrNone() throws IOException {
    Path parent = dir.resolve("cluster");
    Path blocker = Files.createDirectories(parent.resolve("m2.etcd"));
    Files.writeString(blocker.resolve("old"), "x");
    String before = String.join(",", tree(parent));

    assertThatThrownBy(() -> DataDirWriter.writeCluster(db, parent, m1().build()))
        .isInstanceOf(RefusedException.class);
    assertThat(String.join(",", tree(parent))).isEqualTo(before);

    Files.delete(blocker.resolve("old"));
    List<RestoredMember> members = DataDirWriter.writeCluster(db, parent, m1().build());
    assertThat(members).extracting(RestoredMember::name).containsExactlyInAnyOrder("m1", "m2");
    for (RestoredMember m : members) {
      assertThat(Files.mismatch(members.get(0).dataDir().resolve("member/snap/db"), m.dataDir().resolve("member/snap/db")))
          .isEqualTo(-1);
      assertThat(WalMetadata.read(m.walDir().resolve(WalFile.FILE_NAME)).memberId()).isEqualTo(m.memberId());
      assertThat(m.etcdFlags()).containsSubsequence("--initial-advertise-peer-urls",
          m.name().equals("m1") ? "http://127.0.0.1:24801" : "http://127.0.0.1:24802");
    }
  }

  private static List<String> tree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root))
          .map(p -> root.relativize(p).toString() + (Files.isDirectory(p) ? "/" : "")).sorted().toList();
    }
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
