package io.etcdbackup.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The harness itself: real etcd over mutual TLS, members that die and come back. */
@ExtendWith(EtcdClusterExtension.class)
class EtcdClusterIT {

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void threeMembersServeOverMutualTlsAndSurviveARestart(EtcdVersion version) throws Exception {
    try (EtcdCluster c = EtcdCluster.builder().version(version).members(3).auth("s3cret").start()) {
      ByteSequence k = ByteSequence.from("k", StandardCharsets.UTF_8);
      c.client().getKVClient().put(k, ByteSequence.from("v1", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      String version0 = c.etcdctl("version");
      assertThat(version0).contains("etcdctl version: " + version.version());

      c.kill(1);
      assertThat(c.member(1).isRunning()).isFalse();
      c.awaitLeader();
      c.client().getKVClient().put(k, ByteSequence.from("v2", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      c.restart(1);

      String status = c.etcdctl("endpoint", "status", "-w", "json");
      assertThat(status).contains("\"version\":\"" + version.version() + "\"");
      assertThat(c.etcdctl("get", "k", "--print-value-only").trim()).isEqualTo("v2");
    }
  }
}
