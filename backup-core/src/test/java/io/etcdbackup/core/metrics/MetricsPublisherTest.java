package io.etcdbackup.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsPublisherTest {
  @TempDir
  Path tmp;

  @Test
  void aLaterRunReplacesOnlyTheFamiliesItCarries() throws Exception {
    Path file = tmp.resolve("etcd-backup.prom");
    MetricsPublisher.write(file, """
        # HELP etcd_backup_last_success_timestamp_seconds  
        # TYPE etcd_backup_last_success_timestamp_seconds gauge
        etcd_backup_last_success_timestamp_seconds{cluster="prod",store="s3"} 100.0
        # HELP etcd_backup_last_attempt_timestamp_seconds  
        # TYPE etcd_backup_last_attempt_timestamp_seconds gauge
        etcd_backup_last_attempt_timestamp_seconds{cluster="prod",store="s3"} 100.0
        """);
    MetricsPublisher.write(file, """
        # HELP etcd_backup_last_attempt_timestamp_seconds  
        # TYPE etcd_backup_last_attempt_timestamp_seconds gauge
        etcd_backup_last_attempt_timestamp_seconds{cluster="prod",store="s3"} 200.0
        # HELP etcd_backup_last_failure_timestamp_seconds  
        # TYPE etcd_backup_last_failure_timestamp_seconds gauge
        etcd_backup_last_failure_timestamp_seconds{cluster="prod",store="s3"} 200.0
        """);

    String text = Files.readString(file);
    assertThat(text).contains("etcd_backup_last_success_timestamp_seconds{cluster=\"prod\",store=\"s3\"} 100.0")
        .contains("etcd_backup_last_attempt_timestamp_seconds{cluster=\"prod\",store=\"s3\"} 200.0")
        .doesNotContain("} 100.0\netcd_backup_last_attempt")
        .contains("etcd_backup_last_failure_timestamp_seconds{cluster=\"prod\",store=\"s3\"} 200.0");
    assertThat(text.lines().filter(l -> l.startsWith("etcd_backup_last_attempt"))).hasSize(1);
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("etcd-backup.prom");
    }
  }

  @Test
  void theGroupUrlNamesJobAndCluster() {
    assertThat(MetricsPublisher.groupUri(URI.create("http://pg:9091/"), "etcd-backup", "prod"))
        .hasToString("http://pg:9091/metrics/job/etcd-backup/cluster/prod");
  }

  @Test
  void badTargetsAreRefusedWithTheFlagNamed() {
    assertThatThrownBy(() -> new MetricsPublisher.Target(Optional.of(URI.create("ftp://pg:9091")), "etcd-backup",
        Optional.empty(), Duration.ofSeconds(5))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("--pushgateway");
    assertThatThrownBy(() -> new MetricsPublisher.Target(Optional.of(URI.create("http://u:p@pg:9091")), "etcd-backup",
        Optional.empty(), Duration.ofSeconds(5))).hasMessageContaining("credentials");
    assertThatThrownBy(() -> new MetricsPublisher.Target(Optional.empty(), "a/b", Optional.empty(),
        Duration.ofSeconds(5))).hasMessageContaining("--pushgateway-job");
    assertThatThrownBy(() -> new MetricsPublisher.Target(Optional.empty(), "etcd-backup",
        Optional.of(tmp.resolve("metrics.txt")), Duration.ofSeconds(5))).hasMessageContaining(".prom");
  }
}
