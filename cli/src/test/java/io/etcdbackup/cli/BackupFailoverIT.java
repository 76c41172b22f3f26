package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.UnavailableException;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.RunEvent;
import io.etcdbackup.core.backup.BackupRequest;
import io.etcdbackup.core.backup.BackupResult;
import io.etcdbackup.core.backup.EtcdSnapshotSource;
import io.etcdbackup.core.backup.SnapshotBackup;
import io.etcdbackup.core.backup.SnapshotSource;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SampleData;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Members that die mid-stream, and runs that overlap. Faults are injected at the edge: a source that
 * kills the real etcd process once some bytes have streamed, or waits while holding the lock.
 */
@ExtendWith(EtcdClusterExtension.class)
class BackupFailoverIT {

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  @TempDir
  Path tmp;

  /** A real snapshot source that calls {@code onceAfter} (once) when {@code bytes} have streamed. */
  static SnapshotSource interrupting(EtcdClients clients, long bytes, Consumer<URI> onceAfter) {
    EtcdSnapshotSource real = new EtcdSnapshotSource(clients, Duration.ofSeconds(30));
    boolean[] fired = {false};
    return (endpoint, sink, cancel) -> real.stream(endpoint, new FilterOutputStream(sink) {
      long seen;

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        seen += len;
        if (seen > bytes && !fired[0]) {
          fired[0] = true;
          onceAfter.accept(endpoint);
        }
      }
    }, cancel);
  }

  private static int indexOf(EtcdCluster c, URI endpoint) {
    for (EtcdCluster.Member m : c.members()) {
      if (m.clientUrl().equals(endpoint.toString())) {
        return m.index();
      }
    }
    throw new AssertionError("no member at " + endpoint);
  }

  private BackupRequest.Builder request() {
    return BackupRequest.builder().clusterName("failover").spoolDir(tmp.resolve("spool")).retryBackoff(Duration.ofMillis(200));
  }

  private static EtcdClients clients(EtcdCluster c) {
    return new EtcdClients(new io.etcdbackup.core.etcd.EtcdConnectionConfig(
        List.of(URI.create(c.member(0).clientUrl())), Optional.of(c.caFile()), Optional.of(c.clientCert().cert()),
        Optional.of(c.clientCert().key()), Optional.empty(), Optional.empty(), false, null, null));
  }

  @Test
  void theSourceKilledMidStreamTheRunCompletesFromAnotherMember() throws Exception {
    try (EtcdCluster c = EtcdCluster.builder().version(EtcdVersion.V3_5).members(3).start();
         BackupStore store = BackupStores.open(S3.storeUri(S3.newPrefix("failover")), S3.storeOptions());
         EtcdClients clients = clients(c)) {
      SampleData.bulk(c.client(), "/registry/secrets/bulk/", 12_000_000, 8192, 1);
      int[] killed = {-1};
      SnapshotSource source = interrupting(clients, 1_000_000, endpoint -> {
        killed[0] = indexOf(c, endpoint);
        c.kill(killed[0]);
      });
      BackupEngineIT.Recorder rec = new BackupEngineIT.Recorder();
      BackupResult r = new SnapshotBackup(clients, source, new BackupRepository(store), Clock.systemUTC(), "test")
          .run(request().build(), rec, Cancellation.create());

      assertThat(killed[0]).isNotNegative();
      String killedName = c.member(killed[0]).name();
      assertThat(r.manifest().source().name()).isNotEqualTo(killedName);
      assertThat(r.failedAttempts()).hasSize(1);
      assertThat(r.failedAttempts().get(0)).contains(killedName);
      // the listener saw the first attempt's stream fail, the member named, then a second attempt succeed
      RunEvent.AttemptFailed failed = (RunEvent.AttemptFailed) rec.all().stream()
          .filter(e -> e instanceof RunEvent.AttemptFailed).findFirst().orElseThrow();
      assertThat(failed.attempt()).isEqualTo(1);
      assertThat(failed.member()).isEqualTo(killedName);
      assertThat(failed.reason()).isEqualTo(Reason.UNAVAILABLE);
      assertThat(rec.ended()).filteredOn(e -> e.phase() == Phase.STREAM)
          .extracting(RunEvent.PhaseEnded::attempt, RunEvent.PhaseEnded::reason)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(1, Reason.UNAVAILABLE),
              org.assertj.core.groups.Tuple.tuple(2, Reason.OK));
      assertThat(rec.finished().outcome().reason()).isEqualTo(Reason.OK);
      assertThat(new BackupRepository(store).list("failover")).extracting(m -> m.id()).containsExactly(r.manifest().id());
      assertThat(S3.incompleteMultipartUploads("")).isEmpty();
    }
  }

  @Test
  void allMembersKilledNothingIsCommittedAndNoUploadIsLeft() throws Exception {
    String prefix = S3.newPrefix("all-dead");
    try (EtcdCluster c = EtcdCluster.builder().version(EtcdVersion.V3_4).members(3).start();
         BackupStore store = BackupStores.open(S3.storeUri(prefix), S3.storeOptions());
         EtcdClients clients = clients(c)) {
      SampleData.bulk(c.client(), "/registry/secrets/bulk/", 12_000_000, 8192, 2);
      SnapshotSource source = interrupting(clients, 1_000_000, endpoint -> c.members().forEach(m -> c.kill(m.index())));
      BackupRequest noLock = request().retryBackoff(Duration.ofMillis(100)).streamIdleTimeout(Duration.ofSeconds(10))
          .leftoverGrace(Duration.ofHours(1)).build();

      assertThatThrownBy(() -> new SnapshotBackup(clients, source, new BackupRepository(store), Clock.systemUTC(), "test")
          .run(noLock)).isInstanceOf(UnavailableException.class).hasMessageContaining("no member completed a snapshot");

      assertThat(S3.incompleteMultipartUploads("")).isEmpty();
      List<S3Object> objects = S3.client().listObjectsV2(b -> b.bucket(S3.bucket()).prefix(prefix)).contents();
      assertThat(objects).isEmpty();
      assertThat(tmp.resolve("spool")).isEmptyDirectory();
    }
  }

  @Test
  void twoConcurrentRunsOneCommitsTheOtherExitsWithTheLockCode() throws Exception {
    try (EtcdCluster c = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).start();
         BackupStore store = BackupStores.open(S3.storeUri(S3.newPrefix("lock")), S3.storeOptions());
         EtcdClients clients = clients(c)) {
      SampleData.bulk(c.client(), "/registry/secrets/bulk/", 4_000_000, 8192, 3);
      CountDownLatch streaming = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      SnapshotSource paused = interrupting(clients, 100_000, endpoint -> {
        streaming.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      CompletableFuture<BackupResult> first = CompletableFuture.supplyAsync(() ->
          new SnapshotBackup(clients, paused, new BackupRepository(store), Clock.systemUTC(), "test")
              .run(request().lock(true).lockWait(Duration.ofSeconds(2)).build()));
      assertThat(streaming.await(60, TimeUnit.SECONDS)).isTrue();

      Stores s3 = new Stores(store.location(), Stores.s3(S3, "x").flags(), true);
      Cli.Result second = new Cli().run(c.tlsFlags(), "snapshot",
          s3.with("--to", store.location(), "--cluster-name", "failover", "--lock", "--lock-wait", "1s").toArray(String[]::new));
      assertThat(second.exitCode()).as(second.toString()).isEqualTo(ExitCodes.LOCKED);
      assertThat(second.err()).contains("another backup of failover is running (host=");

      release.countDown();
      BackupResult r = first.get(120, TimeUnit.SECONDS);
      assertThat(new BackupRepository(store).list("failover")).extracting(m -> m.id()).containsExactly(r.manifest().id());

      Cli.Result third = new Cli().run(c.tlsFlags(), "snapshot",
          s3.with("--to", store.location(), "--cluster-name", "failover", "--lock").toArray(String[]::new));
      assertThat(third.exitCode()).as("the lock is free again: " + third).isZero();
    }
  }
}
