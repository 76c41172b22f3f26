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

  @Test
  void theBuildsClassDataArchiveIsWhereTheClassesComeFrom(@TempDir Path cwd) throws Exception {
    Path log = cwd.resolve("classes.log");
    Exec.Result r = Exec.run(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "--version"), cwd,
        Duration.ofMinutes(1), "JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(Files.readString(log))
        .as("bin/etcd-backup maps cli/target/etcd-backup.jsa, made by the build for this jar")
        .contains("io.etcdbackup.cli.Main source: shared objects file");
  }

  @Test
  void anArchiveThatDoesNotFitTheJarIsIgnoredWithoutAWordOnStdout(@TempDir Path cwd) throws Exception {
    Path target = ProjectPaths.root().resolve("cli/target");
    Path jar = Files.copy(target.resolve("etcd-backup.jar"), cwd.resolve("moved.jar"));
    Files.copy(target.resolve("etcd-backup.jsa"), cwd.resolve("moved.jsa")); // made for the jar at another path
    Exec.Result r = Exec.run(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "--version"), cwd,
        Duration.ofMinutes(1), "ETCD_BACKUP_JAR", jar.toString());
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stdout().strip()).matches("etcd-backup \\S+");
    assertThat(r.stderr()).isEmpty();
  }
}
