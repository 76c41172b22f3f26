package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HashKvRulesTest {

  @ParameterizedTest
  @CsvSource({
      "3.3.27, COMPACT_REV_REFUSED", "3.4.0, COMPACT_REV_REFUSED", "3.4.23, COMPACT_REV_REFUSED",
      "3.4.26, COMPACT_REV_REFUSED", "3.4.27, COMPACT_REV_ALLOWED", "3.4.33, COMPACT_REV_ALLOWED",
      "3.4.34, COMPACT_TOMBSTONE_SKIPPED", "v3.4.45, COMPACT_TOMBSTONE_SKIPPED", "3.5.0, COMPACT_REV_REFUSED",
      "3.5.9, COMPACT_REV_REFUSED", "3.5.10, COMPACT_REV_ALLOWED", "3.5.15, COMPACT_REV_ALLOWED",
      "3.5.16, COMPACT_TOMBSTONE_SKIPPED", "3.5.30, COMPACT_TOMBSTONE_SKIPPED", "3.6.0-rc.1, COMPACT_TOMBSTONE_SKIPPED",
      "3.7.0, COMPACT_TOMBSTONE_SKIPPED"})
  void releasesMapToTheirRules(String version, HashKvRules expected) {
    assertThat(HashKvRules.forEtcdVersion(version)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "3", "3.5", "three.five.one", "3.x.1"})
  void malformedVersionsAreRefused(String version) {
    assertThatThrownBy(() -> HashKvRules.forEtcdVersion(version)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("etcd version (" + version + ")");
  }

  @ParameterizedTest
  @CsvSource({"COMPACT_REV_REFUSED, true, false", "COMPACT_REV_ALLOWED, false, false", "COMPACT_TOMBSTONE_SKIPPED, false, true"})
  void flags(HashKvRules rules, boolean refuses, boolean skips) {
    assertThat(rules.refusesCompactRevision()).isEqualTo(refuses);
    assertThat(rules.skipsTombstoneAtCompactRevision()).isEqualTo(skips);
  }
}
