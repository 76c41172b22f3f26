package io.etcdbackup.restore;

import static io.etcdbackup.testing.RestoredEtcd.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.RestoredEtcd;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real etcd 3.5.30 and 3.4.23 start from natively restored data dirs of a real etcd 3.5.30
 * snapshot (auth on), with the flags the writer returns, and serve what the source served: every
 * key with value, create/mod revision and version, the current revision, HashKV with its compact
 * revision, the lease with its keys; users log in; new writes succeed. One member, and three
 * members forming a quorum. With {@code --bump-revision --mark-compacted}, the native result
 * behaves as etcdutl's.
 */
@ExtendWith(RestoredEtcd.Logs.class)
class NativeRestoreBootIT {
  static final String ROOT_PASSWORD = "root-secret";
  private static final String TOKEN = "restore-boot-it";

  @RegisterExtension
  static final EtcdClusterExtension SOURCE =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).auth(ROOT_PASSWORD));

  @TempDir
  static Path shared;
  private static SourceHistory.Snapshot snapshot;
  private static EtcdState source;

  @BeforeAll
  static void writeHistoryAndSnapshot() throws Exception {
    Client c = SOURCE.cluster().client();
    long lease = SourceHistory.write(c);
    snapshot = SourceHistory.snapshot(c, shared);
    source = EtcdState.capture(c, SOURCE.cluster().member(0).clientUrl(), lease);
    assertThat(source.compactRevision()).as("the history compacted").isPositive();
  }

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void oneMemberStartsAndServesTheSnapshot(EtcdVersion version, @TempDir Path dir) throws Exception {
    String peer = "http://127.0.0.1:" + EtcdCluster.freePorts(1)[0];
    RestoredMember m = DataDirWriter.writeMember(snapshot.rawDb(), RestoreConfig.builder().name("m1")
        .initialCluster("m1=" + peer).initialAdvertisePeerUrls(peer).initialClusterToken(TOKEN)
        .dataDir(dir.resolve("m1.etcd")).build());

    try (RestoredEtcd etcd = RestoredEtcd.start(version, RestoredMembers.flags(List.of(m)), dir, EtcdCluster.ROOT_USER, ROOT_PASSWORD)) {
      assertServesTheSource(etcd, List.of(m));
    }
  }

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void threeMembersFormAQuorumAndServeTheSnapshot(EtcdVersion version, @TempDir Path dir) throws Exception {
    int[] ports = EtcdCluster.freePorts(3);
    String cluster = "m1=http://127.0.0.1:" + ports[0] + ",m2=http://127.0.0.1:" + ports[1]
        + ",m3=http://127.0.0.1:" + ports[2];
    List<RestoredMember> members = DataDirWriter.writeCluster(snapshot.rawDb(), dir, RestoreConfig.builder()
        .initialCluster(cluster).initialClusterToken(TOKEN).buildClusterTemplate());

    try (RestoredEtcd etcd = RestoredEtcd.start(version, RestoredMembers.flags(members), dir, EtcdCluster.ROOT_USER, ROOT_PASSWORD)) {
      assertServesTheSource(etcd, members);
    }
  }

  @Test
  void bumpedRevisionIsCompactedAsWithEtcdutl(@TempDir Path dir) throws Exception {
    String peer = "http://127.0.0.1:" + EtcdCluster.freePorts(1)[0];
    RestoredMember nativeMember = DataDirWriter.writeMember(snapshot.rawDb(), RestoreConfig.builder().name("m1")
        .initialCluster("m1=" + peer).initialAdvertisePeerUrls(peer).initialClusterToken(TOKEN)
        .dataDir(dir.resolve("native/m1.etcd")).bumpRevision(1_000_000).markCompacted(true).build());
    Path reference = dir.resolve("etcdutl/m1.etcd");
    Etcdutl.restore(snapshot.withTrailer(), dir, "--name", "m1", "--initial-cluster", "m1=" + peer,
        "--initial-cluster-token", TOKEN, "--initial-advertise-peer-urls", peer, "--data-dir", reference.toString(),
        "--bump-revision", "1000000", "--mark-compacted");
    RestoredMember etcdutlMember = withDataDir(nativeMember, reference);

    Bumped fromNative = bootBumped(nativeMember, dir.resolve("native"));
    Bumped fromEtcdutl = bootBumped(etcdutlMember, dir.resolve("etcdutl"));

    assertThat(fromNative.revision()).isEqualTo(source.revision() + 1_000_000);
    assertThat(fromNative).isEqualTo(fromEtcdutl);
  }

  /** What a bumped member shows: its revision, keys, HashKV, and the error for an old revision. */
  record Bumped(long revision, java.util.Map<String, EtcdState.Kv> keys, int hashKv, long compactRevision,
      String oldRevisionError) {}

  private static Bumped bootBumped(RestoredMember m, Path logDir) throws Exception {
    try (RestoredEtcd etcd = RestoredEtcd.start(EtcdVersion.V3_5, RestoredMembers.flags(List.of(m)), logDir, EtcdCluster.ROOT_USER,
        ROOT_PASSWORD)) {
      Client c = etcd.client();
      // The compaction etcd resumes at start-up is asynchronous: wait until HashKV reports it.
      EtcdState now = awaitCompactedAt(c, etcd.nodes().get(0).clientUrl(), source.revision() + 1_000_000);
      Throwable old = org.assertj.core.api.Assertions.catchThrowable(() -> c.getKVClient()
          .get(bytes("/app/k0"), GetOption.builder().withRevision(source.revision()).build()).get(10, TimeUnit.SECONDS));
      assertThat(old).hasMessageContaining("required revision has been compacted");
      long written = c.getKVClient().put(bytes("/after-bump"), bytes("v")).get(10, TimeUnit.SECONDS).getHeader()
          .getRevision();
      assertThat(written).isEqualTo(now.revision() + 1);
      return new Bumped(now.revision(), now.keys(), now.hashKv(), now.compactRevision(),
          old.getMessage().substring(old.getMessage().indexOf("required revision")));
    }
  }

  private static EtcdState awaitCompactedAt(Client c, String endpoint, long compactRevision) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    EtcdState s = EtcdState.capture(c, endpoint, source.leaseId());
    while (s.compactRevision() != compactRevision && System.nanoTime() < deadline) {
      Thread.sleep(100);
      s = EtcdState.capture(c, endpoint, source.leaseId());
    }
    assertThat(s.compactRevision()).isEqualTo(compactRevision);
    return s;
  }

  private static RestoredMember withDataDir(RestoredMember m, Path dataDir) {
    List<String> flags = new ArrayList<>(m.etcdFlags());
    flags.set(flags.indexOf("--data-dir") + 1, dataDir.toString());
    return new RestoredMember(m.name(), m.memberId(), m.clusterId(), dataDir, dataDir.resolve("member/wal"),
        m.revision(), flags);
  }

  /** Every member serves the source's keyspace; membership, auth and writes work. */
  static void assertServesTheSource(RestoredEtcd etcd, List<RestoredMember> members) throws Exception {
    Client c = etcd.client();
    for (RestoredEtcd.Node n : etcd.nodes()) {
      source.assertServedBy(c, n.clientUrl());
    }

    // A member's name appears once it has published its attributes through raft after start.
    var list = c.getClusterClient().listMember().get(10, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (list.getMembers().stream().anyMatch(m -> m.getName().isEmpty()) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      list = c.getClusterClient().listMember().get(10, TimeUnit.SECONDS);
    }
    assertThat(list.getHeader().getClusterId()).isEqualTo(members.get(0).clusterId());
    assertThat(list.getMembers().stream().map(Member::getId).collect(Collectors.toSet()))
        .isEqualTo(members.stream().map(RestoredMember::memberId).collect(Collectors.toSet()));
    assertThat(list.getMembers()).extracting(Member::getName)
        .containsExactlyInAnyOrderElementsOf(members.stream().map(RestoredMember::name).toList());

    String endpoint = etcd.nodes().get(0).clientUrl();
    // The lease as an operator checks it, with the etcdctl of the running release.
    String ttl = Exec.run(List.of(etcd.version().binary("etcdctl").toString(), "--endpoints", endpoint,
        "--user", EtcdCluster.ROOT_USER + ":" + ROOT_PASSWORD, "lease", "timetolive", Long.toHexString(source.leaseId()),
        "--keys"), etcd.nodes().get(0).log().getParent(), Duration.ofSeconds(30), "ETCDCTL_API", "3").stdoutOrThrow();
    // etcdctl prints the id zero-padded ("lease %016x granted", etcdctl/ctlv3/command/printer_simple.go,
    // 3.4 and 3.5): an id below 2^60 starts with 0, one lease in sixteen.
    assertThat(ttl).contains("lease " + String.format("%016x", source.leaseId()) + " granted with TTL(3600s)");
    // etcd lists attached keys in map order
    String attached = ttl.substring(ttl.indexOf("attached keys([") + 15, ttl.lastIndexOf("])"));
    assertThat(attached.split(" ")).containsExactlyInAnyOrder("/leased/a", "/leased/b");

    try (Client alice = etcd.newClient(SourceHistory.USER, SourceHistory.USER_PASSWORD, endpoint)) {
      GetResponse r = alice.getKVClient().get(bytes("/app/k0")).get(10, TimeUnit.SECONDS);
      assertThat(r.getKvs()).singleElement().satisfies(kv -> assertThat(kv.getValue()).isEqualTo(bytes("updated-0")));
    }
    try (Client wrong = etcd.newClient(SourceHistory.USER, "wrong-password", endpoint)) {
      assertThatThrownBy(() -> wrong.getKVClient().get(bytes("/app/k0")).get(10, TimeUnit.SECONDS))
          .rootCause().hasMessageContaining("authentication failed");
    }

    long written = c.getKVClient().put(bytes("/after-restore"), bytes("new")).get(10, TimeUnit.SECONDS).getHeader()
        .getRevision();
    assertThat(written).isEqualTo(source.revision() + 1);
    for (RestoredEtcd.Node n : etcd.nodes()) {
      try (Client one = etcd.newClient(EtcdCluster.ROOT_USER, ROOT_PASSWORD, n.clientUrl())) {
        GetResponse r = one.getKVClient().get(bytes("/after-restore")).get(10, TimeUnit.SECONDS);
        assertThat(r.getKvs()).as(n.name()).singleElement()
            .satisfies(kv -> assertThat(kv.getModRevision()).isEqualTo(written));
      }
    }
  }
}
