package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.backup.BackupLock;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.etcd.EtcdConnectionConfig;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The packaged jar through {@code bin/etcd-backup}, from another working directory, as users run it. */
class BinScriptIT {
  /** ANSI "erase line", what the progress line redraws with. */
  private static final String ERASE_LINE = "\u001b[K";

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

  /** The backup command line against the shared cluster, into a local store under {@code cwd}. */
  private static List<String> snapshotArgs(Path cwd, String... more) {
    List<String> args = new ArrayList<>(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "snapshot"));
    args.addAll(ETCD.cluster().tlsFlags());
    args.addAll(List.of("--to", cwd.resolve("backups").toString(), "--cluster-name", "bin"));
    args.addAll(List.of(more));
    return args;
  }

  private static EtcdClients testClients() {
    return new EtcdClients(new EtcdConnectionConfig(List.of(URI.create(ETCD.cluster().member(0).clientUrl())),
        Optional.of(ETCD.cluster().caFile()), Optional.of(ETCD.cluster().clientCert().cert()),
        Optional.of(ETCD.cluster().clientCert().key()), Optional.empty(), Optional.empty(), false, null, null));
  }

  /** The backup lock of cluster "bin", held as another run would hold it. */
  private static BackupLock holdLock(EtcdClients clients) throws Exception {
    return BackupLock.acquire(clients.forCluster(), clients.config(), "bin", Duration.ofSeconds(60),
        Duration.ofSeconds(5), Instant.now(), Cancellation.create());
  }

  /** One line for script(1)'s shell: each argument single-quoted (none of ours holds a quote). */
  private static String shellLine(List<String> args) {
    return String.join(" ", args.stream().map(a -> "'" + a + "'").toList());
  }

  /** Waits until {@code file} contains {@code text} or {@code p} has ended. */
  private static void awaitText(Path file, String text, Process p) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!(Files.exists(file) && Files.readString(file).contains(text)) && System.nanoTime() < deadline
        && p.isAlive()) {
      Thread.sleep(100);
    }
  }

  @Test
  void sigtermCancelsTheRunWithItsOwnExitCode(@TempDir Path cwd) throws Exception {
    // Another run holds the lock: this one waits for it, then SIGTERM arrives mid-wait.
    try (EtcdClients clients = testClients(); var held = holdLock(clients)) {
      Path err = cwd.resolve("stderr");
      Process p = new ProcessBuilder(snapshotArgs(cwd, "--lock", "--lock-wait", "120s")).directory(cwd.toFile())
          .redirectErrorStream(false).redirectOutput(cwd.resolve("stdout").toFile()).redirectError(err.toFile()).start();
      awaitText(err, "backup started", p);
      Thread.sleep(500); // now waiting for the lock
      long t0 = System.nanoTime();
      p.destroy(); // SIGTERM
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("ended after SIGTERM").isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not after --lock-wait").isLessThan(Duration.ofSeconds(20));
      String stderr = Files.readString(err);
      assertThat(p.exitValue()).as(stderr).isEqualTo(ExitCodes.CANCELLED).isEqualTo(10);
      assertThat(stderr).contains("etcd-backup: cancelled: SIGTERM received; nothing was committed");
      assertThat(cwd.resolve("backups")).satisfiesAnyOf(d -> assertThat(d).doesNotExist(),
          d -> assertThat(Files.walk(d).filter(f -> f.getFileName().toString().equals("manifest.json"))).isEmpty());
    }
  }

  @Test
  void theProgressLineIsDrawnOnATerminalAndNowhereElse(@TempDir Path cwd) throws Exception {
    // script(1) runs the command on a pseudo-terminal, as a person at a shell would.
    String line = shellLine(snapshotArgs(cwd));
    // A small backup ends within one redraw (250 ms): the run waits for a lock the test holds for a
    // second, so that several redraws fall inside a phase whatever the machine's speed.
    Path ttyOut = cwd.resolve("tty");
    String locked = shellLine(snapshotArgs(cwd, "--lock", "--lock-wait", "120s"));
    int exit;
    try (EtcdClients clients = testClients()) {
      BackupLock held = holdLock(clients);
      Process p = new ProcessBuilder("script", "-qefc", locked, "/dev/null").directory(cwd.toFile())
          .redirectErrorStream(true).redirectOutput(ttyOut.toFile()).start();
      try {
        awaitText(ttyOut, "backup started", p);
        Thread.sleep(1000);
      } finally {
        held.close();
      }
      assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("ended").isTrue();
      exit = p.exitValue();
    }
    String tty = Files.readString(ttyOut);
    assertThat(exit).as(tty).isZero();
    assertThat(tty).as("redrawn in place").contains("\r" + ERASE_LINE)
        .containsPattern("(select|lock|stream|check|upload)[^\\n]*\\| 0:\\d\\d");

    Exec.Result pipe = etcdBackup(cwd, snapshotArgs(cwd).subList(1, snapshotArgs(cwd).size()));
    assertThat(pipe.exitCode()).as(pipe.stderr()).isZero();
    assertThat(pipe.stderr()).as("no progress line in a log").doesNotContain(ERASE_LINE)
        .doesNotContain("\r").contains("backup committed");

    Exec.Result quiet = Exec.run(List.of("script", "-qefc", line + " --quiet", "/dev/null"), cwd, Duration.ofMinutes(2));
    assertThat(quiet.exitCode()).as(quiet.toString()).isZero();
    assertThat(quiet.stdout()).doesNotContain(ERASE_LINE);
  }

  @Test
  void logFormatJsonMakesEveryLogLineAJsonObject(@TempDir Path cwd) throws Exception {
    List<String> args = snapshotArgs(cwd, "--log-format", "json");
    Exec.Result r = etcdBackup(cwd, args.subList(1, args.size()));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    List<String> lines = r.stderr().lines().toList();
    assertThat(lines).isNotEmpty();
    java.util.List<JsonNode> events = new ArrayList<>();
    for (String l : lines) {
      events.add(Formats.JSON.readTree(l)); // throws on a line that is not one JSON object
    }
    assertThat(events).anySatisfy(e -> {
      assertThat(e.get("message").asString()).contains("backup committed");
      assertThat(e.get("cluster").asString()).isEqualTo("bin");
      assertThat(e.get("level").asString()).isEqualTo("INFO");
    });
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
