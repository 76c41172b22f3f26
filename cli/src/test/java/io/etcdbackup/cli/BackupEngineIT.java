package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.NoSpaceException;
import io.etcdbackup.core.backup.BackupRequest;
import io.etcdbackup.core.backup.BackupResult;
import io.etcdbackup.core.backup.EtcdSnapshotSource;
import io.etcdbackup.core.backup.SnapshotBackup;
import io.etcdbackup.core.backup.SnapshotSource;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.etcd.EtcdConnectionConfig;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.RunEvent;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.stream.Compression;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.SampleData;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.JsonNode;

/**
 * The backup engine as its listeners see it, against one real etcd 3.5 (mutual TLS) and S3Proxy:
 * the phase sequence of a backup that succeeds, and of ones that fail (integrity), are cancelled
 * (while checking, past --timeout mid-stream) or fill the spool disk, each with its reason; and a
 * backup without --lock writes nothing into etcd.
 */
class BackupEngineIT {

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  static EtcdCluster etcd;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() throws Exception {
    etcd = EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).start();
    // 12 MB of JSON: several 8 MiB parts uncompressed, so an upload in flight is a real multipart one.
    SampleData.bulk(etcd.client(), "/registry/secrets/bulk/", 12_000_000, 8192, 7);
  }

  @AfterAll
  static void stop() {
    if (etcd != null) {
      etcd.close();
    }
  }

  /** Every event of a run, in the order they came. */
  static final class Recorder implements RunListener {
    final List<RunEvent> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void on(RunEvent e) {
      events.add(e);
    }

    List<RunEvent> all() {
      synchronized (events) {
        return List.copyOf(events);
      }
    }

    List<RunEvent.PhaseEnded> ended() {
      return all().stream().filter(e -> e instanceof RunEvent.PhaseEnded).map(e -> (RunEvent.PhaseEnded) e).toList();
    }

    RunEvent.PhaseEnded ended(Phase p) {
      return ended().stream().filter(e -> e.phase() == p).reduce((a, b) -> b).orElseThrow(() -> new AssertionError(
          "no end of " + p + " in " + all()));
    }

    List<Phase> started() {
      return all().stream().filter(e -> e instanceof RunEvent.PhaseStarted).map(e -> ((RunEvent.PhaseStarted) e).phase())
          .toList();
    }

    int index(RunEvent e) {
      return all().indexOf(e);
    }

    int startIndex(Phase p) {
      List<RunEvent> all = all();
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i) instanceof RunEvent.PhaseStarted s && s.phase() == p) {
          return i;
        }
      }
      throw new AssertionError("no start of " + p + " in " + all);
    }

    RunEvent.Finished finished() {
      List<RunEvent> all = all();
      assertThat(all.get(all.size() - 1)).as("the last event").isInstanceOf(RunEvent.Finished.class);
      return (RunEvent.Finished) all.get(all.size() - 1);
    }
  }

  private static EtcdClients clients() {
    return new EtcdClients(new EtcdConnectionConfig(List.of(URI.create(etcd.member(0).clientUrl())),
        Optional.of(etcd.caFile()), Optional.of(etcd.clientCert().cert()), Optional.of(etcd.clientCert().key()),
        Optional.empty(), Optional.empty(), false, null, null));
  }

  private BackupRequest.Builder request(String cluster) {
    return BackupRequest.builder().clusterName(cluster).spoolDir(tmp.resolve("spool")).compression(Compression.none())
        .retryBackoff(Duration.ofMillis(100));
  }

  private static long currentRevision() throws Exception {
    return etcd.client().getMaintenanceClient().statusMember(etcd.member(0).clientUrl()).get(10, TimeUnit.SECONDS)
        .getHeader().getRevision();
  }

  private void assertNothingLeft(String prefix) throws IOException {
    assertThat(S3.incompleteMultipartUploads("")).as("incomplete multipart uploads").isEmpty();
    List<S3Object> objects = S3.client().listObjectsV2(b -> b.bucket(S3.bucket()).prefix(prefix)).contents();
    assertThat(objects).as("objects under " + prefix).isEmpty();
    try (var files = Files.list(tmp.resolve("spool"))) {
      assertThat(files.toList()).as("spool files").isEmpty();
    }
  }

  /**
   * With zstd the stored object is encoded on its own stage; without any transform the upload
   * follows the raw spool and there is no ENCODE (issue 14, item 3). Either way the upload starts
   * before the stream ends (item 2: the id needs no revision).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"zstd", "none"})
  void aBackupReportsEveryPhaseInOrderAndWritesNothingIntoTheCluster(String compression) throws Exception {
    String prefix = S3.newPrefix("engine-ok");
    boolean encoded = !compression.equals("none");
    long before = currentRevision();
    List<Object> watched = Collections.synchronizedList(new ArrayList<>());
    ByteSequence all = ByteSequence.from(new byte[] {0});
    Recorder rec = new Recorder();
    BackupResult r;
    try (BackupStore store = BackupStores.open(S3.storeUri(prefix), S3.storeOptions());
         EtcdClients clients = clients();
         Watch.Watcher watcher = etcd.client().getWatchClient().watch(all,
             WatchOption.builder().withRange(all).withRevision(before + 1).build(),
             resp -> watched.addAll(resp.getEvents()))) {
      r = new SnapshotBackup(clients, new EtcdSnapshotSource(clients, Duration.ofSeconds(30)), new BackupRepository(store),
          Clock.systemUTC(), "test").run(request("ok").compression(Compression.of(compression, null, null)).build(), rec,
          Cancellation.create());
      // a write made now would be seen by the watch well within this pause
      Thread.sleep(1000);
    }
    assertThat(watched).as("keys written into etcd by a backup without --lock").isEmpty();
    assertThat(currentRevision()).isEqualTo(before);
    Manifest m = r.manifest();
    assertThat(m.revision()).as("the revision the user saw just before is the revision stored").isEqualTo(before);

    assertThat(rec.all().get(0)).isInstanceOf(RunEvent.Started.class);
    List<Phase> phases = new ArrayList<>(List.of(Phase.SELECT, Phase.STREAM, Phase.UPLOAD, Phase.CHECK, Phase.COMMIT,
        Phase.CLEANUP));
    if (encoded) {
      phases.add(Phase.ENCODE);
    }
    assertThat(rec.started()).doesNotContain(Phase.LOCK).containsExactlyInAnyOrderElementsOf(phases);
    assertThat(rec.ended()).allSatisfy(e -> assertThat(e.reason()).isEqualTo(Reason.OK)).hasSize(phases.size());
    assertThat(rec.index(rec.ended(Phase.SELECT))).isLessThan(rec.startIndex(Phase.STREAM));
    assertThat(rec.startIndex(Phase.UPLOAD)).as("the upload starts before the stream ends")
        .isLessThan(rec.index(rec.ended(Phase.STREAM)));
    for (Phase p : phases.subList(1, 4)) {
      assertThat(rec.index(rec.ended(p))).as(p + " ends before the commit").isLessThan(rec.startIndex(Phase.COMMIT));
    }
    assertThat(rec.ended(Phase.STREAM).bytes()).as("the stream: the db and its trailer").isEqualTo(m.dbSize() + 32);
    assertThat(rec.ended(Phase.UPLOAD).bytes()).isEqualTo(m.storedSize());
    if (encoded) {
      assertThat(rec.index(rec.ended(Phase.ENCODE))).isLessThan(rec.startIndex(Phase.COMMIT));
      assertThat(rec.ended(Phase.ENCODE).bytes()).isEqualTo(m.dbSize());
      assertThat(m.storedSize()).isLessThan(m.dbSize());
    } else {
      assertThat(m.storedSize()).as("the raw db itself is stored").isEqualTo(m.dbSize());
      assertThat(m.sha256Stored()).isEqualTo(m.sha256Raw());
    }
    assertThat(m.id()).as("a run id: no revision in it").matches("\\d{8}T\\d{6}Z-[0-9a-f]{8}");
    RunEvent.Committed committed = (RunEvent.Committed) rec.all().stream()
        .filter(e -> e instanceof RunEvent.Committed).findFirst().orElseThrow();
    assertThat(committed.manifest().id()).isEqualTo(m.id());
    assertThat(rec.finished().outcome().reason()).isEqualTo(Reason.OK);
  }

  @Test
  void aCorruptStreamEndsWithTheIntegrityReasonAndLeavesNothing() throws Exception {
    String prefix = S3.newPrefix("engine-corrupt");
    EtcdClients clients = clients();
    EtcdSnapshotSource real = new EtcdSnapshotSource(clients, Duration.ofSeconds(30));
    // flips one byte of the bbolt image on its way to the spool: the trailer no longer matches
    SnapshotSource corrupting = (endpoint, sink, cancel) -> real.stream(endpoint, new FilterOutputStream(sink) {
      long seen;

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (seen <= 100_000 && seen + len > 100_000) {
          b = b.clone();
          b[off + (int) (100_000 - seen)] ^= 1;
        }
        seen += len;
        out.write(b, off, len);
      }
    }, cancel);
    Recorder rec = new Recorder();
    try (BackupStore store = BackupStores.open(S3.storeUri(prefix), S3.storeOptions()); clients) {
      assertThatThrownBy(() -> new SnapshotBackup(clients, corrupting, new BackupRepository(store), Clock.systemUTC(),
          "test").run(request("corrupt").build(), rec, Cancellation.create()))
          .isInstanceOf(IntegrityException.class).hasMessageContaining("is corrupt: its trailer says sha256");
    }
    assertThat(rec.ended(Phase.STREAM).reason()).isEqualTo(Reason.INTEGRITY);
    // The upload ran beside the stream; it is aborted, never committed.
    assertThat(rec.started()).doesNotContain(Phase.CHECK, Phase.COMMIT);
    assertThat(rec.ended(Phase.UPLOAD).reason()).isNotEqualTo(Reason.OK);
    assertThat(rec.finished().outcome().reason()).isEqualTo(Reason.INTEGRITY);
    assertThat(rec.all()).noneMatch(e -> e instanceof RunEvent.AttemptFailed);
    assertNothingLeft(prefix);
  }

  @Test
  void cancelledWhileCheckingTheUploadIsAbortedAndNoManifestIsWritten() throws Exception {
    String prefix = S3.newPrefix("engine-cancel");
    Cancellation cancel = Cancellation.create();
    Recorder rec = new Recorder();
    // Cancel as the check starts, as a SIGTERM would. A small db's upload could be over by then,
    // so the upload, begun in the store, is held at its start until the cancellation is there.
    CountDownLatch checking = new CountDownLatch(1);
    RunListener cancelAtCheck = RunListener.all(List.of(rec, e -> {
      if (e instanceof RunEvent.PhaseStarted s && s.phase() == Phase.UPLOAD) {
        try {
          checking.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
      if (e instanceof RunEvent.PhaseStarted s && s.phase() == Phase.CHECK) {
        cancel.cancel("SIGTERM received");
        checking.countDown();
      }
    }));
    try (BackupStore store = BackupStores.open(S3.storeUri(prefix), S3.storeOptions()); EtcdClients clients = clients()) {
      assertThatThrownBy(() -> new SnapshotBackup(clients, new EtcdSnapshotSource(clients, Duration.ofSeconds(30)),
          new BackupRepository(store), Clock.systemUTC(), "test").run(request("cancel").build(), cancelAtCheck, cancel))
          .isInstanceOf(CancelledException.class).hasMessage("cancelled: SIGTERM received; nothing was committed");
    }
    assertThat(rec.ended(Phase.STREAM).reason()).isEqualTo(Reason.OK);
    assertThat(rec.started()).contains(Phase.UPLOAD).doesNotContain(Phase.COMMIT);
    assertThat(rec.ended(Phase.UPLOAD).reason()).isEqualTo(Reason.CANCELLED);
    assertThat(rec.finished().outcome().reason()).isEqualTo(Reason.CANCELLED);
    assertNothingLeft(prefix);
  }

  @Test
  void aStalledStreamPastTheTimeoutIsCancelledPromptly() throws Exception {
    String prefix = S3.newPrefix("engine-timeout");
    Recorder rec = new Recorder();
    try (BackupStore store = BackupStores.open(S3.storeUri(prefix), S3.storeOptions()); EtcdClients clients = clients()) {
      EtcdSnapshotSource real = new EtcdSnapshotSource(clients, Duration.ofSeconds(60));
      // a member that stops sending after 1 MB; its stream stays open
      SnapshotSource stalling = (endpoint, sink, cancel) -> real.stream(endpoint, new FilterOutputStream(sink) {
        long seen;

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
          seen += len;
          if (seen > 1_000_000) {
            CountDownLatch never = new CountDownLatch(1);
            try (var r = cancel.onCancel(never::countDown)) {
              never.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }
      }, cancel);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> new SnapshotBackup(clients, stalling, new BackupRepository(store), Clock.systemUTC(), "test")
          .run(request("timeout").timeout(Duration.ofSeconds(3)).build(), rec, Cancellation.create()))
          .isInstanceOf(CancelledException.class).hasMessageContaining("the run took longer than --timeout 3s");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("well before the 60s idle timeout")
          .isLessThan(Duration.ofSeconds(20));
    }
    assertThat(rec.ended(Phase.STREAM).reason()).isEqualTo(Reason.CANCELLED);
    assertThat(rec.all()).noneMatch(e -> e instanceof RunEvent.AttemptFailed);
    assertThat(rec.finished().outcome().reason()).isEqualTo(Reason.CANCELLED);
    assertNothingLeft(prefix);
  }

  @Test
  void aFullSpoolDiskIsNoSpaceNamesTheSpoolDirAndIsNotRetried() throws Exception {
    Path small = tmp.resolve("small-spool");
    Files.createDirectories(small);
    // a real full disk: a 6 MiB tmpfs (the tests run as root, as CI does), the db is 12 MB
    Exec.run(List.of("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", small.toString()), tmp, Duration.ofSeconds(30))
        .stdoutOrThrow();
    try {
      String prefix = S3.newPrefix("engine-full");
      Recorder rec = new Recorder();
      try (BackupStore store = BackupStores.open(S3.storeUri(prefix), S3.storeOptions()); EtcdClients clients = clients()) {
        assertThatThrownBy(() -> new SnapshotBackup(clients, new EtcdSnapshotSource(clients, Duration.ofSeconds(30)),
            new BackupRepository(store), Clock.systemUTC(), "test")
            .run(request("full").spoolDir(small).build(), rec, Cancellation.create()))
            .isInstanceOf(NoSpaceException.class).hasMessageContaining("--spool-dir " + small);
      }
      assertThat(rec.started().stream().filter(p -> p == Phase.STREAM)).as("one attempt: no other member would do better")
          .hasSize(1);
      assertThat(rec.all()).noneMatch(e -> e instanceof RunEvent.AttemptFailed);
      assertThat(rec.finished().outcome().reason()).isEqualTo(Reason.NO_SPACE);
      try (var files = Files.list(small)) {
        assertThat(files.toList()).as("spools removed").isEmpty();
      }

      // the same through the command line: exit code 8 and one line
      Stores s3 = Stores.s3(S3, prefix);
      List<String> args = new ArrayList<>(etcd.tlsFlags());
      args.addAll(s3.with("--to", s3.uri(), "--cluster-name", "full", "--spool-dir", small.toString(), "--compression",
          "none"));
      Cli.Result cli = new Cli().run(prepend("snapshot", args));
      assertThat(cli.exitCode()).as(cli.toString()).isEqualTo(Reason.NO_SPACE.exitCode()).isEqualTo(8);
      assertThat(cli.err().lines().filter(l -> l.startsWith("etcd-backup: ")))
          .singleElement().asString().contains("the spool disk is full: --spool-dir " + small);
      assertThat(S3.incompleteMultipartUploads("")).isEmpty();
    } finally {
      Exec.run(List.of("umount", small.toString()), tmp, Duration.ofSeconds(30)).stdoutOrThrow();
    }
  }

  @Test
  void withLockTheSnapshotHoldsTheLockKeysAndRestoreSaysSo() throws Exception {
    Stores store = Stores.local(tmp.resolve("backups"));
    for (boolean lock : List.of(false, true)) {
      List<String> args = new ArrayList<>(List.of("snapshot"));
      args.addAll(etcd.tlsFlags());
      args.addAll(store.with("--to", store.uri(), "--cluster-name", "locked", "-o", "json"));
      if (lock) {
        args.add("--lock");
      }
      Cli.Result snap = new Cli().run(args.toArray(String[]::new));
      assertThat(snap.exitCode()).as(snap.toString()).isZero();
      String id = Formats.JSON.readTree(snap.out()).get("manifest").get("id").asString();

      Cli.Result restore = new Cli().run(store.cmd("restore", "--from", store.uri(), id, "--data-dir",
          tmp.resolve("restored-" + lock).toString(), "-o", "json"));
      assertThat(restore.exitCode()).as(restore.toString()).isZero();
      JsonNode keys = Formats.JSON.readTree(restore.out()).get("toolKeys");
      if (lock) {
        assertThat(keys.values().stream().map(JsonNode::asString).toList())
            .contains("/etcd-backup/holder/locked").anyMatch(k -> k.startsWith("/etcd-backup/lock/locked/"));
      } else {
        assertThat(keys).as("a backup without --lock holds no key of ours").isEmpty();
      }
    }
  }

  private static String[] prepend(String first, List<String> rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(rest);
    return all.toArray(String[]::new);
  }
}
