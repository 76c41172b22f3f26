package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The packaged jar through {@code bin/etcd-backup}, from another working directory, as users run it. */
class BinScriptIT {

  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  static Exec.Result etcdBackup(Path cwd, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProjectPaths.root().resolve("bin/etcd-backup").toString());
    cmd.addAll(args);
    return Exec.run(cmd, cwd, Duration.ofMinutes(2));
  }

  @Test
  void healthPrintsATableAndJsonThatJqParses(@TempDir Path cwd) throws Exception {
    EtcdCluster c = ETCD.cluster();
    List<String> args = new ArrayList<>(List.of("health"));
    args.addAll(c.tlsFlags());
    Exec.Result table = etcdBackup(cwd, args);
    assertThat(table.exitCode()).as(table.stderr()).isZero();
    assertThat(table.stdout()).contains("| ENDPOINT").contains(c.member(0).clientUrl()).contains("cluster is healthy");

    args.addAll(List.of("--output", "json"));
    Exec.Result json = etcdBackup(cwd, args);
    assertThat(json.exitCode()).as(json.stderr()).isZero();
    Path out = Files.writeString(cwd.resolve("health.json"), json.stdout());
    Exec.Result jq = Exec.run(List.of("jq", "-r", ".verdict, .endpoints[0].health, .endpoints[0].status.version"),
        cwd, Duration.ofSeconds(30), out);
    assertThat(jq.stdoutOrThrow().lines()).containsExactly("healthy", "true", EtcdVersion.V3_5.version());
  }

  @Test
  void unknownFlagIsAUsageError(@TempDir Path cwd) {
    Exec.Result r = etcdBackup(cwd, List.of("health", "--no-such-flag"));
    assertThat(r.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.stderr()).contains("Unknown option: '--no-such-flag'");
  }
}
