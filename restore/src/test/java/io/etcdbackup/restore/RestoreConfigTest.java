package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RestoreConfigTest {

  @Test
  void defaultsAreEtcdutls() {
    RestoreConfig c = RestoreConfig.builder().build();

    assertThat(c.name()).isEqualTo("default");
    assertThat(c.initialCluster()).isEqualTo("default=http://localhost:2380");
    assertThat(c.initialClusterToken()).isEqualTo("etcd-cluster");
    assertThat(c.initialAdvertisePeerUrls()).isEqualTo("http://localhost:2380");
    assertThat(c.dataDir()).isEqualTo(Path.of("default.etcd"));
    assertThat(c.walDir()).isEqualTo(Path.of("default.etcd/member/wal"));
    assertThat(c.hasDedicatedWalDir()).isFalse();
    assertThat(c.bumpRevision()).isZero();
    assertThat(c.markCompacted()).isFalse();
    assertThat(c.skipHashCheck()).isFalse();
    assertThat(c.preallocateWal()).isFalse();
  }

  @Test
  void defaultClusterAndDataDirFollowTheName() {
    RestoreConfig c = RestoreConfig.builder().name("m1").build();

    assertThat(c.initialCluster()).isEqualTo("m1=http://localhost:2380");
    assertThat(c.dataDir()).isEqualTo(Path.of("m1.etcd"));
    assertThat(c.localMember().name()).isEqualTo("m1");
  }

  @Test
  void walDirDefaultsUnderTheGivenDataDir() {
    RestoreConfig c = RestoreConfig.builder().dataDir(Path.of("/var/lib/etcd")).build();
    assertThat(c.walDir()).isEqualTo(Path.of("/var/lib/etcd/member/wal"));

    RestoreConfig d = RestoreConfig.builder().dataDir(Path.of("/var/lib/etcd")).walDir(Path.of("/wal")).build();
    assertThat(d.hasDedicatedWalDir()).isTrue();
  }

  @Test
  void bumpAndMarkCompactedGoTogether() {
    assertThatThrownBy(() -> RestoreConfig.builder().bumpRevision(5).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--bump-revision (5) needs --mark-compacted: a bumped revision must be marked compacted");
    assertThatThrownBy(() -> RestoreConfig.builder().markCompacted(true).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--mark-compacted needs --bump-revision > 0 (got --bump-revision 0)");
    assertThatThrownBy(() -> RestoreConfig.builder().bumpRevision(-1).markCompacted(true).build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--bump-revision (-1) must not be negative");

    assertThat(RestoreConfig.builder().bumpRevision(1_000_000).markCompacted(true).build().bumpRevision())
        .isEqualTo(1_000_000);
  }

  @Test
  void nameMustBeInTheCluster() {
    assertThatThrownBy(() -> RestoreConfig.builder().name("x").initialCluster("a=http://localhost:2380").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("--name \"x\" is not in --initial-cluster \"a=http://localhost:2380\"");
  }

  @Test
  void advertisedUrlsMustMatchTheMembersEntry() {
    assertThatThrownBy(() -> RestoreConfig.builder().name("a").initialCluster("a=http://10.1.1.1:2380")
        .initialAdvertisePeerUrls("http://10.1.1.2:2380").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("--initial-advertise-peer-urls \"http://10.1.1.2:2380\" does not match");
  }

  @Test
  void forMemberGivesAnotherMemberOfTheSameCluster() {
    RestoreConfig a = RestoreConfig.builder().name("a")
        .initialCluster("a=http://10.1.1.1:2380,b=http://10.1.1.2:2380")
        .initialAdvertisePeerUrls("http://10.1.1.1:2380").initialClusterToken("t")
        .bumpRevision(10).markCompacted(true).walDir(Path.of("/elsewhere")).build();

    RestoreConfig b = a.forMember("b", Path.of("/r/b.etcd"));

    assertThat(b.name()).isEqualTo("b");
    assertThat(b.initialAdvertisePeerUrls()).isEqualTo("http://10.1.1.2:2380");
    assertThat(b.walDir()).isEqualTo(Path.of("/r/b.etcd/member/wal"));
    assertThat(b.bumpRevision()).isEqualTo(10);
    assertThat(b.plan().clusterId()).isEqualTo(a.plan().clusterId());
    assertThat(b.localMember().id()).isNotEqualTo(a.localMember().id());
  }

  @Test
  void clusterTemplateNeedsOnlyTheClusterFlags() {
    RestoreConfig t = RestoreConfig.builder().initialCluster("b=http://10.1.1.2:2380,a=http://10.1.1.1:2380")
        .initialClusterToken("t").bumpRevision(7).markCompacted(true).buildClusterTemplate();

    PlannedMember first = t.plan().members().get(0);
    assertThat(t.name()).isEqualTo(first.name());
    assertThat(t.initialAdvertisePeerUrls()).isEqualTo(first.peerUrlsFlag());
    assertThat(t.bumpRevision()).isEqualTo(7);
    assertThat(t.initialClusterToken()).isEqualTo("t");
  }

  @Test
  void aNameThatCannotFormTheDefaultDataDirIsRefused() {
    assertThatThrownBy(() -> RestoreConfig.builder().name("a\0b").initialCluster("a\0b=http://localhost:2380").build())
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("--name \"a\\u0000b\" cannot form the default --data-dir");
  }
}
