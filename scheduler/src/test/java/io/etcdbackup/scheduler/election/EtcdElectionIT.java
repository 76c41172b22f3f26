package io.etcdbackup.scheduler.election;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two candidates against a real 3-member etcd 3.5: one leads, the other waits and names the leader;
 * a leader cut off from etcd (its only member stopped) steps down within the TTL and the other
 * takes over, never both at once; a leader that resigns hands over at once; nothing is left in etcd.
 */
class EtcdElectionIT {
  private static final Duration TTL = Duration.ofSeconds(3);
  static EtcdCluster etcd;

  @BeforeAll
  static void start() {
    etcd = EtcdCluster.builder().version(EtcdVersion.V3_5).members(3).start();
  }

  @AfterAll
  static void stop() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void oneLeadsAPartitionedLeaderStepsDownAndTheOtherTakesOver() throws Exception {
    EtcdElection.Options options = new EtcdElection.Options("prod", TTL);
    List<String> lostA = new CopyOnWriteArrayList<>();
    try (Client ca = etcd.newClient(etcd.member(0).clientUrl());
         Client cb = etcd.newClient(etcd.member(1).clientUrl(), etcd.member(2).clientUrl())) {
      EtcdElection a = new EtcdElection(ca, options, Duration.ofSeconds(2), "host=a pid=1");
      EtcdElection b = new EtcdElection(cb, options, Duration.ofSeconds(2), "host=b pid=2");
      try {
        a.start(lostA::add);
        await("a leads", a::isLeader, Duration.ofSeconds(10));
        b.start(why -> {});
        await("b sees a lead", () -> b.leader().filter("host=a pid=1"::equals).isPresent(), Duration.ofSeconds(10));
        assertThat(b.isLeader()).isFalse();
        assertThat(b.role()).isEqualTo("standby");
        assertThat(a.role()).isEqualTo("leader");
        assertThat(electionKeys()).as("one key per candidate, under the documented prefix").hasSize(2)
            .allMatch(k -> k.startsWith("/etcd-backup/election/prod/"));

        // a's only member stops: a hears nothing more from etcd
        long t0 = System.nanoTime();
        etcd.stop(0);
        boolean both = false;
        long deadline = System.nanoTime() + TTL.multipliedBy(5).toNanos();
        while (!(b.isLeader() && !a.isLeader()) && System.nanoTime() < deadline) {
          both |= a.isLeader() && b.isLeader();
          Thread.sleep(10);
        }
        Duration aDown = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(both).as("never two leaders").isFalse();
        assertThat(a.isLeader()).as("the cut-off leader stepped down").isFalse();
        // told on the election thread's next tick (100 ms), which the daemon turns into cancelling its jobs
        await("a is told", () -> !lostA.isEmpty(), Duration.ofSeconds(1));
        assertThat(lostA).as("its running jobs were told").hasSize(1).first().asString().contains("lost the leadership");
        assertThat(b.isLeader()).as("the other took over, after %s", aDown).isTrue();
        assertThat(aDown).as("within the lease's TTL and an etcd leader election").isLessThan(TTL.plusSeconds(5));

        // a comes back as a standby behind b
        etcd.restart(0);
        await("a sees b lead", () -> a.leader().filter("host=b pid=2"::equals).isPresent(), Duration.ofSeconds(20));
        assertThat(a.isLeader()).isFalse();

        // b stops cleanly: it resigns, and a leads well before the TTL would have run out
        long t1 = System.nanoTime();
        b.close();
        await("a leads again", a::isLeader, Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).as("handed over by the resignation").isLessThan(TTL);
      } finally {
        a.close();
        b.close();
      }
      await("no election key left", () -> electionKeys().isEmpty(), Duration.ofSeconds(5));
    }
  }

  @Test
  void aTtlEtcdWouldRefuseIsABadFlag() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new EtcdElection.Options("prod", Duration.ofSeconds(1)))
        .hasMessage("--election-ttl (1s) must be whole seconds, at least 2s (etcd's shortest lease)");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new EtcdElection.Options("prod", Duration.ofMillis(2500)))
        .hasMessageStartingWith("--election-ttl (2.5s)");
  }

  private static List<String> electionKeys() {
    try {
      ByteSequence prefix = ByteSequence.from(EtcdElection.PREFIX, StandardCharsets.UTF_8);
      return etcd.client().getKVClient().get(prefix, GetOption.builder().isPrefix(true).withKeysOnly(true).build())
          .get(10, TimeUnit.SECONDS).getKvs().stream().map(kv -> kv.getKey().toString(StandardCharsets.UTF_8)).toList();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(String what, BooleanSupplier condition, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }
}
