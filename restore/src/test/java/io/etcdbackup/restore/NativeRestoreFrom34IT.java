package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Client;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.RestoredEtcd;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A snapshot of a real etcd 3.4.23 (a db without {@code meta/term}, written by the 3.4 schema),
 * restored natively: etcd 3.5.30 (the upgrade path) and 3.4.23 start from it and serve the
 * source's keyspace.
 */
@ExtendWith(RestoredEtcd.Logs.class)
class NativeRestoreFrom34IT {
  @RegisterExtension
  static final EtcdClusterExtension SOURCE = new EtcdClusterExtension(
      EtcdCluster.builder().version(EtcdVersion.V3_4).auth(NativeRestoreBootIT.ROOT_PASSWORD));

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
    assertThat(DbContent.read(snapshot.rawDb()).get("meta")).as("a 3.4 db has no term").noneMatch(l -> l.startsWith("'term'"));
  }

  @ParameterizedTest
  @EnumSource(EtcdVersion.class)
  void startsFromANativeRestoreOfA34Snapshot(EtcdVersion version, @TempDir Path dir) throws Exception {
    String peer = "http://127.0.0.1:" + EtcdCluster.freePorts(1)[0];
    RestoredMember m = DataDirWriter.writeMember(snapshot.rawDb(), RestoreConfig.builder().name("m1")
        .initialCluster("m1=" + peer).initialAdvertisePeerUrls(peer).dataDir(dir.resolve("m1.etcd")).build());

    try (RestoredEtcd etcd = RestoredEtcd.start(version, RestoredMembers.flags(List.of(m)), dir, EtcdCluster.ROOT_USER,
        NativeRestoreBootIT.ROOT_PASSWORD)) {
      source.assertServedBy(etcd.client(), etcd.nodes().get(0).clientUrl());
    }
  }
}
