package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The member a snapshot streams from, chosen from the health check's one round (member list,
 * status, linearizable read and alarms asked at once), against a real three-member etcd 3.5: a
 * follower, never the leader while a follower is usable, also when only one endpoint is given
 * (the others come from the member list); and never a member with a CORRUPT alarm.
 */
class MemberChoiceIT {
  /** etcd's AlarmType CORRUPT (etcdserverpb rpc.proto); jetcd's copy of the enum stops at NOSPACE. */
  static final int CORRUPT = 2;

  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(3));

  EtcdCluster etcd;

  @TempDir
  Path tmp;

  @BeforeEach
  void cluster() {
    etcd = ETCD.cluster();
  }

  private Cli.Result snapshot(List<String> connection, String store) {
    return new Cli().run(connection, "snapshot", "--to", tmp.resolve(store).toString(), "--cluster-name", "choice",
        "-o", "json");
  }

  private StatusResponse status(EtcdCluster.Member m) throws Exception {
    return etcd.client().getMaintenanceClient().statusMember(m.clientUrl()).get(10, TimeUnit.SECONDS);
  }

  private String leaderName() throws Exception {
    for (EtcdCluster.Member m : etcd.members()) {
      StatusResponse s = status(m);
      if (s.getLeader() == s.getHeader().getMemberId()) {
        return m.name();
      }
    }
    throw new AssertionError("no leader");
  }

  /** The connection flags with only {@code endpoint} (the TLS flags of the cluster otherwise). */
  private List<String> onlyEndpoint(String endpoint) {
    List<String> flags = new ArrayList<>(etcd.tlsFlags());
    int i = flags.indexOf("--endpoints");
    flags.set(i + 1, endpoint);
    return flags;
  }

  private static JsonNode source(Cli.Result r) {
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return Formats.JSON.readTree(r.out()).get("manifest").get("source");
  }

  @Test
  void aFollowerIsChosenWithAllEndpointsOrOnlyTheLeaders() throws Exception {
    String leader = leaderName();
    JsonNode all = source(snapshot(etcd.tlsFlags(), "all"));
    assertThat(all.get("leader").asBoolean()).isFalse();
    assertThat(all.get("name").asString()).isNotEqualTo(leader);

    // Given the leader alone, the followers are found through the member list and probed after it.
    String leaderUrl = etcd.members().stream().filter(m -> m.name().equals(leader)).findFirst().orElseThrow().clientUrl();
    JsonNode fromLeader = source(snapshot(onlyEndpoint(leaderUrl), "leader-only"));
    assertThat(fromLeader.get("leader").asBoolean()).isFalse();
    assertThat(fromLeader.get("name").asString()).isNotEqualTo(leader);
  }

  @Test
  void aMemberWithACorruptAlarmIsNeverTheSource() throws Exception {
    String leader = leaderName();
    List<EtcdCluster.Member> followers = etcd.members().stream().filter(m -> !m.name().equals(leader)).toList();
    // Both followers CORRUPT: only the leader may serve, although followers come first.
    for (EtcdCluster.Member f : followers) {
      activateCorrupt(status(f).getHeader().getMemberId());
    }
    try {
      Cli.Result r = snapshot(etcd.tlsFlags(), "corrupt");
      JsonNode src = source(r);
      assertThat(src.get("name").asString()).isEqualTo(leader);
      assertThat(src.get("leader").asBoolean()).isTrue();

      // Given one corrupt follower's endpoint alone and --member naming it: refused, nothing stored.
      EtcdCluster.Member f = followers.get(0);
      Cli.Result refused = new Cli().run(onlyEndpoint(f.clientUrl()), "snapshot", "--to", tmp.resolve("refused").toString(),
          "--cluster-name", "choice", "--member", f.name());
      assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
      assertThat(refused.err()).contains(f.name()).contains("has an active CORRUPT alarm");
      Path refusedStore = tmp.resolve("refused");
      if (Files.exists(refusedStore)) {
        try (Stream<Path> files = Files.walk(refusedStore)) {
          assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
        }
      }
    } finally {
      disarmAll();
    }
  }

  /** etcdctl cannot raise an alarm; the Maintenance API can (etcd applies ACTIVATE as the server's own corruption check does). */
  private void activateCorrupt(long memberId) throws Exception {
    alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setAlarmValue(CORRUPT)
        .setMemberID(memberId).build());
  }

  private void disarmAll() throws Exception {
    for (EtcdCluster.Member m : etcd.members()) {
      alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE).setAlarmValue(CORRUPT)
          .setMemberID(status(m).getHeader().getMemberId()).build());
    }
  }

  private void alarm(AlarmRequest request) throws Exception {
    EtcdCluster.Member m = etcd.member(0);
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", m.clientPort())
        .sslContext(GrpcSslContexts.forClient().trustManager(etcd.caFile().toFile())
            .keyManager(etcd.clientCert().cert().toFile(), etcd.clientCert().key().toFile()).build())
        .build();
    try {
      MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).alarm(request);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
