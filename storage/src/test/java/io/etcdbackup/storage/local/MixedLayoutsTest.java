package io.etcdbackup.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupSelector;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.testing.SeriesWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store written by an older version (v1: revision in the id) and then by this one (v2: the
 * run's id, the revision in the manifest alone): listing, selection and the unreadable-manifest
 * guard read the revision from the manifest and treat both layouts as one series.
 */
class MixedLayoutsTest {
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

  @TempDir
  Path dir;
  BackupStore store;
  BackupRepository repo;
  SeriesWriter writer;
  Manifest oldV1;
  Manifest midV1;
  Manifest newV2;
  Manifest newestV2;

  @BeforeEach
  void writeSeries() throws IOException {
    store = LocalDirectoryStore.open(dir);
    repo = new BackupRepository(store);
    writer = new SeriesWriter(store, 2);
    oldV1 = backup(BackupId.createV1(T0, 100), T0, 100);
    midV1 = backup(BackupId.createV1(T0.plusSeconds(3600), 200), T0.plusSeconds(3600), 200);
    // an upgrade: from here on v2
    newV2 = backup(BackupId.create(T0.plusSeconds(7200)), T0.plusSeconds(7200), 300);
    newestV2 = backup(BackupId.create(T0.plusSeconds(10800)), T0.plusSeconds(10800), 400);
    writer.write(List.of(oldV1, midV1, newV2, newestV2));
  }

  private static Manifest backup(BackupId id, Instant started, long revision) {
    return SeriesWriter.manifest("prod", id.toString(), started, revision, 10, true, null);
  }

  @Test
  void bothLayoutsAreOneSeriesNewestFirst() {
    assertThat(repo.series()).containsExactly("prod");
    assertThat(repo.list("prod")).containsExactly(newestV2, newV2, midV1, oldV1);
    assertThat(dir.resolve(Layout.manifestKey("prod", newV2.id()))).exists();
    assertThat(dir.resolve("v2/prod/full/" + newV2.id() + "/manifest.json")).exists();
    assertThat(dir.resolve("v1/prod/" + oldV1.id() + "/manifest.json")).exists();
  }

  @Test
  void selectionReadsTheRevisionFromTheManifest() {
    assertThat(repo.find("prod", BackupSelector.latest())).isEqualTo(newestV2);
    assertThat(repo.find("prod", new BackupSelector.AtOrBelowRevision(350))).isEqualTo(newV2);
    assertThat(repo.find("prod", new BackupSelector.AtOrBelowRevision(299))).isEqualTo(midV1);
    assertThat(repo.find("prod", new BackupSelector.AsOf(T0.plusSeconds(7300)))).isEqualTo(newV2);
    assertThat(repo.find("prod", BackupSelector.parse(oldV1.id()))).isEqualTo(oldV1);
    assertThat(repo.find("prod", BackupSelector.parse(newV2.id()))).isEqualTo(newV2);
  }

  @Test
  void anUnreadableV2ManifestNewerThanTheAnswerStopsARevisionSelection() {
    // Its id has no revision; it started after the answer (newV2), so its revision may be the one asked for.
    BackupId unreadable = BackupId.create(T0.plusSeconds(9000));
    writer.put(Layout.objectKey("prod", unreadable.toString(), "snapshot.db.zst"), new byte[10]);
    writer.put(Layout.manifestKey("prod", unreadable.toString()), "{\"formatVersion\": 1, \"id\": ");

    assertThatThrownBy(() -> repo.find("prod", new BackupSelector.AtOrBelowRevision(350)))
        .isInstanceOf(IntegrityException.class).hasMessageContaining(unreadable.toString())
        .hasMessageContaining("nothing was selected");
  }

  @Test
  void anUnreadableV2ManifestOlderThanTheAnswerIsPassedOver() {
    // Started before the answer (newV2): in one series its revision is at most the answer's.
    BackupId unreadable = BackupId.create(T0.plusSeconds(5000));
    writer.put(Layout.manifestKey("prod", unreadable.toString()), "not json");

    assertThat(repo.find("prod", new BackupSelector.AtOrBelowRevision(350))).isEqualTo(newV2);
    assertThat(repo.find("prod", BackupSelector.latest())).isEqualTo(newestV2);
    assertThat(repo.scan("prod", io.etcdbackup.core.run.Cancellation.create()).unreadable())
        .extracting(BackupRepository.Unreadable::key).containsExactly(Layout.manifestKey("prod", unreadable.toString()));
  }

  @Test
  void leftoversOfBothLayoutsAreFoundAndNothingElse() {
    String v1Leftover = Layout.objectKey("prod", BackupId.createV1(T0.minus(Duration.ofDays(1)), 50).toString(),
        "snapshot.db");
    String v2Leftover = Layout.objectKey("prod", BackupId.create(T0.minus(Duration.ofDays(1))).toString(),
        "snapshot.db.zst.age");
    writer.put(v1Leftover, new byte[3]);
    writer.put(v2Leftover, new byte[3]);
    writer.put("v2/prod/revlog/segment-1", new byte[3]);

    List<BackupRepository.Leftover> found = repo.leftovers("prod", Duration.ZERO, Instant.now().plusSeconds(60));

    assertThat(found).extracting(l -> l.objects().get(0).key()).containsExactlyInAnyOrder(v1Leftover, v2Leftover);
    assertThat(repo.scan("prod", io.etcdbackup.core.run.Cancellation.create()).unknown()).isEmpty();
    assertThat(repo.resolveSeries(Optional.empty())).isEqualTo("prod");
  }
}
