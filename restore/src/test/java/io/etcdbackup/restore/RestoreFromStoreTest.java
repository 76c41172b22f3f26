package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.bbolt.BboltWriter;
import io.etcdbackup.core.bbolt.BucketWriter;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.snapshot.EtcdSchema;
import io.etcdbackup.core.snapshot.Revisions;
import io.etcdbackup.core.snapshot.SnapshotInspector;
import io.etcdbackup.core.snapshot.SnapshotStatus;
import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.stream.AgeDecryption;
import io.etcdbackup.core.stream.AgeEncryption;
import io.etcdbackup.core.stream.Compression;
import io.etcdbackup.storage.local.LocalDirectoryStore;
import io.etcdbackup.testing.DelegatingStore;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A restore from a real local store (zstd, age), with faults injected at the store's edge: the
 * download runs its stages on several threads and the db is checked while it is rewritten, so a
 * failure anywhere must still end as the right kind (integrity, store, cancelled), with the
 * target untouched, no {@code .part} left, no spool left and no thread of the download left.
 */
@Timeout(120)
class RestoreFromStoreTest {
  private static final String CLUSTER = "c1";
  private static final String LOCK_KEY = "/etcd-backup/lock/held";
  /** Values of random bytes: the stored object is about as large as the db (several MiB), so a fault can land mid-download. */
  private static final int ENTRIES = 3000;

  @TempDir
  static Path shared;
  static KeyPair keys;
  static byte[] raw;
  static SnapshotStatus rawStatus;

  @TempDir
  Path dir;
  Path target;
  Path spool;
  LocalDirectoryStore local;

  @BeforeAll
  static void sourceDb() throws Exception {
    keys = new X25519KeyPairGenerator().generateKeyPair();
    Path db = shared.resolve("source.db");
    Random rnd = new Random(42);
    try (BboltWriter w = BboltWriter.create(db, 4096)) {
      w.bucket(EtcdSchema.CLUSTER).put(ascii("clusterVersion"), ascii("3.5.0"));
      BucketWriter key = w.bucket(EtcdSchema.KEY);
      for (int i = 0; i < ENTRIES; i++) {
        byte[] value = new byte[2048];
        rnd.nextBytes(value);
        String k = i == ENTRIES / 2 ? LOCK_KEY : "/registry/configmaps/" + i;
        key.put(Revisions.encode(2 + i, 0), KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(k))
            .setCreateRevision(2 + i).setModRevision(2 + i).setVersion(1).setValue(ByteString.copyFrom(value)).build()
            .toByteArray());
      }
      w.bucket(EtcdSchema.META).put(EtcdSchema.CONSISTENT_INDEX, EtcdSchema.encodeU64(ENTRIES + 10));
      w.finish();
    }
    raw = Files.readAllBytes(db);
    rawStatus = SnapshotInspector.status(db);
  }

  @BeforeEach
  void store() throws IOException {
    local = LocalDirectoryStore.open(dir.resolve("store"));
    target = dir.resolve("t.etcd");
    spool = dir.resolve("spool");
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void withForceTheTargetIsMovedAsideOnlyOnceEveryCheckPassed() throws Exception {
    Manifest m = backup(local, raw, true, x -> x);
    oldTarget();

    RestoreResult r = restore(local, m, true, Cancellation.create());

    assertThat(r.snapshotRevision()).isEqualTo(rawStatus.revision());
    assertThat(r.toolKeys()).containsExactly(LOCK_KEY);
    assertThat(r.movedAside()).singleElement().satisfies(aside -> {
      assertThat(aside.getFileName().toString()).startsWith("t.etcd.old-");
      assertThat(aside.resolve("precious")).hasContent("old");
    });
    SnapshotStatus written = SnapshotInspector.status(target.resolve("member/snap/db"));
    assertThat(written.revision()).isEqualTo(rawStatus.revision());
    assertThat(target.resolve("member/wal/" + WalFile.FILE_NAME)).isRegularFile();
    assertThat(siblings()).containsExactlyInAnyOrder("t.etcd", r.movedAside().get(0).getFileName().toString());
    assertCleanedUp();
  }

  /**
   * The checks that can only be made once the pass over the db is over (the raw SHA-256 computed
   * beside the download, the manifest's figures) fail after the data dir was written under its
   * {@code .part} name: nothing is renamed, nothing moved aside, the {@code .part} removed.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sha256Raw", "crcHash", "keyCount", "revision"})
  void aCheckThatFailsAfterThePassLeavesTheTargetAsItWas(String figure) throws Exception {
    Manifest m = backup(local, raw, true, x -> switch (figure) {
      case "sha256Raw" -> with(x, x.crcHash(), x.keyCount(), x.revision(), "0".repeat(64), x.sha256Stored(), x.storedSize());
      case "crcHash" -> with(x, x.crcHash() ^ 1, x.keyCount(), x.revision(), x.sha256Raw(), x.sha256Stored(), x.storedSize());
      case "keyCount" -> with(x, x.crcHash(), x.keyCount() + 1, x.revision(), x.sha256Raw(), x.sha256Stored(), x.storedSize());
      default -> with(x, x.crcHash(), x.keyCount(), x.revision() - 1, x.sha256Raw(), x.sha256Stored(), x.storedSize());
    });
    oldTarget();
    List<String> before = tree(target);

    assertThatThrownBy(() -> restore(local, m, true, Cancellation.create()))
        .isInstanceOf(IntegrityException.class).hasMessageContaining("backup " + m.id() + " of " + CLUSTER)
        .satisfies(e -> assertThat(Reason.of(e)).isEqualTo(Reason.INTEGRITY));

    assertThat(tree(target)).as("the target, untouched").isEqualTo(before);
    assertThat(target.resolve("precious")).hasContent("old");
    assertThat(siblings()).as("no .part, nothing moved aside").containsExactly("t.etcd");
    assertCleanedUp();
  }

  /**
   * A page that breaks the bbolt rules in the middle of bucket {@code key}, under a manifest that
   * vouches for the broken db: the pass finds it after it has written part of the new db; the
   * failure names the backup and the page, and the {@code .part} goes.
   */
  @Test
  void aBrokenPageFoundHalfWayThroughThePassLeavesNothingBehind() throws Exception {
    byte[] broken = raw.clone();
    int page = raw.length / 4096 / 2;
    ByteBuffer.wrap(broken, page * 4096, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(page + 7L);
    Manifest m = backup(local, broken, true, x -> x);

    assertThatThrownBy(() -> restore(local, m, false, Cancellation.create()))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("backup " + m.id() + " of " + CLUSTER)
        .hasMessageContaining("page " + page + ": header says page " + (page + 7));

    assertThat(target).doesNotExist();
    assertThat(siblings()).isEmpty();
    assertCleanedUp();
  }

  /**
   * A zstd stream that ends cleanly too early (the object holds only the first half of the db),
   * under a manifest that vouches for the stored bytes: the pass cannot even open the db, and
   * what the user is told is the real cause, the raw SHA-256, not the file's truncation.
   */
  @Test
  void aDbCutShortByItsEncoderIsReportedByItsShaNotByItsPages() throws Exception {
    byte[] half = Arrays.copyOf(raw, raw.length / 2);
    Manifest m = backup(local, half, false, x -> with(x, x.crcHash(), x.keyCount(), x.revision(), sha256(raw),
        x.sha256Stored(), x.storedSize()));

    assertThatThrownBy(() -> restore(local, m, false, Cancellation.create()))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("backup " + m.id() + " of " + CLUSTER + ": the restored db's sha256 is " + sha256(half));

    assertThat(target).doesNotExist();
    assertThat(siblings()).isEmpty();
    assertCleanedUp();
  }

  /** The store's read fails half way: a store error (exit 9), whatever the decoders made of the bytes they got. */
  @ParameterizedTest(name = "encrypted={0}")
  @ValueSource(booleans = {false, true})
  void aStoreReadFailureMidDownloadIsAStoreErrorNotAnIntegrityError(boolean encrypted) throws Exception {
    Manifest m = backup(local, raw, encrypted, x -> x);
    BackupStore failing = new DelegatingStore(local) {
      @Override
      public InputStream open(String key) throws IOException {
        return new Faulty(store.open(key), 1 << 20, null);
      }
    };

    assertThatThrownBy(() -> restore(failing, m, false, Cancellation.create()))
        .isInstanceOf(StoreException.class).hasMessageContaining("connection reset by peer")
        .satisfies(e -> assertThat(Reason.of(e)).isEqualTo(Reason.STORE_ERROR));

    assertThat(target).doesNotExist();
    assertThat(siblings()).isEmpty();
    assertCleanedUp();
  }

  /**
   * Cancelled while the store's stream hangs mid-download (a stalled connection, ended only by
   * closing it): the restore ends at once as cancelled, every thread of the download ends, the
   * stalled stream is closed, the spool is removed.
   */
  @Test
  void aCancellationMidDownloadStopsEveryThreadAndRemovesTheSpool() throws Exception {
    Manifest m = backup(local, raw, true, x -> x);
    CountDownLatch stalled = new CountDownLatch(1);
    AtomicReference<Faulty> stream = new AtomicReference<>();
    BackupStore hanging = new DelegatingStore(local) {
      @Override
      public InputStream open(String key) throws IOException {
        Faulty f = new Faulty(store.open(key), 2 << 20, stalled);
        stream.set(f);
        return f;
      }
    };
    Cancellation cancel = Cancellation.create();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread restore = new Thread(() -> {
      try {
        restore(hanging, m, false, cancel);
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    restore.start();
    assertThat(stalled.await(30, TimeUnit.SECONDS)).as("the download reached the stall").isTrue();
    assertThat(downloadThreads()).as("the download's threads while it runs").isNotEmpty();

    cancel.cancel("test");
    restore.join(10_000);

    assertThat(restore.isAlive()).isFalse();
    assertThat(failure.get()).isInstanceOf(CancelledException.class);
    assertThat(stream.get().closed).as("the stalled stream").isTrue();
    assertThat(target).doesNotExist();
    assertThat(siblings()).isEmpty();
    assertCleanedUp();
  }

  /**
   * A snapshot file whose trailer is wrong and whose pages are broken too: the trailer's SHA-256
   * runs beside the pass, and it is what the user is told (etcdutl's first check), not the page.
   */
  @Test
  void aFileRestoreThatFailsBothItsTrailerAndItsPagesReportsTheTrailer() throws Exception {
    byte[] broken = raw.clone();
    int page = raw.length / 4096 / 2;
    ByteBuffer.wrap(broken, page * 4096, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(page + 7L);
    Path file = dir.resolve("snap.db");
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(broken);
      out.write(MessageDigest.getInstance("SHA-256").digest(raw)); // the original's: wrong for these bytes
    }

    assertThatThrownBy(() -> new RestoreService(java.time.Clock.systemUTC(), Map.of()).fromFile(file, request(false)))
        .isInstanceOf(IntegrityException.class).hasMessageContaining("expected sha256 " + sha256(raw));

    assertThat(target).doesNotExist();
    assertThat(siblings()).isEmpty();
  }

  @Test
  void aFileRestoreChecksItsTrailerBesideThePass() throws Exception {
    Path file = dir.resolve("snap.db");
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(raw);
      out.write(MessageDigest.getInstance("SHA-256").digest(raw));
    }

    RestoreResult r = new RestoreService(java.time.Clock.systemUTC(), Map.of()).fromFile(file, request(false));

    assertThat(r.toolKeys()).containsExactly(LOCK_KEY);
    assertThat(SnapshotInspector.status(target.resolve("member/snap/db")).revision()).isEqualTo(rawStatus.revision());
    assertThat(siblings()).containsExactly("t.etcd");
  }

  // ---------------------------------------------------------------------------------------------

  private RestoreResult restore(BackupStore store, Manifest m, boolean force, Cancellation cancel) throws IOException {
    Optional<AgeDecryption> decryption = Optional.of(AgeDecryption.withIdentities(List.of(keys.getPrivate().toString())));
    return new RestoreService(java.time.Clock.systemUTC(), Map.of()).fromBackup(new BackupRepository(store), m,
        decryption, request(force), RunListener.NONE, cancel);
  }

  private RestoreRequest request(boolean force) {
    RestoreConfig cfg = RestoreConfig.builder().name("m1").initialCluster("m1=http://127.0.0.1:24801")
        .initialAdvertisePeerUrls("http://127.0.0.1:24801").dataDir(target).build();
    return new RestoreRequest(cfg, false, Optional.empty(), force, RestoreRequest.Engine.NATIVE, spool);
  }

  /** An old data dir in the target's place, for --force to move aside. */
  private void oldTarget() throws IOException {
    Files.createDirectories(target.resolve("member/snap"));
    Files.writeString(target.resolve("precious"), "old");
  }

  /** {@code db} zstd-compressed (and age-encrypted) into {@code store}, with a manifest that vouches for it, then {@code tweak}ed. */
  private static Manifest backup(BackupStore store, byte[] db, boolean encrypted, UnaryOperator<Manifest> tweak)
      throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    String recipient = keys.getPublic().toString();
    try (OutputStream enc = encrypted ? AgeEncryption.toRecipients(List.of(recipient)).encrypt(buf) : buf;
        OutputStream zst = Compression.zstd(1, 0).compress(enc)) {
      zst.write(db);
    }
    byte[] stored = buf.toByteArray();
    String id = BackupId.create(Instant.parse("2026-01-02T03:04:05Z")).toString();
    Manifest m = new Manifest(Manifest.FORMAT_VERSION, id, CLUSTER, "c1d", Instant.parse("2026-01-02T03:04:05Z"),
        Instant.parse("2026-01-02T03:04:06Z"), new Manifest.Source("1", "m1", "https://m1:2379", "3.5.30", true),
        rawStatus.revision(), 2, 5, rawStatus.totalKey(), rawStatus.hash(), rawStatus.totalSize(), sha256(db),
        Layout.objectName(".zst", encrypted), stored.length, sha256(stored),
        new Manifest.Transforms("zstd", 1, encrypted ? "age-x25519" : "none",
            encrypted ? List.of(AgeEncryption.fingerprint(recipient)) : List.of()),
        new Manifest.Timings(0, 0, 0, 0), "test", new Manifest.Verification("ok", "ok", "ok", null), Map.of(), null,
        null);
    try (ObjectUpload u = store.create(m.objectKey())) {
      u.stream().write(stored);
      u.commit();
    }
    return tweak.apply(m);
  }

  private static Manifest with(Manifest m, long crc, long keys, long revision, String sha256Raw, String sha256Stored,
      long storedSize) {
    return new Manifest(m.formatVersion(), m.id(), m.clusterName(), m.clusterId(), m.startedAt(), m.completedAt(),
        m.source(), revision, m.raftTerm(), m.raftIndex(), keys, crc, m.dbSize(), sha256Raw, m.object(), storedSize,
        sha256Stored, m.transforms(), m.timings(), m.toolVersion(), m.verification(), m.labels(), m.retention(),
        m.signature());
  }

  private void assertCleanedUp() throws Exception {
    assertThat(spool).as("the spool dir").satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
        p -> assertThat(p).isEmptyDirectory());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!downloadThreads().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(downloadThreads()).as("threads of the download and of the checks").isEmpty();
  }

  private static List<String> downloadThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("fetch-") || n.startsWith("restore-")).toList();
  }

  /** Names beside the target (the target, its .part, what was moved aside). */
  private List<String> siblings() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("t.etcd")).toList();
    }
  }

  private static List<String> tree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A store stream that, after {@code after} bytes, fails as a reset connection does, or (with
   * {@code stalled}) hangs, ignoring interrupts as a socket read does, until it is closed.
   */
  private static final class Faulty extends FilterInputStream {
    private final CountDownLatch stalled;
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private long left;
    volatile boolean closed;

    Faulty(InputStream in, long after, CountDownLatch stalled) {
      super(in);
      this.left = after;
      this.stalled = stalled;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        if (stalled == null) {
          throw new IOException("connection reset by peer");
        }
        stalled.countDown();
        while (true) {
          try {
            closedLatch.await();
            throw new IOException("socket closed");
          } catch (InterruptedException e) {
            // a socket read does not end on an interrupt
          }
        }
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      closed = true;
      closedLatch.countDown();
      super.close();
    }
  }
}
