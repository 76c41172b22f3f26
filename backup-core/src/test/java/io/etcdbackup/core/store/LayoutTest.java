package io.etcdbackup.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LayoutTest {
  private static final Instant T = Instant.parse("2026-12-03T08:15:27.123Z");

  @Test
  void newBackupsGetARunIdWithoutRevisionUnderV2Full() {
    BackupId id = BackupId.create(T);

    assertThat(id.toString()).matches("20261203T081527Z-[0-9a-f]{8}");
    assertThat(id.v1()).isFalse();
    assertThat(id.revisionInId()).isEmpty();
    assertThat(BackupId.parse(id.toString())).isEqualTo(id);
    assertThat(Layout.manifestKey("prod", id.toString())).isEqualTo("v2/prod/full/" + id + "/manifest.json");
    assertThat(Layout.objectKey("prod", id.toString(), "snapshot.db.zst.age"))
        .startsWith(Layout.writePrefix("prod")).endsWith("/" + id + "/snapshot.db.zst.age");
  }

  @Test
  void v1IdsStayReadableWhereOlderVersionsPutThem() {
    BackupId id = BackupId.parse("20260101T120000Z-r00000000000000012345-ab12");

    assertThat(id.v1()).isTrue();
    assertThat(id.revisionInId()).hasValue(12345);
    assertThat(id.toString()).isEqualTo("20260101T120000Z-r00000000000000012345-ab12");
    assertThat(Layout.manifestKey("prod", id.toString()))
        .isEqualTo("v1/prod/20260101T120000Z-r00000000000000012345-ab12/manifest.json");
    assertThat(BackupId.createV1(T, 7).toString()).matches("20261203T081527Z-r0{19}7-[0-9a-f]{4}");
  }

  @Test
  void runIdsOfTheSameSecondDoNotCollide() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(BackupId.create(T).toString());
    }
    // 32 random bits: a collision among 10,000 has a chance of about 1 in 86,000
    assertThat(ids).hasSize(10_000);
  }

  @Test
  void anythingElseIsNoId() {
    for (String s : new String[] {"", "latest", "20260101T120000Z", "20260101T120000Z-abc", "20260101T120000Z-0A1B2C3D",
        "20260101T120000Z-r123-ab12", "20260101T120000Z-0a1b2c3d-x"}) {
      assertThat(BackupId.looksLikeId(s)).as(s).isFalse();
      assertThatThrownBy(() -> BackupId.parse(s)).as(s).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("is not a backup id (expected e.g. 20260101T120000Z-0a1b2c3d");
    }
  }

  @Test
  void parseKnowsBothLayoutsAndOnlyFullBackupsInV2() {
    String v2 = BackupId.create(T).toString();
    assertThat(Layout.parse("v2/prod/full/" + v2 + "/manifest.json")).hasValueSatisfying(p -> {
      assertThat(p.cluster()).isEqualTo("prod");
      assertThat(p.backupId()).hasValue(BackupId.parse(v2));
      assertThat(p.name()).isEqualTo("manifest.json");
      assertThat(p.v1()).isFalse();
    });
    String v1 = BackupId.createV1(T, 9).toString();
    assertThat(Layout.parse("v1/prod/" + v1 + "/snapshot.db")).hasValueSatisfying(p -> {
      assertThat(p.backupId()).hasValue(BackupId.parse(v1));
      assertThat(p.v1()).isTrue();
    });
    // another kind of object in a v2 series, and keys of no layout
    assertThat(Layout.parse("v2/prod/revlog/" + v2 + "/manifest.json")).isEmpty();
    assertThat(Layout.parse("v2/prod/full/" + v2)).isEmpty();
    assertThat(Layout.parse("v3/prod/full/" + v2 + "/manifest.json")).isEmpty();
    // an id of the other layout's form is no backup of this one
    assertThat(Layout.parse("v2/prod/full/" + v1 + "/manifest.json").orElseThrow().backupId()).isEmpty();
    assertThat(Layout.parse("v1/prod/" + v2 + "/manifest.json").orElseThrow().backupId()).isEmpty();
  }

  @Test
  void aSeriesIsListedUnderBothLayoutsButNoOtherKind() {
    assertThat(Layout.seriesPrefixes("prod")).containsExactly("v1/prod/", "v2/prod/full/");
    assertThat(Layout.writePrefix("prod")).isEqualTo("v2/prod/full/");
  }
}
