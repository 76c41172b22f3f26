package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.Layout;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import io.etcdbackup.testing.SampleData;
import io.etcdbackup.testing.TcpProxy;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Faults during a backup, and load (issue 13), against real etcd processes: a run killed with
 * SIGKILL at random points, many runs in a row in one JVM, a member with the NOSPACE alarm, and a
 * member whose snapshot stream stalls on the network.
 *
 * <p>{@code -Dsoak=true} ({@code Boolean.getBoolean("soak")}) runs the long variant: 20 kills
 * instead of 5 and 100 runs in a row instead of 25. {@code -Dfaults.seed=N} changes the seed of
 * the kill delays (default 13); each kill's delay and what it left is printed.
 */
@ExtendWith(EtcdClusterExtension.class)
class BackupFaultsIT {
  private static final long MIB = 1L << 20;
  private static final boolean SOAK = Boolean.getBoolean("soak");
  private static final long SEED = Long.getLong("faults.seed", 13);
  private static final String STREAMED = "snapshot streamed";
  private static final String COMMITTED = "backup committed";

  @TempDir
  Path tmp;

  /**
   * SIGKILL (no finally, no shutdown hook) at seeded random points of {@code bin/etcd-backup
   * snapshot}: from JVM start to after the commit. What the killed runs leave never passes for a
   * backup (every listed backup verifies), and one normal run with a zero leftover grace removes
   * all of it: the store's temporary files, backup directories without a manifest, the spools.
   */
  @Test
  void sigkillAtRandomPointsLeavesNothingTheNextRunDoesNotRemove() throws Exception {
    int kills = SOAK ? 20 : 5;
    try (EtcdCluster c = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).start()) {
      SampleData.bulk(c.client(), "/registry/configmaps/kill/", 16 * MIB, 16 * 1024, 13);
      Path store = tmp.resolve("store");
      Path spool = tmp.resolve("spool");
      List<String> cmd = binSnapshot(c, store, spool);

      long t0 = System.nanoTime();
      Exec.Result baseline = Exec.run(cmd, tmp, Duration.ofMinutes(2));
      long fullMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(baseline.exitCode()).as(baseline.stderr()).isZero();
      // From the end of the stream to the commit (upload, checks, data then manifest renamed into
      // place) is a few hundred ms of the run: half the kills aim there, or few would land in it.
      long commitMillis = Duration.between(loggedAt(baseline.stderr(), STREAMED), loggedAt(baseline.stderr(), COMMITTED))
          .toMillis();
      System.out.printf("BackupFaultsIT kills: seed=%d kills=%d a whole run took %d ms, stream end to commit %d ms "
          + "(%s)%n", SEED, kills, fullMillis, commitMillis,
          baseline.stdout().lines().filter(l -> l.contains("durations")).findFirst().orElse("").trim());

      Random random = new Random(SEED);
      int withSpools = 0;
      int withStoreLeftovers = 0;
      int completed = 1;
      for (int i = 1; i <= kills; i++) {
        boolean afterStream = i % 2 == 0;
        // From a fifth of a run (the JVM is still starting) to a little after its end; or from the
        // end of the stream to a little after the commit.
        long delay = afterStream ? (long) (commitMillis * 1.3 * random.nextDouble())
            : (long) (fullMillis * (0.2 + 0.9 * random.nextDouble()));
        Path err = tmp.resolve("kill-" + i + ".err");
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(tmp.resolve("kill-" + i + ".out")
            .toFile()).redirectError(err.toFile()).start();
        if (afterStream) {
          while (p.isAlive() && !Files.readString(err).contains(STREAMED)) {
            Thread.sleep(5);
          }
        }
        String fate;
        if (p.waitFor(delay, TimeUnit.MILLISECONDS)) {
          assertThat(p.exitValue()).as("finished before the kill: %s", Files.readString(err)).isZero();
          completed++;
          fate = "finished first";
        } else {
          p.destroyForcibly(); // SIGKILL
          assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
          assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
          fate = "killed";
        }
        List<String> spools = names(ours(spool));
        List<String> temps = names(tempFiles(store));
        List<String> orphans = withoutManifest(store);
        withSpools += spools.isEmpty() ? 0 : 1;
        withStoreLeftovers += temps.isEmpty() && orphans.isEmpty() ? 0 : 1;
        System.out.printf("BackupFaultsIT kill %d at %d ms%s: %s; spools %s; store temp files %s; backup dirs "
            + "without manifest %s%n", i, delay, afterStream ? " after the stream" : "", fate, spools, temps, orphans);
      }
      System.out.printf("BackupFaultsIT kills: %d of %d runs finished first, %d kills left spools, %d left store "
          + "leftovers (cumulative)%n", completed - 1, kills, withSpools, withStoreLeftovers);
      assertThat(withSpools).as("kills that caught a run with its spools open (else the kills proved nothing)")
          .isPositive();

      List<String> ids = listIds(store);
      assertThat(ids).as("the baseline and every run that finished before its kill").hasSizeGreaterThanOrEqualTo(completed);
      for (String id : ids) {
        Cli.Result v = new Cli().run("verify", "--from", store.toString(), "--cluster-name", "kills", id,
            "--spool-dir", tmp.resolve("verify-spool").toString());
        assertThat(v.exitCode()).as("verify %s: %s", id, v).isZero();
      }

      Exec.Result clean = Exec.run(binSnapshot(c, store, spool, "--leftover-grace", "0s"), tmp, Duration.ofMinutes(2));
      assertThat(clean.exitCode()).as(clean.stderr()).isZero();
      assertThat(names(tempFiles(store))).as("temporary files of killed uploads").isEmpty();
      assertThat(withoutManifest(store)).as("backup directories without a manifest").isEmpty();
      assertThat(names(ours(spool))).as("spools and their lock files").isEmpty();
      List<String> after = listIds(store);
      assertThat(after).as("every committed backup stays, and one more").hasSize(ids.size() + 1).containsAll(ids);
    }
  }

  /**
   * Many backups in a row in one JVM (as the daemon runs them): file descriptors and threads do
   * not grow with the number of runs, the spool dir ends empty, and the store holds exactly one
   * manifest a run and no hidden (temporary) file.
   */
  @Test
  void manyBackupsInARowLeakNothing() throws Exception {
    int runs = SOAK ? 100 : 25;
    int baselineAfter = 5;
    try (EtcdCluster c = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).start()) {
      SampleData.bulk(c.client(), "/registry/configmaps/leak/", 256 * 1024, 4096, 2);
      Path store = tmp.resolve("store");
      Path spool = tmp.resolve("spool");
      Usage baseline = null;
      long t0 = System.nanoTime();
      for (int i = 1; i <= runs; i++) {
        Cli.Result r = new Cli().run(c.tlsFlags(), "snapshot", "--to", store.toString(), "--cluster-name", "leak",
            "--spool-dir", spool.toString());
        assertThat(r.exitCode()).as("run %d: %s", i, r).isZero();
        if (i == baselineAfter) {
          baseline = Usage.settled();
        }
      }
      Usage end = Usage.settled();
      System.out.printf("BackupFaultsIT leaks: %d runs in %d ms; after run %d: %s; after run %d: %s%n", runs,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), baselineAfter, baseline, runs, end);
      // A leak of one a run would show as runs - 5 (20 or 95); a few come and go with pools.
      assertThat(end.fds()).as("open file descriptors, after run %d: %s", baselineAfter, baseline)
          .isLessThanOrEqualTo(baseline.fds() + 8);
      assertThat(end.threads()).as("live threads, after run %d: %s", baselineAfter, baseline)
          .isLessThanOrEqualTo(baseline.threads() + 8);

      assertThat(spool).isEmptyDirectory();
      List<Path> files = files(store);
      assertThat(files).filteredOn(f -> f.getFileName().toString().equals("manifest.json")).hasSize(runs);
      assertThat(names(files)).as("hidden files").noneMatch(n -> n.startsWith("."));
      assertThat(listIds(store, "leak")).hasSize(runs);
    }
  }

  /** This JVM's open file descriptors and live threads, the lowest of a few samples over a short settle. */
  record Usage(long fds, int threads) {
    static Usage settled() throws Exception {
      long fds = Long.MAX_VALUE;
      int threads = Integer.MAX_VALUE;
      for (int i = 0; i < 12; i++) {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
          fds = Math.min(fds, s.count());
        }
        threads = Math.min(threads, ManagementFactory.getThreadMXBean().getThreadCount());
        Thread.sleep(250);
      }
      return new Usage(fds, threads);
    }
  }

  /**
   * A member over its quota (the NOSPACE alarm: etcd refuses writes, reads and snapshots still
   * work) is exactly when a backup matters, before compacting and defragmenting: the snapshot
   * commits and verifies, and health reports the alarm as degraded.
   */
  @Test
  void noSpaceAlarmTheSnapshotStillCommitsAndHealthReportsIt() throws Exception {
    try (EtcdCluster c = EtcdCluster.builder().version(EtcdVersion.V3_4).members(1).quotaBackendBytes(1 << 20).start()) {
      HealthCommandIT.fillUntilNoSpace(c);
      Path store = tmp.resolve("store");

      Cli.Result health = new Cli().run(c.tlsFlags(), "health", "-o", "json");
      assertThat(health.exitCode()).as(health.toString()).isEqualTo(ExitCodes.DEGRADED);
      JsonNode h = Formats.JSON.readTree(health.out());
      assertThat(h.get("alarms").get(0).get("alarm").asString()).isEqualTo("NOSPACE");

      Cli.Result snap = new Cli().run(c.tlsFlags(), "snapshot", "--to", store.toString(), "--cluster-name", "nospace",
          "--spool-dir", tmp.resolve("spool").toString(), "-o", "json");
      assertThat(snap.exitCode()).as(snap.toString()).isZero();
      JsonNode m = Formats.JSON.readTree(snap.out()).get("manifest");
      assertThat(m.get("keyCount").asLong()).as("the fill keys").isPositive();

      Cli.Result verify = new Cli().run("verify", "--from", store.toString(), "--cluster-name", "nospace",
          m.get("id").asString(), "--spool-dir", tmp.resolve("spool").toString());
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
    }
  }

  /**
   * The snapshot stream of the member picked first stops part way on the network, its connection
   * open: after --stream-idle-timeout the run gives up on that member and commits from another,
   * and the JSON output names each failed attempt. Both followers (picked before the leader, in an
   * order their applied indexes decide) are behind stalling proxies, listed first in --endpoints
   * so that the tool reaches them through the proxies; the leader is the one left.
   */
  @Test
  void aStalledStreamTimesOutAndTheRunCommitsFromAnotherMember() throws Exception {
    try (EtcdCluster c = EtcdCluster.builder().version(EtcdVersion.V3_5).members(3).start()) {
      SampleData.bulk(c.client(), "/registry/secrets/stall/", 8 * MIB, 8192, 4);
      Cli.Result health = new Cli().run(c.tlsFlags(), "health", "-o", "json");
      assertThat(health.exitCode()).as(health.toString()).isZero();
      List<EtcdCluster.Member> followers = new ArrayList<>();
      for (JsonNode e : Formats.JSON.readTree(health.out()).get("endpoints")) {
        if (!e.get("status").get("isLeader").asBoolean()) {
          followers.add(memberAt(c, e.get("endpoint").asString()));
        }
      }
      assertThat(followers).hasSize(2);

      try (TcpProxy p1 = TcpProxy.to("127.0.0.1", followers.get(0).clientPort()).stallDownstreamAfter(MIB);
           TcpProxy p2 = TcpProxy.to("127.0.0.1", followers.get(1).clientPort()).stallDownstreamAfter(MIB)) {
        String endpoints = "https://127.0.0.1:" + p1.port() + ",https://127.0.0.1:" + p2.port() + "," + c.endpoints();
        Cli.Result r = new Cli().run(List.of("--endpoints", endpoints, "--cacert", c.caFile().toString(),
                "--cert", c.clientCert().cert().toString(), "--key", c.clientCert().key().toString()), "snapshot",
            "--to", tmp.resolve("store").toString(), "--cluster-name", "stall", "--spool-dir",
            tmp.resolve("spool").toString(), "--stream-idle-timeout", "2s", "--retry-backoff", "100ms", "-o", "json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode j = Formats.JSON.readTree(r.out());
        List<String> failed = new ArrayList<>();
        j.get("failedAttempts").forEach(f -> failed.add(f.asString()));
        assertThat(failed).as(r.toString()).hasSize(2);
        assertThat(failed).allMatch(f -> f.contains("sent nothing for 2s") && f.contains("--stream-idle-timeout"));
        assertThat(failed).anyMatch(f -> f.contains(followers.get(0).name() + " ")
            && f.contains("127.0.0.1:" + p1.port()));
        assertThat(failed).anyMatch(f -> f.contains(followers.get(1).name() + " ")
            && f.contains("127.0.0.1:" + p2.port()));
        JsonNode source = j.get("manifest").get("source");
        assertThat(source.get("leader").asBoolean()).as(source.toString()).isTrue();
        assertThat(source.get("name").asString()).isNotIn(followers.get(0).name(), followers.get(1).name());
        assertThat(tmp.resolve("spool")).isEmptyDirectory();
      }
      Cli.Result verify = new Cli().run("verify", "--from", tmp.resolve("store").toString(), "--cluster-name", "stall",
          "latest", "--spool-dir", tmp.resolve("spool").toString());
      assertThat(verify.exitCode()).as(verify.toString()).isZero();
    }
  }

  /** The time of the first log line (they start with an ISO instant) that contains {@code text}. */
  private static Instant loggedAt(String log, String text) {
    String line = log.lines().filter(l -> l.contains(text)).findFirst()
        .orElseThrow(() -> new AssertionError("no '" + text + "' in:\n" + log));
    return Instant.parse(line.substring(0, line.indexOf(' ')));
  }

  private static EtcdCluster.Member memberAt(EtcdCluster c, String endpoint) {
    int port = URI.create(endpoint).getPort();
    return c.members().stream().filter(m -> m.clientPort() == port).findFirst()
        .orElseThrow(() -> new AssertionError("no member at " + endpoint));
  }

  private static List<String> binSnapshot(EtcdCluster c, Path store, Path spool, String... more) {
    List<String> cmd = new ArrayList<>(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString(), "snapshot",
        "--to", store.toString(), "--cluster-name", "kills", "--spool-dir", spool.toString()));
    cmd.addAll(c.tlsFlags());
    cmd.addAll(List.of(more));
    return cmd;
  }

  private static List<String> listIds(Path store) {
    return listIds(store, "kills");
  }

  private static List<String> listIds(Path store, String cluster) {
    Cli.Result list = new Cli().run("list", "--from", store.toString(), "--cluster-name", cluster, "-o", "json");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    List<String> ids = new ArrayList<>();
    Formats.JSON.readTree(list.out()).forEach(m -> ids.add(m.get("id").asString()));
    return ids;
  }

  /** The spools and lock files of runs in {@code spool}: everything the tool names {@code etcd-backup-*}. */
  private static List<Path> ours(Path spool) throws IOException {
    return files(spool).stream().filter(f -> f.getFileName().toString().startsWith("etcd-backup-")).toList();
  }

  /** Upload temporary files ({@code .<name>.tmp-<hex>}) anywhere in the store. */
  private static List<Path> tempFiles(Path store) throws IOException {
    return files(store).stream().filter(f -> f.getFileName().toString().matches("\\..*\\.tmp-.*")).toList();
  }

  /** Backup directories ({@code v2/<cluster>/full/<id>/}) that hold no manifest. */
  private static List<String> withoutManifest(Path store) throws IOException {
    Path series = store.resolve(Layout.writePrefix("kills"));
    if (!Files.isDirectory(series)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(series)) {
      return s.filter(Files::isDirectory).filter(d -> !Files.exists(d.resolve("manifest.json")))
          .map(d -> d.getFileName().toString()).sorted().toList();
    }
  }

  private static List<Path> files(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static List<String> names(List<Path> files) {
    return files.stream().map(f -> f.getFileName().toString()).toList();
  }
}
