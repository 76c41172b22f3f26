package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.stream.Spool;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import io.etcdbackup.testing.SampleData;
import io.etcdbackup.testing.TcpProxy;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot killed with SIGKILL mid-stream (no finally, no shutdown hook runs) leaves its spools
 * in --spool-dir; the next run removes them, and only them: not another live run's spool, not
 * other files. The stream is held part way by a proxy between the tool and a real etcd, so the
 * kill lands mid-stream whatever the machine's speed.
 */
class SpoolLeftoversIT {
  private static final long MIB = 1L << 20;

  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @Test
  void theNextSnapshotRemovesTheSpoolsOfOneKilledMidStream(@TempDir Path cwd) throws Exception {
    EtcdCluster c = ETCD.cluster();
    SampleData.bulk(c.client(), "/registry/configmaps/spool/", 8 * MIB, 16 * 1024, 13);
    Path spoolDir = cwd.resolve("spool"); // missing: the tool creates it
    Path store = cwd.resolve("backups");

    List<Path> left;
    int port = URI.create(c.member(0).clientUrl()).getPort();
    try (TcpProxy proxy = TcpProxy.to("127.0.0.1", port).stallDownstreamAfter(MIB)) {
      List<String> cmd = snapshot(store, spoolDir, List.of("--endpoints", "https://127.0.0.1:" + proxy.port(),
          "--cacert", c.caFile().toString(), "--cert", c.clientCert().cert().toString(),
          "--key", c.clientCert().key().toString()));
      Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(cwd.resolve("killed.out").toFile())
          .redirectError(cwd.resolve("killed.err").toFile()).start();
      try {
        awaitStreamedRawSpool(spoolDir, p, cwd.resolve("killed.err"));
      } finally {
        p.destroyForcibly(); // SIGKILL
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      }
      left = files(spoolDir);
    }
    Path raw = left.stream().filter(f -> f.getFileName().toString().matches("etcd-backup-raw-[0-9]+\\.spool"))
        .findFirst().orElseThrow();
    long rawSize = Files.size(raw);
    assertThat(rawSize).as("streamed part way").isPositive();

    assertThat(mode(spoolDir)).as("the spool dir the tool created").isEqualTo("rwx------");
    assertThat(names(left)).as("what the killed run left").anyMatch(n -> n.matches("etcd-backup-raw-[0-9]+\\.spool"))
        .anyMatch(n -> n.matches("etcd-backup-stored-[0-9]+\\.spool"))
        .anyMatch(n -> n.matches("etcd-backup-raw-[0-9]+\\.spool\\.lock"));
    for (Path f : left) {
      assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------");
    }
    assertThat(store.toFile().exists() ? files(store) : List.of()).as("nothing committed").noneMatch(
        f -> f.getFileName().toString().equals("manifest.json"));

    // Beside the leftovers: a file of someone else's, and the spool of a run still alive (this JVM's).
    Path notes = Files.writeString(spoolDir.resolve("notes.txt"), "not ours");
    try (Spool live = Spool.create(spoolDir, "raw")) {
      Exec.Result again = Exec.run(snapshot(store, spoolDir, c.tlsFlags()), cwd, Duration.ofMinutes(2));
      assertThat(again.exitCode()).as(again.stderr()).isZero();
      for (Path f : left) {
        assertThat(f).as("removed by the next run").doesNotExist();
        assertThat(again.stderr()).contains("spool leftover removed path=" + f + " size=");
      }
      assertThat(again.stderr()).as("the raw spool's size, as the killed run left it")
          .contains("spool leftover removed path=" + raw + " size=" + rawSize + "\n");
      assertThat(live.path()).as("a live run's spool").exists();
      assertThat(notes).hasContent("not ours");
    }

    Exec.Result verify = Exec.run(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "verify",
        "--from", store.toString(), "latest", "--spool-dir", spoolDir.toString()), cwd, Duration.ofMinutes(2));
    assertThat(verify.exitCode()).as(verify.stderr()).isZero();
    assertThat(files(spoolDir)).containsExactly(notes);
  }

  /** Waits until the raw spool holds streamed bytes; fails if the run ends first. */
  private static void awaitStreamedRawSpool(Path spoolDir, Process p, Path stderr) throws Exception {
    while (true) {
      assertThat(p.isAlive()).as("the run still streams; its stderr: %s", Files.exists(stderr)
          ? Files.readString(stderr) : "").isTrue();
      if (Files.isDirectory(spoolDir)) {
        for (Path f : files(spoolDir)) {
          if (f.getFileName().toString().matches("etcd-backup-raw-[0-9]+\\.spool") && Files.size(f) > 0) {
            return;
          }
        }
      }
      Thread.sleep(50);
    }
  }

  private static List<String> snapshot(Path store, Path spoolDir, List<String> connection) {
    List<String> cmd = new ArrayList<>(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "snapshot",
        "--to", store.toString(), "--cluster-name", "spools", "--spool-dir", spoolDir.toString()));
    cmd.addAll(connection);
    return cmd;
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static List<String> names(List<Path> files) {
    return files.stream().map(f -> f.getFileName().toString()).toList();
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
