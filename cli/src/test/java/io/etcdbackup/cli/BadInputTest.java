package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input that needs no etcd and no store to show (issue 13, defects 5 and 6): each mistake is one
 * line on stderr that names it, without a Java class name or the whole usage text; the documented
 * exit code; and nothing created.
 */
class BadInputTest {
  @TempDir
  Path tmp;

  /** Nothing listens here: a refused connection, at once. */
  private static String deadEndpoint() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return "http://127.0.0.1:" + s.getLocalPort();
    }
  }

  private static String oneLine(Cli.Result r) {
    assertThat(r.err().strip().lines()).as(r.toString()).hasSize(1);
    assertThat(r.err()).as(r.toString()).doesNotContain("Exception").doesNotContain("Usage:");
    return r.err().strip();
  }

  @ParameterizedTest
  @ValueSource(strings = {"list", "verify", "restore", "prune", "drill"})
  void aReaderGivenAMistypedDirectorySaysSoAndCreatesNothing(String command) throws IOException {
    Path typo = tmp.resolve("bakups/etcd");
    List<String> args = new java.util.ArrayList<>(List.of(command, "--from", typo.toString()));
    if (command.equals("restore")) {
      args.addAll(List.of("--data-dir", tmp.resolve("t.etcd").toString()));
    }
    if (command.equals("prune")) {
      args.addAll(List.of("--cluster-name", "c", "--keep-last", "1"));
    }
    Cli.Result r = new Cli().run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.STORE);
    assertThat(oneLine(r)).contains("file://" + typo).contains("does not exist (no such directory)");
    try (Stream<Path> s = Files.list(tmp)) {
      assertThat(s).as("what %s created", command).isEmpty();
    }
  }

  @Test
  void aStorePathThroughAFileIsAUsageErrorNamingTheFile() throws IOException {
    Path file = Files.writeString(tmp.resolve("afile"), "x");
    Cli.Result r = new Cli().run("snapshot", "--endpoints", deadEndpoint(), "--to", file.resolve("sub").toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(oneLine(r)).endsWith(file + " is a file, not a directory");
  }

  @Test
  void aSnapshotThatCannotReachEtcdCreatesNoStoreDirectory() throws IOException {
    Cli.Result r = new Cli().run("snapshot", "--endpoints", deadEndpoint(), "--to", tmp.resolve("new/store").toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(tmp.resolve("new")).doesNotExist();
  }

  @Test
  void aSpoolDirThatIsAFileIsRefusedWhenParsed() throws IOException {
    Path file = Files.writeString(tmp.resolve("afile"), "x");
    Cli.Result r = new Cli().run("snapshot", "--endpoints", deadEndpoint(), "--to", tmp.resolve("store").toString(),
        "--spool-dir", file.toString());
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(oneLine(r)).contains("--spool-dir").contains(file + " is a file, not a directory");
    assertThat(tmp.resolve("store")).doesNotExist();
  }

  /** The first used to end as exit 4, blaming the endpoint; the size overflow as exit 1 with a class name. */
  @Test
  void hugeDurationsAndSizesAreUsageErrors() throws IOException {
    String ep = deadEndpoint();
    Cli.Result overflow = new Cli().run("snapshot", "--endpoints", ep, "--to", tmp.resolve("s").toString(),
        "--dial-timeout", "99999999999h");
    assertThat(overflow.exitCode()).as(overflow.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(oneLine(overflow)).contains("--dial-timeout").contains("'99999999999h' is too long a duration");

    Cli.Result absurd = new Cli().run("snapshot", "--endpoints", ep, "--to", tmp.resolve("s").toString(),
        "--dial-timeout", "1000h");
    assertThat(absurd.exitCode()).as(absurd.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(oneLine(absurd)).contains("--dial-timeout (1000h) must be at most 24h");

    Cli.Result size = new Cli().run("snapshot", "--endpoints", ep, "--to", tmp.resolve("s").toString(),
        "--s3-part-size", "99999999999999999999999");
    assertThat(size.exitCode()).as(size.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(oneLine(size)).contains("--s3-part-size").contains("is too large a size");

    Cli.Result eib = new Cli().run("snapshot", "--endpoints", ep, "--to", tmp.resolve("s").toString(),
        "--s3-part-size", "9000000TiB");
    assertThat(eib.exitCode()).as(eib.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(oneLine(eib)).contains("is too large a size");
    assertThat(tmp.resolve("s")).doesNotExist();
  }

  @Test
  void usageMistakesAreOneLineThatPointsAtTheHelp() {
    Cli.Result command = new Cli().run("lst");
    assertThat(command.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(oneLine(command)).contains("'lst'").contains("did you mean list").endsWith("see 'etcd-backup --help'");

    Cli.Result flag = new Cli().run("list", "--from", tmp.toString(), "--clustr-name", "x");
    assertThat(flag.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(oneLine(flag)).contains("--clustr-name").endsWith("see 'etcd-backup list --help'");

    Cli.Result missing = new Cli().run("list");
    assertThat(missing.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(oneLine(missing)).contains("Missing required option: '--from=URI'");
  }

  /** A failed health run printed its reason on stdout only. */
  @Test
  void anUnhealthyClusterSaysWhyOnStderrToo() throws IOException {
    Cli.Result r = new Cli().run("health", "--endpoints", deadEndpoint(), "--dial-timeout", "1s");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(r.out()).contains("cluster is UNAVAILABLE");
    assertThat(oneLine(r)).startsWith("etcd-backup: cluster is unavailable: no endpoint answered")
        .contains("connection refused");
  }
}
