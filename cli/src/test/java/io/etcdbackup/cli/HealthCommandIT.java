package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/** {@code health} and {@code members} against real etcd clusters over mutual TLS. */
@ExtendWith(EtcdClusterExtension.class)
class HealthCommandIT {

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void threeMembersHealthyThenDegradedThenQuorumLost(EtcdVersion version) throws Exception {
    try (EtcdCluster c = EtcdCluster.builder().version(version).members(3).start()) {
      List<String> tls = c.tlsFlags();

      Cli.Result healthy = new Cli().run(tls, "health", "--consistency");
      assertThat(healthy.exitCode()).as(healthy.toString()).isZero();
      assertThat(healthy.out()).contains("cluster is healthy").contains("quorum: 3 of 3 voting members healthy");
      for (EtcdCluster.Member m : c.members()) {
        assertThat(healthy.out()).contains(m.clientUrl()).contains(" " + m.name() + " ");
      }
      assertThat(healthy.out()).contains(version.version());

      Cli.Result json = new Cli().run(tls, "health", "--consistency", "--output", "json");
      JsonNode j = Formats.JSON.readTree(json.out());
      assertThat(j.get("verdict").asString()).isEqualTo("healthy");
      assertThat(j.get("endpoints")).hasSize(3);
      assertThat(j.get("consistency").get("consistent").asBoolean()).isTrue();
      assertThat(j.get("consistency").get("members")).hasSize(3);
      long leaders = 0;
      for (JsonNode e : j.get("endpoints")) {
        assertThat(e.get("health").asBoolean()).isTrue();
        leaders += e.get("status").get("isLeader").asBoolean() ? 1 : 0;
      }
      assertThat(leaders).isEqualTo(1);

      Cli.Result members = new Cli().run(tls, "members");
      assertThat(members.exitCode()).isZero();
      for (EtcdCluster.Member m : c.members()) {
        assertThat(members.out()).contains(m.name()).contains(m.peerUrl()).contains(m.clientUrl());
      }

      c.kill(2);
      c.awaitLeader();
      Cli.Result degraded = new Cli().run(tls, "health");
      assertThat(degraded.exitCode()).as(degraded.toString()).isEqualTo(ExitCodes.DEGRADED);
      assertThat(degraded.out()).contains("cluster is DEGRADED")
          .containsPattern("member m3 \\([0-9a-f]+\\) at " + c.member(2).clientUrl() + " is unhealthy");

      c.kill(1);
      Cli.Result lost = new Cli().run(tls, "health", "--command-timeout", "2s");
      assertThat(lost.exitCode()).as(lost.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(lost.out()).contains("quorum lost: 0 of 3 voting members healthy, 2 needed");
    }
  }

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void noSpaceAlarmDegradesAOneMemberCluster(EtcdVersion version) throws Exception {
    try (EtcdCluster c = EtcdCluster.builder().version(version).members(1).quotaBackendBytes(1 << 20).start()) {
      Cli.Result before = new Cli().run(c.tlsFlags(), "health");
      assertThat(before.exitCode()).as(before.toString()).isZero();
      assertThat(before.out()).contains("quorum: 1 of 1 voting members healthy, 1 needed");

      fillUntilNoSpace(c);

      Cli.Result after = new Cli().run(c.tlsFlags(), "health", "-w", "json");
      assertThat(after.exitCode()).as(after.toString()).isEqualTo(ExitCodes.DEGRADED);
      JsonNode j = Formats.JSON.readTree(after.out());
      assertThat(j.get("alarms").get(0).get("alarm").asString()).isEqualTo("NOSPACE");
      assertThat(j.get("problems").toString()).contains("alarm NOSPACE is active on member m1");
    }
  }

  static void fillUntilNoSpace(EtcdCluster c) throws Exception {
    byte[] big = new byte[64 * 1024];
    for (int i = 0; i < 400; i++) {
      try {
        c.client().getKVClient().put(ByteSequence.from(("fill-" + i).getBytes()), ByteSequence.from(big))
            .get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (String.valueOf(e.getCause()).contains("database space exceeded")) {
          return;
        }
        throw e;
      }
    }
    throw new AssertionError("no NOSPACE alarm after 400 puts of 64 KiB");
  }
}
