package io.etcdbackup.restore;

import static io.etcdbackup.restore.TestDbs.ascii;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.snapshot.EtcdSchema;
import io.etcdbackup.core.snapshot.Revisions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DbRewriterTest {
  private static final ClusterPlan PLAN =
      ClusterPlan.parse("m1=http://127.0.0.1:24801,m2=http://127.0.0.1:24802", "rtok");

  @TempDir
  Path dir;

  private Path source() throws Exception {
    SortedMap<String, SortedMap<String, byte[]>> b = new TreeMap<>();
    b.put("alarm", new TreeMap<>());
    b.put("key", new TreeMap<>(Map.of("rev:2", ascii("kv2"), "rev:3", ascii("kv3"), "rev:4t", ascii("kv4"))));
    b.put("members", new TreeMap<>(Map.of("1234", ascii("{\"id\":4660}"), "abcd", ascii("{\"id\":43981}"))));
    b.put("members_removed", new TreeMap<>(Map.of("99", ascii("removed"))));
    b.put("meta", new TreeMap<>(Map.of("confState", ascii("{\"voters\":[4660]}"), "consistent_index",
        EtcdSchema.encodeU64(77), "finishedCompactRev", Revisions.encode(2, 0),
        "scheduledCompactRev", Revisions.encode(2, 0))));
    return TestDbs.write(dir.resolve("source.db"), b);
  }

  @Test
  void rewritesMembershipAndConsistentIndexAndCopiesTheRest() throws Exception {
    Path out = dir.resolve("out.db");
    long rev = DbRewriter.rewrite(source(), out, PLAN, 0);

    assertThat(rev).isEqualTo(4);
    Map<String, List<String>> content = DbContent.read(out);
    Map<String, List<String>> before = DbContent.read(dir.resolve("source.db"));
    assertThat(content.keySet()).containsExactly("alarm", "cluster", "key", "members", "members_removed", "meta");
    assertThat(content.get("key")).isEqualTo(before.get("key"));
    assertThat(content.get("alarm")).isEmpty();
    assertThat(content.get("cluster")).isEmpty();
    assertThat(content.get("members_removed")).isEmpty();
    assertThat(content.get("members")).containsExactly(
        "'" + PLAN.members().get(0).idHex() + "'='" + new String(MemberJson.member(PLAN.members().get(0))) + "'",
        "'" + PLAN.members().get(1).idHex() + "'='" + new String(MemberJson.member(PLAN.members().get(1))) + "'");
    assertThat(content.get("meta")).containsExactly(
        "'confState'='{\"voters\":[4660]}'",
        "'consistent_index'=0000000000000002",
        "'finishedCompactRev'=00000000000000025f0000000000000000",
        "'scheduledCompactRev'=00000000000000025f0000000000000000",
        "'term'=0000000000000001");
  }

  @Test
  void bumpAddsASentinelRevisionAndSchedulesItsCompaction() throws Exception {
    Path out = dir.resolve("out.db");
    long rev = DbRewriter.rewrite(source(), out, PLAN, 1_000_000);

    // latest is the tombstone rev(4): main 4 + 1,000,000
    assertThat(rev).isEqualTo(1_000_004);
    Map<String, List<String>> content = DbContent.read(out);
    assertThat(content.get("key")).hasSize(4).last().isEqualTo("00000000000f42445f0000000000000000=");
    assertThat(content.get("meta")).contains("'scheduledCompactRev'=00000000000f42445f0000000000000000",
        "'finishedCompactRev'=00000000000000025f0000000000000000");
  }

  @Test
  void bumpOnAnEmptyKeyBucketStartsFromZero() throws Exception {
    SortedMap<String, SortedMap<String, byte[]>> b = new TreeMap<>();
    b.put("key", new TreeMap<>());
    b.put("meta", new TreeMap<>());
    Path out = dir.resolve("out.db");

    assertThat(DbRewriter.rewrite(TestDbs.write(dir.resolve("empty.db"), b), out, PLAN, 10)).isEqualTo(10);
    assertThat(DbContent.read(out).keySet()).containsExactly("cluster", "key", "members", "members_removed", "meta");
  }

  @Test
  void bumpThatOverflowsIsRefused() throws Exception {
    assertThatThrownBy(() -> DbRewriter.rewrite(source(), dir.resolve("out.db"), PLAN, Long.MAX_VALUE))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("overflows");
  }

  @Test
  void aDbWithoutMetaIsNotAnEtcdDb() throws Exception {
    SortedMap<String, SortedMap<String, byte[]>> b = new TreeMap<>();
    b.put("key", new TreeMap<>());
    Path src = TestDbs.write(dir.resolve("nometa.db"), b);

    assertThatThrownBy(() -> DbRewriter.rewrite(src, dir.resolve("out.db"), PLAN, 0))
        .isInstanceOf(IntegrityException.class).hasMessageEndingWith("has no bucket meta: it is not an etcd backend database");
  }
}
