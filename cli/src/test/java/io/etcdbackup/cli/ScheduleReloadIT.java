package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.ProjectPaths;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * SIGHUP to a real {@code bin/etcd-backup schedule} process: a good file replaces the schedule on
 * the same port; a bad one is refused with its one line and the old schedule keeps running; SIGTERM
 * still ends it with exit 0.
 */
class ScheduleReloadIT {
  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @TempDir
  Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private String file(String jobs) {
    EtcdCluster c = ETCD.cluster();
    return """
        cluster-name: reload
        etcd:
          endpoints: %s
          cacert: %s
          cert: %s
          key: %s
        store:
          uri: %s
        jobs:
        %s""".formatted(c.endpoints(), c.caFile(), c.clientCert().cert(), c.clientCert().key(), tmp.resolve("backups"),
        jobs.indent(2));
  }

  private static final String BACKUP = """
      - name: backup
        kind: backup
        cron: "*/2 * * * * ?"
      """;
  private static final String VERIFY = """
      - name: verify
        kind: verify
        cron: "* * * * * ?"
        newest: 1
      """;

  @Test
  void aGoodFileReplacesTheScheduleAndABadOneIsRefused() throws Exception {
    Path config = Files.writeString(tmp.resolve("schedule.yaml"), file(BACKUP));
    int port = freePort();
    Path log = tmp.resolve("daemon.log");
    Process p = new ProcessBuilder(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "schedule",
        "--config", config.toString(), "--listen", "127.0.0.1:" + port).directory(tmp.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      await(p, log, port, s -> names(s).equals(List.of("backup")) && s.path("jobs").get(0).has("lastOutcome"));

      Files.writeString(config, file(BACKUP + VERIFY));
      hangUp(p);
      JsonNode reloaded = await(p, log, port, s -> names(s).equals(List.of("backup", "verify"))
          && "success".equals(s.path("jobs").get(1).path("lastOutcome").asString("")));
      assertThat(reloaded.path("role").asString()).isEqualTo("leader");
      assertThat(Files.readString(log)).contains("reloaded " + config + ": 2 jobs");

      Files.writeString(config, file(BACKUP + VERIFY.replace("newest: 1", "newst: 1")));
      hangUp(p);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!Files.readString(log).contains("reload refused") && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(Files.readString(log)).contains("reload refused, the old schedule keeps running: " + config
          + ": unknown key jobs[verify].newst");
      long verified = verifyRuns(status(port));
      await(p, log, port, s -> names(s).equals(List.of("backup", "verify")) && verifyRuns(s) > verified);

      p.destroy();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(Files.readString(log)).isZero();
    } finally {
      p.destroyForcibly();
    }
  }

  /** The verify job's last start, as a number that grows with each run. */
  private static long verifyRuns(JsonNode status) {
    String start = status.path("jobs").path(1).path("lastStart").asString("");
    return start.isEmpty() ? 0 : java.time.Instant.parse(start).toEpochMilli();
  }

  private static List<String> names(JsonNode status) {
    List<String> names = new ArrayList<>();
    status.path("jobs").forEach(j -> names.add(j.path("name").asString()));
    return names;
  }

  private static void hangUp(Process p) throws Exception {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  private JsonNode status(int port) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return Formats.JSON.readTree(r.body());
    } catch (IOException e) {
      return Formats.JSON.createObjectNode(); // not listening (yet, or between two schedules)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private JsonNode await(Process p, Path log, int port, Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(p.isAlive()).as("the daemon ended:\n%s", Files.readString(log)).isTrue();
      JsonNode s = status(port);
      if (done.test(s)) {
        return s;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no matching /status within 30s; the log:\n" + Files.readString(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
