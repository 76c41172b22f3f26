package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterPlanTest {

  @Test
  void memberAndClusterIdOfTheDocumentedVector() {
    // ETCD-FORMATS.md §4.0, verified there against etcd 3.4.23 and 3.5.30.
    ClusterPlan plan = ClusterPlan.parse("lab=http://127.0.0.1:23801", "tok-lab");

    assertThat(plan.members()).singleElement().satisfies(m -> {
      assertThat(m.id()).isEqualTo(0x0a08ab2c85f6798aL);
      assertThat(m.idHex()).isEqualTo("a08ab2c85f6798a");
      assertThat(m.name()).isEqualTo("lab");
    });
    assertThat(plan.clusterId()).isEqualTo(0x426c029508f66513L);
  }

  @Test
  void secondVectorFromTheWalExample() {
    ClusterPlan plan = ClusterPlan.parse("m1=http://127.0.0.1:24801", "rtok");

    assertThat(plan.forMember("m1").id()).isEqualTo(0x59ff5de606034034L);
    assertThat(plan.clusterId()).isEqualTo(0x80745ad52053afa4L);
  }

  @Test
  void threeMembersAreInUnsignedIdOrderWithRepeatedNamesMerged() {
    // Same flags as the golden three-member etcdutl restore (see test resources).
    ClusterPlan plan = ClusterPlan.parse(
        "a=http://10.0.0.1:2380,b<&>\"é=http://10.0.0.2:2380,b<&>\"é=HTTPS://[::1]:2381,c=http://host-c.example:2380",
        "tok<&>\"");

    assertThat(plan.members()).extracting(PlannedMember::idHex)
        .containsExactly("655c9f7380796ec7", "ebe7375547f84cfb", "ee3af0c7b237e6ad");
    assertThat(plan.forMember("b<&>\"é").peerUrls()).containsExactly("http://10.0.0.2:2380", "https://[::1]:2381");
    assertThat(plan.clusterIdHex()).isEqualTo("920575313c8f89aa");
  }

  @Test
  void idsAboveTwoToTheSixtyThirdSortAfterSmallerOnes() {
    List<Long> ids = List.of(0xebe7375547f84cfbL, 0x655c9f7380796ec7L);
    assertThat(ClusterPlan.clusterId(ids)).isEqualTo(ClusterPlan.clusterId(List.of(ids.get(1), ids.get(0))));
  }

  @Test
  void urlOrderInsideAMemberDoesNotChangeItsId() {
    long a = ClusterPlan.parse("x=http://b:1,x=http://a:1", "t").forMember("x").id();
    long b = ClusterPlan.parse("x=http://a:1,x=http://b:1", "t").forMember("x").id();
    assertThat(a).isEqualTo(b);
  }

  @Test
  void emptyItemsAreSkippedAsEtcdDoes() {
    assertThat(ClusterPlan.parse(",a=http://h:1,,", "t").members()).hasSize(1);
  }

  @Test
  void refusesDuplicateUrls() {
    assertThatThrownBy(() -> ClusterPlan.parse("a=http://h:1,b=http://h:1", "t"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--initial-cluster \"a=http://h:1,b=http://h:1\" has duplicate url http://h:1: "
            + "every peer URL must belong to one member, once");
  }

  @Test
  void duplicateDetectionUsesTheCanonicalForm() {
    assertThatThrownBy(() -> ClusterPlan.parse("a=http://h:1,b= HTTP://h:1", "t"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("duplicate url http://h:1");
  }

  @Test
  void refusesAnEmptyCluster() {
    assertThatThrownBy(() -> ClusterPlan.parse(",", "t"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("names no member");
  }

  @Test
  void refusesAnEntryWithoutUrl() {
    assertThatThrownBy(() -> ClusterPlan.parse("a", "t"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--initial-cluster \"a\": member \"a\": URL scheme must be http, https, unix, or unixs: ");
  }

  @Test
  void refusesAnUrlWithAPath() {
    assertThatThrownBy(() -> ClusterPlan.parse("a=http://h:1/x", "t"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--initial-cluster \"a=http://h:1/x\": member \"a\": URL must not contain a path: http://h:1/x");
  }

  @Test
  void verifyBootstrapNamesTheMissingMember() {
    ClusterPlan plan = ClusterPlan.parse("a=http://h:1", "t");
    assertThatThrownBy(() -> plan.verifyBootstrap("x", "http://h:1"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--name \"x\" is not in --initial-cluster \"a=http://h:1\": "
            + "the restored member must be one of the members listed there");
  }

  @Test
  void verifyBootstrapComparesAdvertisedUrlsAsSortedSets() {
    ClusterPlan plan = ClusterPlan.parse("a=http://h:1,a=http://g:1", "t");
    plan.verifyBootstrap("a", "http://h:1, http://g:1");

    assertThatThrownBy(() -> plan.verifyBootstrap("a", "http://h:1"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--initial-advertise-peer-urls \"http://h:1\" does not match the peer URLs of member \"a\" in "
            + "--initial-cluster \"a=http://h:1,a=http://g:1\" (http://g:1,http://h:1): both must list the same URLs");
  }

  @Test
  void verifyBootstrapResolvesHostNamesAsEtcdDoes() {
    ClusterPlan plan = ClusterPlan.parse("a=http://127.0.0.1:2380", "t");
    plan.verifyBootstrap("a", "http://localhost:2380");
  }

  @Test
  void verifyBootstrapRejectsBadAdvertisedUrls() {
    ClusterPlan plan = ClusterPlan.parse("a=http://h:1", "t");
    assertThatThrownBy(() -> plan.verifyBootstrap("a", "h:1"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("--initial-advertise-peer-urls \"h:1\": URL scheme must be http, https, unix, or unixs: h:1");
  }
}
