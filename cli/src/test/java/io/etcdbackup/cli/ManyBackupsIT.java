package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.storage.local.LocalDirectoryStore;
import io.etcdbackup.testing.SeriesWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 13, load: a series of 10,000 backups (one an hour for fourteen months, as the store holds
 * them: a small data object and its manifest each) is listed whole, planned and pruned to its
 * policy by the commands a user runs, and nothing but the kept backups is left. Nothing is timed
 * here; docs/benchmarks.md has the timings of the listing at this size against a remote store.
 */
class ManyBackupsIT {
  private static final int BACKUPS = 10_000;

  @Test
  void tenThousandBackupsAreListedPlannedAndPruned(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("store");
    // the newest an hour ago, so that the default --prune-grace (1h) holds back none of them
    Instant newest = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));
    List<Manifest> series = new ArrayList<>();
    for (int i = 0; i < BACKUPS; i++) {
      series.add(SeriesWriter.manifest("big", newest.minus(Duration.ofHours(i)), 1_000_000L - i * 50L, 1024));
    }
    try (BackupStore store = LocalDirectoryStore.open(dir)) {
      new SeriesWriter(store, 8).write(series);
    }

    Cli.Result list = new Cli().run("list", "--from", dir.toString(), "-o", "json");
    assertThat(list.exitCode()).as(list.err()).isZero();
    JsonNode listed = Formats.JSON.readTree(list.out());
    assertThat(listed.size()).isEqualTo(BACKUPS);
    assertThat(listed.get(0).get("id").asString()).isEqualTo(series.get(0).id());

    String[] policy = {"--keep-last", "24", "--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "12"};
    Cli.Result plan = prune(dir, true, policy);
    JsonNode planned = Formats.JSON.readTree(plan.out());
    assertThat(planned.get("dryRun").asBoolean()).isTrue();
    int kept = planned.get("kept").asInt();
    // 24 hourly, then a day's, a week's and a month's newest beyond them: a few dozen, never thousands
    assertThat(kept).isBetween(24 + 7, 24 + 7 + 4 + 12);
    assertThat(planned.get("deleted").asInt()).isEqualTo(BACKUPS - kept);
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().equals("manifest.json")).count())
          .as("a dry run deletes nothing").isEqualTo(BACKUPS);
    }

    Cli.Result pruned = prune(dir, false, policy);
    JsonNode done = Formats.JSON.readTree(pruned.out());
    assertThat(done.get("deleted").asInt()).isEqualTo(BACKUPS - kept);
    assertThat(done.get("refused").asInt()).isZero();
    List<Path> left = new ArrayList<>();
    for (String prefix : Layout.seriesPrefixes("big")) { // SeriesWriter writes both layouts
      if (!Files.isDirectory(dir.resolve(prefix))) {
        continue; // every backup of that layout pruned: the store removes the emptied directory
      }
      try (Stream<Path> dirs = Files.list(dir.resolve(prefix))) {
        left.addAll(dirs.toList());
      }
    }
    assertThat(left).hasSize(kept);
    for (Path backup : left) {
      try (Stream<Path> files = Files.list(backup)) {
        assertThat(files.map(p -> p.getFileName().toString())).as("%s", backup)
            .containsExactlyInAnyOrder("manifest.json", series.get(0).object());
      }
    }
    Cli.Result after = new Cli().run("list", "--from", dir.toString(), "-o", "json");
    assertThat(Formats.JSON.readTree(after.out()).size()).isEqualTo(kept);
  }

  private static Cli.Result prune(Path dir, boolean dryRun, String... policy) {
    List<String> args = new ArrayList<>(List.of("prune", "--from", dir.toString(), "--cluster-name", "big", "-o", "json"));
    args.addAll(List.of(policy));
    if (dryRun) {
      args.add("--dry-run");
    }
    Cli.Result r = new Cli().run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r;
  }
}
