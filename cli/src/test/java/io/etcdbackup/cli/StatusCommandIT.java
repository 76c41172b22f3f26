package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.SampleData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/** {@code status FILE} prints what etcd's own tool prints for the same file. */
@ExtendWith(EtcdClusterExtension.class)
class StatusCommandIT {

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void statusEqualsEtcdsOwnToolOnASnapshotFile(EtcdVersion version, @TempDir Path tmp) throws Exception {
    try (EtcdCluster c = EtcdCluster.builder().version(version).members(1).start()) {
      SampleData.history(c.client());
      Path file = tmp.resolve("snap.db");
      c.etcdctl("snapshot", "save", file.toString());
      // etcd 3.4's etcdctl has the status command; from 3.5 it lives in etcdutl
      List<String> theirs = version == EtcdVersion.V3_4
          ? List.of(version.binary("etcdctl").toString(), "snapshot", "status", "-w", "json", file.toString())
          : List.of(version.binary("etcdutl").toString(), "snapshot", "status", "-w", "json", file.toString());
      JsonNode expected = Formats.JSON.readTree(Exec.run(theirs, tmp, Duration.ofMinutes(1), "ETCDCTL_API", "3")
          .stdoutOrThrow());

      Cli.Result ours = new Cli().run("status", file.toString(), "-w", "json");
      assertThat(ours.exitCode()).as(ours.toString()).isZero();
      assertThat(Formats.JSON.readTree(ours.out())).isEqualTo(expected);

      Cli.Result table = new Cli().run("status", file.toString());
      assertThat(table.out()).contains(Long.toHexString(expected.get("hash").asLong()))
          .contains("sha256 trailer: present and valid");
    }
  }
}
