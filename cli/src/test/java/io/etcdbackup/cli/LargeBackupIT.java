package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import io.etcdbackup.testing.SampleData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Memory stays flat: a 1 GiB database backs up (zstd, age, every check), verifies and restores
 * through the packaged jar as bin/etcd-backup runs it by default, with the Java heap capped at 128
 * MiB. Nothing here is timed; an out-of-memory error or a non-zero exit fails it. With {@code
 * -Dsoak=true} the database is 2 GiB, etcd's default quota (docs/reliability.md has the last result).
 */
@ExtendWith(EtcdClusterExtension.class)
class LargeBackupIT {
  private static final long GIB = 1L << 30;

  @Test
  void aOneGibDatabaseBacksUpWithA128MibHeap(@TempDir Path tmp) throws Exception {
    long size = Boolean.getBoolean("soak") ? 2 * GIB : GIB;
    try (EtcdCluster c = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1)
        .quotaBackendBytes(4 * GIB).start()) {
      SampleData.bulk(c.client(), "/registry/configmaps/large/", size, 16 * 1024, 42);
      AgeKeys keys = AgeKeys.generate(tmp, "large");
      Path store = tmp.resolve("store");

      List<String> snapshot = new ArrayList<>(List.of("snapshot", "--to", store.toString(), "--cluster-name", "large",
          "--encrypt-to", keys.recipient(), "--spool-dir", tmp.resolve("spool").toString(), "-o", "json"));
      snapshot.addAll(c.tlsFlags());
      Exec.Result r = run(tmp, snapshot);
      assertThat(r.exitCode()).as(r.stderr()).isZero();
      JsonNode m = Formats.JSON.readTree(r.stdout()).get("manifest");
      assertThat(m.get("dbSize").asLong()).isGreaterThan(size);

      Exec.Result v = run(tmp, List.of("verify", "--from", store.toString(), "latest", "--identity-file",
          keys.identityFile().toString(), "--spool-dir", tmp.resolve("spool").toString()));
      assertThat(v.exitCode()).as(v.stderr()).isZero();
      assertThat(tmp.resolve("spool")).isEmptyDirectory();

      Exec.Result restore = run(tmp, List.of("restore", "--from", store.toString(), "latest", "--identity-file",
          keys.identityFile().toString(), "--spool-dir", tmp.resolve("spool").toString(), "--data-dir",
          tmp.resolve("large.etcd").toString()));
      assertThat(restore.exitCode()).as(restore.stderr()).isZero();
      assertThat(Files.size(tmp.resolve("large.etcd/member/snap/db"))).isGreaterThan(size);
      assertThat(tmp.resolve("spool")).isEmptyDirectory();
    }
  }

  /** bin/etcd-backup with its default JVM flags (JAVA_OPTS unset); GNU time reports the peak RSS in the test log. */
  private static Exec.Result run(Path cwd, List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-v", ProjectPaths.root().resolve("bin/etcd-backup").toString()));
    cmd.addAll(args);
    Exec.Result r = Exec.run(cmd, cwd, Duration.ofMinutes(10), "JAVA_OPTS", null);
    r.stderr().lines().filter(l -> l.contains("Maximum resident set size") || l.contains("Elapsed (wall"))
        .forEach(l -> System.out.println("LargeBackupIT " + args.get(0) + ": " + l.trim()));
    return r;
  }
}
