package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.storage.local.LocalDirectoryStore;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SeriesWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code prune} as a user runs it, and {@code snapshot} with policy flags against a real etcd: one
 * CronJob line that backs up and prunes, with the floor holding.
 */
class PruneCommandIT {

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  static EtcdCluster etcd;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).start();
  }

  @AfterAll
  static void stop() {
    if (etcd != null) {
      etcd.close();
    }
  }

  /** Ten daily backups, the newest two hours old, in a local store. */
  private List<Manifest> tenDays(Path dir) throws IOException {
    List<Manifest> all = new ArrayList<>();
    Instant newest = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
    for (int i = 9; i >= 0; i--) {
      all.add(SeriesWriter.manifest("prod", newest.minus(Duration.ofDays(i)), 99_995 + (9 - i), 1000));
    }
    try (LocalDirectoryStore store = LocalDirectoryStore.open(dir)) {
      new SeriesWriter(store, 4).write(all);
    }
    return all;
  }

  private static List<String> ids(Path dir) throws IOException {
    try (LocalDirectoryStore store = LocalDirectoryStore.open(dir)) {
      return new BackupRepository(store).list("prod").stream().map(Manifest::id).toList();
    }
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void aDryRunPrintsThePlanAndDeletesNothing() throws IOException {
    Path dir = tmp.resolve("store");
    List<Manifest> all = tenDays(dir);
    List<String> before = files(dir);

    Cli.Result r = new Cli().run("prune", "--from", dir.toString(), "--cluster-name", "prod", "--keep-last", "2",
        "--keep-within", "4d", "--dry-run");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    List<String> lines = r.out().lines().filter(l -> l.startsWith("| ")).map(l -> l.substring(2)).toList();
    assertThat(lines).hasSize(11);
    assertThat(lines.get(0)).startsWith("ID").contains("STARTED", "REVISION", "STORED", "DECISION", "RULES");
    // newest first: two by last and within (and the floor), then within alone, then the rest go
    assertThat(lines.get(1)).startsWith(all.get(9).id()).contains("keep").contains("last,within,min-keep,newest");
    assertThat(lines.get(4)).startsWith(all.get(6).id()).contains("keep").contains("within");
    assertThat(lines.get(5)).startsWith(all.get(5).id()).contains("delete");
    assertThat(lines.get(10)).startsWith(all.get(0).id()).contains("delete");
    assertThat(r.out()).contains("retention prod: 4 kept, would delete 6 (");
    assertThat(files(dir)).isEqualTo(before);
  }

  @Test
  void pruneDeletesWhatThePlanSaysAndJsonSaysWhy() throws IOException {
    Path dir = tmp.resolve("store");
    List<Manifest> all = tenDays(dir);

    Cli.Result r = new Cli().env("ETCD_BACKUP_KEEP_LAST", "4").run("prune", "--from", dir.toString(),
        "--cluster-name", "prod", "-o", "json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode json = Formats.JSON.readTree(r.out());
    assertThat(json.get("kept").asInt()).isEqualTo(4);
    assertThat(json.get("deleted").asInt()).isEqualTo(6);
    assertThat(json.get("dryRun").asBoolean()).isFalse();
    assertThat(json.get("plan")).hasSize(10);
    assertThat(json.get("plan").get(0).get("id").asString()).isEqualTo(all.get(9).id());
    assertThat(json.get("plan").get(0).get("rules").toString()).contains("last", "newest");
    assertThat(json.get("plan").get(9).get("decision").asString()).isEqualTo("delete");
    assertThat(ids(dir)).containsExactly(all.get(9).id(), all.get(8).id(), all.get(7).id(), all.get(6).id());
    // whole backups went: nothing of theirs is left on disk
    assertThat(files(dir)).hasSize(8).allMatch(f -> all.subList(6, 10).stream().anyMatch(m -> f.contains(m.id())));
  }

  @Test
  void badInputIsOneLineAndExitTwoAndDeletesNothing() throws IOException {
    Path dir = tmp.resolve("store");
    tenDays(dir);
    List<String> before = files(dir);

    Cli.Result noRule = new Cli().run("prune", "--from", dir.toString(), "--cluster-name", "prod");
    assertThat(noRule.exitCode()).as(noRule.toString()).isEqualTo(2);
    assertThat(noRule.err()).contains("prune needs a retention rule: add one of --keep-last");

    Cli.Result noCluster = new Cli().run("prune", "--from", dir.toString(), "--keep-last", "1");
    assertThat(noCluster.exitCode()).as(noCluster.toString()).isEqualTo(2);
    assertThat(noCluster.err()).contains("--cluster-name");

    Cli.Result zero = new Cli().run("prune", "--from", dir.toString(), "--cluster-name", "prod", "--keep-daily", "0");
    assertThat(zero.exitCode()).as(zero.toString()).isEqualTo(2);
    assertThat(zero.err().lines().filter(l -> l.startsWith("etcd-backup: "))).singleElement().asString()
        .contains("--keep-daily (0) must be at least 1");

    Cli.Result floorOnly = new Cli().run("prune", "--from", dir.toString(), "--cluster-name", "prod", "--min-keep", "1");
    assertThat(floorOnly.exitCode()).as(floorOnly.toString()).isEqualTo(2);
    assertThat(floorOnly.err()).contains("--min-keep is given without a retention rule");
    assertThat(files(dir)).isEqualTo(before);
  }

  @Test
  void anUnreadableManifestStopsThePruneWithExitFive() throws IOException {
    Path dir = tmp.resolve("store");
    List<Manifest> all = tenDays(dir);
    Files.writeString(dir.resolve(all.get(3).manifestKey()), "{ not json");
    List<String> before = files(dir);

    Cli.Result r = new Cli().run("prune", "--from", dir.toString(), "--cluster-name", "prod", "--keep-last", "1");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(5);
    assertThat(r.err().lines().filter(l -> l.startsWith("etcd-backup: "))).singleElement().asString()
        .contains(all.get(3).manifestKey()).contains("nothing was deleted");
    assertThat(files(dir)).isEqualTo(before);
  }

  @Test
  void leftoversAreReportedAndUnknownObjectsLeftAlone() throws IOException {
    Path dir = tmp.resolve("store");
    tenDays(dir);
    Path leftover = dir.resolve(Layout.objectKey("prod", BackupId.create(Instant.now().minus(Duration.ofDays(3)))
        .toString(), "snapshot.db.zst"));
    Files.createDirectories(leftover.getParent());
    Files.write(leftover, new byte[10]);
    Files.setLastModifiedTime(leftover, java.nio.file.attribute.FileTime.from(Instant.now().minus(Duration.ofDays(1))));
    Path notes = dir.resolve(Layout.V1 + "prod/NOTES.md");
    Files.writeString(notes, "restore drills: see the wiki");

    Cli.Result r = new Cli().run("prune", "--from", dir.toString(), "--cluster-name", "prod", "--keep-last", "20");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("removed 1 leftover(s) of interrupted runs and 0 unfinished upload(s)")
        .contains("left alone: 1 object(s) that are no part of a backup (first: v1/prod/NOTES.md)");
    assertThat(leftover).doesNotExist();
    assertThat(notes).exists();
  }

  // --- snapshot with a policy, against real etcd ---

  private Cli.Result snapshot(Stores store, String cluster, String... policy) {
    List<String> args = new ArrayList<>(List.of("snapshot"));
    args.addAll(etcd.tlsFlags());
    args.addAll(store.with("--to", store.uri(), "--cluster-name", cluster, "-o", "json"));
    args.addAll(List.of(policy));
    return new Cli().run(args.toArray(String[]::new));
  }

  private static List<String> listed(Stores store, String cluster) {
    Cli.Result list = new Cli().run(store.cmd("list", "--from", store.uri(), "--cluster-name", cluster, "-o", "json"));
    assertThat(list.exitCode()).as(list.toString()).isZero();
    List<String> ids = new ArrayList<>();
    Formats.JSON.readTree(list.out()).forEach(n -> ids.add(n.get("id").asString()));
    return ids;
  }

  @Test
  void snapshotWithAPolicyKeepsTheFloorThenOnlyTheNewest() {
    Stores store = Stores.s3(S3, S3.newPrefix("cron"));
    List<String> made = new ArrayList<>();
    JsonNode last = null;
    for (int i = 0; i < 6; i++) {
      Cli.Result r = snapshot(store, "prod", "--keep-last", "1", "--prune-grace", "0s");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      last = Formats.JSON.readTree(r.out());
      made.add(last.get("manifest").get("id").asString());
    }
    // --keep-last 1 alone would leave one; the floor (--min-keep 3) keeps three, the newest among them.
    assertThat(listed(store, "prod")).containsExactly(made.get(5), made.get(4), made.get(3));
    JsonNode retention = last.get("retention");
    assertThat(retention.get("reason").asString()).isEqualTo("ok");
    assertThat(retention.get("kept").asInt()).isEqualTo(3);
    assertThat(retention.get("deleted").asInt()).isEqualTo(1);
    assertThat(retention.get("notes").toString()).contains("nothing beyond the floor");

    Cli.Result one = snapshot(store, "prod", "--keep-last", "1", "--prune-grace", "0s", "--min-keep", "1");
    assertThat(one.exitCode()).as(one.toString()).isZero();
    String newest = Formats.JSON.readTree(one.out()).get("manifest").get("id").asString();
    assertThat(listed(store, "prod")).containsExactly(newest);
    assertThat(S3.incompleteMultipartUploads("")).isEmpty();
  }

  @Test
  void withoutAGraceOfZeroFreshBackupsAllStayAndTheTableSaysSo() {
    Stores store = Stores.local(tmp.resolve("fresh"));
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Cli.Result r = snapshot(store, "fresh", "--keep-last", "1");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      made.add(Formats.JSON.readTree(r.out()).get("manifest").get("id").asString());
    }
    // Younger than the default --prune-grace of 1h: none goes.
    assertThat(listed(store, "fresh")).hasSize(6).containsExactlyInAnyOrderElementsOf(made);

    List<String> args = new ArrayList<>(List.of("snapshot"));
    args.addAll(etcd.tlsFlags());
    args.addAll(store.with("--to", store.uri(), "--cluster-name", "fresh", "--keep-last", "1"));
    Cli.Result table = new Cli().run(args.toArray(String[]::new));
    assertThat(table.exitCode()).as(table.toString()).isZero();
    assertThat(table.out()).contains("retention fresh: 7 kept, deleted 0 (0 B)");
  }

  @Test
  void snapshotRefusesTheFloorFlagsWithoutARuleBeforeTouchingEtcd() {
    Stores store = Stores.local(tmp.resolve("none"));
    Cli.Result r = snapshot(store, "prod", "--min-keep", "1");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("--min-keep is given without a retention rule");
    assertThat(tmp.resolve("none")).doesNotExist();
  }
}
