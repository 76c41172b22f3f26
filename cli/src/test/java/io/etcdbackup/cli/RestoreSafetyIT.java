package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.Layout;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.RestoredEtcd;
import io.etcdbackup.testing.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Restore refuses bad input before it touches anything, never overwrites, and moves aside rather
 * than deletes; backups are chosen by id, time or revision.
 */
@ExtendWith(RestoredEtcd.Logs.class)
class RestoreSafetyIT {

  @RegisterExtension
  static final EtcdClusterExtension ETCD = new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @TempDir
  static Path shared;

  static Path snapshot;
  static Path store;
  static JsonNode first;
  static JsonNode second;

  @BeforeAll
  static void backups() throws Exception {
    EtcdCluster c = ETCD.cluster();
    SampleData.history(c.client());
    snapshot = shared.resolve("snap.db");
    c.etcdctl("snapshot", "save", snapshot.toString());
    store = shared.resolve("store");
    first = backup(c);
    Thread.sleep(1100); // distinct start seconds, so --as-of can tell the two apart
    SampleData.bulk(c.client(), "/registry/more/", 100_000, 1000, 5);
    second = backup(c);
  }

  private static JsonNode backup(EtcdCluster c) {
    Cli.Result r = new Cli().run(c.tlsFlags(), "snapshot", "--to", store.toString(), "--cluster-name", "s", "-o", "json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return Formats.JSON.readTree(r.out()).get("manifest");
  }

  private static Cli.Result restoreFile(Path file, Path dataDir, String... more) {
    List<String> args = new ArrayList<>(List.of("restore", "--from-file", file.toString(), "--data-dir", dataDir.toString()));
    args.addAll(List.of(more));
    return new Cli().run(args.toArray(String[]::new));
  }

  private static Path copyWith(Path dir, String name, java.util.function.UnaryOperator<byte[]> change) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, change.apply(Files.readAllBytes(snapshot)));
    return p;
  }

  @Test
  void corruptFilesAreRefusedBeforeTheTargetIsTouched(@TempDir Path tmp) throws Exception {
    Path target = tmp.resolve("t.etcd");
    Path flipped = copyWith(tmp, "flipped.db", b -> {
      b[b.length / 3] ^= 0x04;
      return b;
    });
    Cli.Result r1 = restoreFile(flipped, target);
    assertThat(r1.exitCode()).as(r1.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r1.err()).contains("expected sha256");

    Path truncated = copyWith(tmp, "truncated.db", b -> Arrays.copyOf(b, b.length - 1000));
    Cli.Result r2 = restoreFile(truncated, target);
    assertThat(r2.exitCode()).as(r2.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r2.err()).contains("snapshot missing hash but --skip-hash-check=false");
    // cut by whole pages, the last 32 bytes pass for a trailer and fail to match (as in etcdutl)
    Path pageCut = copyWith(tmp, "page-cut.db", b -> Arrays.copyOf(b, b.length - 4096));
    Cli.Result r2b = restoreFile(pageCut, target);
    assertThat(r2b.exitCode()).as(r2b.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r2b.err()).contains("expected sha256");

    Path badTrailer = copyWith(tmp, "bad-trailer.db", b -> {
      b[b.length - 1] ^= 0x01;
      return b;
    });
    Cli.Result r3 = restoreFile(badTrailer, target);
    assertThat(r3.exitCode()).as(r3.toString()).isEqualTo(ExitCodes.INTEGRITY);

    // a flipped byte inside a stored backup object: caught by the store path too
    Path damagedStore = tmp.resolve("damaged-store");
    Stores.copyLocal(store, damagedStore);
    Path object = damagedStore.resolve(Layout.objectKey("s", second.get("id").asString(), second.get("object").asString()));
    byte[] b = Files.readAllBytes(object);
    b[b.length / 2] ^= 0x40;
    Files.write(object, b);
    Cli.Result r4 = new Cli().run("restore", "--from", damagedStore.toString(), "--data-dir", target.toString());
    assertThat(r4.exitCode()).as(r4.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(r4.err()).contains("backup " + second.get("id").asString());

    assertThat(target).doesNotExist();
    assertThat(tmp.resolve("t.etcd.part")).doesNotExist();
  }

  @Test
  void aDbCopiedFromADataDirNeedsSkipHashCheck(@TempDir Path tmp) throws Exception {
    Path noTrailer = copyWith(tmp, "member-db", b -> Arrays.copyOf(b, b.length - 32));
    Cli.Result refused = restoreFile(noTrailer, tmp.resolve("a.etcd"));
    assertThat(refused.exitCode()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(refused.err()).contains("add --skip-hash-check");
    Cli.Result ok = restoreFile(noTrailer, tmp.resolve("a.etcd"), "--skip-hash-check");
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(tmp.resolve("a.etcd/member/snap/db")).isRegularFile();
  }

  @Test
  void aNonEmptyTargetIsRefusedAndForceMovesItAside(@TempDir Path tmp) throws Exception {
    Path target = Files.createDirectories(tmp.resolve("busy.etcd"));
    // an old member's data dir, as etcd leaves it
    Files.createDirectories(target.resolve("member/snap"));
    Files.writeString(target.resolve("member/snap/db"), "keep me");
    Cli.Result refused = restoreFile(snapshot, target);
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.REFUSED);
    assertThat(refused.err()).contains("--data-dir " + target + " already exists and is not empty").contains("--force");
    assertThat(target.resolve("member/snap/db")).hasContent("keep me");

    Cli.Result forced = restoreFile(snapshot, target, "--force");
    assertThat(forced.exitCode()).as(forced.toString()).isZero();
    assertThat(forced.out()).contains("moved aside (not deleted): " + target + ".old-");
    try (Stream<Path> s = Files.list(tmp)) {
      Path aside = s.filter(p -> p.getFileName().toString().startsWith("busy.etcd.old-")).findFirst().orElseThrow();
      assertThat(aside.resolve("member/snap/db")).hasContent("keep me");
    }
    assertThat(target.resolve("member/snap/db")).isRegularFile();

    Path empty = Files.createDirectories(tmp.resolve("empty.etcd"));
    Cli.Result intoEmpty = restoreFile(snapshot, empty);
    assertThat(intoEmpty.exitCode()).as("an empty dir (a mount point) is fine: " + intoEmpty).isZero();
  }

  /** Issue 13, defect 7: `--data-dir /` was not guarded, and --force moved aside whatever it was given. */
  @Test
  void forceMovesAsideOnlyWhatLooksLikeEtcdsAndNeverARoot(@TempDir Path tmp) throws Exception {
    for (List<String> flags : List.of(List.<String>of(), List.of("--force"))) {
      Cli.Result root = restoreFile(snapshot, Path.of("/"), flags.toArray(String[]::new));
      assertThat(root.exitCode()).as(root.toString()).isEqualTo(ExitCodes.REFUSED);
      assertThat(root.err().strip()).isEqualTo("etcd-backup: --data-dir / is a file system root: restore into a "
          + "directory of its own, e.g. /var/lib/etcd");
    }

    Path home = Files.createDirectories(tmp.resolve("home"));
    Files.writeString(home.resolve("notes.txt"), "keep me");
    Cli.Result notEtcd = restoreFile(snapshot, home, "--force");
    assertThat(notEtcd.exitCode()).as(notEtcd.toString()).isEqualTo(ExitCodes.REFUSED);
    assertThat(notEtcd.err()).contains("--data-dir " + home + " does not look like an etcd data dir (it has no member/ "
        + "directory): nothing was changed");
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("home");
    }
    assertThat(home.resolve("notes.txt")).hasContent("keep me");

    Path wal = Files.createDirectories(tmp.resolve("wal"));
    Files.writeString(wal.resolve("0000000000000000-0000000000000000.wal"), "old segment");
    Files.writeString(wal.resolve("photo.jpg"), "not a segment");
    Cli.Result notWal = restoreFile(snapshot, tmp.resolve("t.etcd"), "--wal-dir", wal.toString(), "--force");
    assertThat(notWal.exitCode()).as(notWal.toString()).isEqualTo(ExitCodes.REFUSED);
    assertThat(notWal.err()).contains("--wal-dir " + wal + " does not look like an etcd WAL dir (it holds 'photo.jpg'");
    assertThat(tmp.resolve("t.etcd")).doesNotExist();
    assertThat(wal.resolve("photo.jpg")).exists();
  }

  @Test
  void backupsAreChosenByIdTimeOrRevision(@TempDir Path tmp) {
    long rev1 = first.get("revision").asLong();
    Cli.Result byRevision = new Cli().run("restore", "--from", store.toString(), "--revision", Long.toString(rev1 + 1),
        "--data-dir", tmp.resolve("r.etcd").toString(), "-o", "json");
    assertThat(byRevision.exitCode()).as(byRevision.toString()).isZero();
    assertThat(Formats.JSON.readTree(byRevision.out()).get("snapshotRevision").asLong()).isEqualTo(rev1);

    Cli.Result byTime = new Cli().run("restore", "--from", store.toString(), "--as-of", first.get("startedAt").asString(),
        "--data-dir", tmp.resolve("t.etcd").toString(), "-o", "json");
    assertThat(byTime.exitCode()).as(byTime.toString()).isZero();
    assertThat(Formats.JSON.readTree(byTime.out()).get("source").asString()).contains(first.get("id").asString());

    Cli.Result byId = new Cli().run("restore", "--from", store.toString(), second.get("id").asString(),
        "--data-dir", tmp.resolve("i.etcd").toString(), "-o", "json");
    assertThat(byId.exitCode()).as(byId.toString()).isZero();
    assertThat(Formats.JSON.readTree(byId.out()).get("snapshotRevision").asLong()).isEqualTo(second.get("revision").asLong());

    Cli.Result tooOld = new Cli().run("restore", "--from", store.toString(), "--revision", "1",
        "--data-dir", tmp.resolve("n.etcd").toString());
    assertThat(tooOld.exitCode()).as(tooOld.toString()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(tooOld.err()).contains("at or below revision 1");
    assertThat(tmp.resolve("n.etcd")).doesNotExist();
  }

  @Test
  void theEtcdutlEngineNeedsEtcdutlOnPath(@TempDir Path tmp) {
    Cli.Result r = new Cli().env("PATH", "/nonexistent").run("restore", "--from", store.toString(), "--engine", "etcdutl",
        "--data-dir", tmp.resolve("x.etcd").toString());
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--engine etcdutl needs the etcdutl binary on PATH");
  }

  @Test
  void theEtcdutlEngineWritesADataDirEtcdStartsFrom(@TempDir Path tmp) throws Exception {
    Path etcdutlDir = EtcdVersion.V3_5.binDir();
    int peer = EtcdCluster.freePorts(1)[0];
    String peerUrl = "http://127.0.0.1:" + peer;
    Cli.Result r = new Cli().env("PATH", etcdutlDir + ":/usr/bin:/bin")
        .run("restore", "--from", store.toString(), "latest", "--engine", "etcdutl", "--name", "u1",
            "--initial-cluster", "u1=" + peerUrl, "--initial-advertise-peer-urls", peerUrl,
            "--data-dir", tmp.resolve("u1.etcd").toString(), "-o", "json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode m = Formats.JSON.readTree(r.out()).get("members").get(0);
    List<String> flags = new ArrayList<>();
    m.get("etcdFlags").forEach(x -> flags.add(x.asString()));
    try (RestoredEtcd etcd = RestoredEtcd.start(EtcdVersion.V3_5, List.of(new RestoredEtcd.MemberFlags("u1", flags)), tmp,
        null, null)) {
      assertThat(etcd.client().getKVClient().get(SampleData.bytes("x")).get().getHeader().getRevision())
          .isEqualTo(second.get("revision").asLong());
    }
  }
}
