import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.ManifestCodec;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.storage.StoreOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes one series of hourly backups into a store through etcd-backup's own store API, as a
 * committed backup looks there (the data object, then its manifest), without etcd: the input of
 * bench/retention.sh. Run from source against the CLI's fat jar:
 *
 * <pre>
 * java -cp cli/target/etcd-backup.jar bench/SeriesLoader.java STORE_URI CLUSTER COUNT FIRST_REVISION THREADS SEED
 * </pre>
 *
 * The S3 settings come from the same variables the CLI reads: ETCD_BACKUP_S3_ENDPOINT,
 * ETCD_BACKUP_S3_REGION, ETCD_BACKUP_S3_PATH_STYLE, ETCD_BACKUP_S3_ACCESS_KEY_ID and
 * ETCD_BACKUP_S3_SECRET_ACCESS_KEY (the secret stays off the command line).
 *
 * <p>The newest backup started a few seconds after the last full hour before now, the others one
 * hour apart before it, as an hourly CronJob leaves them. Revisions grow from FIRST_REVISION by a
 * factor of 10,000 over the series (9,001 to 90,010,000 for the default), so they cross several
 * powers of ten and their ids no longer sort as strings do. Ids come from {@code BackupId.create}
 * (its random part included); each manifest is what {@code snapshot} writes after a zstd + age
 * backup whose checks all passed (HashKV matched), and each data object is a few hundred bytes,
 * its size and SHA-256 in the manifest. Prints one JSON line: what it wrote and how long it took.
 */
public final class SeriesLoader {
  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: SeriesLoader STORE_URI CLUSTER COUNT FIRST_REVISION THREADS SEED");
      System.exit(2);
    }
    URI uri = URI.create(args[0]);
    String cluster = args[1];
    int count = Integer.parseInt(args[2]);
    long firstRevision = Long.parseLong(args[3]);
    int threads = Integer.parseInt(args[4]);
    SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[5]));
    if (count < 1 || firstRevision < 1 || threads < 1) {
      throw new IllegalArgumentException("COUNT, FIRST_REVISION and THREADS must be positive");
    }

    Instant newestHour = Instant.now().truncatedTo(ChronoUnit.HOURS);
    double growth = count == 1 ? 1 : Math.pow(10_000, 1.0 / (count - 1));
    List<Backup> backups = new ArrayList<>(count);
    long revision = 0;
    for (int i = 0; i < count; i++) { // oldest first
      Instant started = newestHour.minus(count - 1 - i, ChronoUnit.HOURS).plusSeconds(2 + rnd.nextInt(20));
      revision = Math.max(revision + 1, Math.round(firstRevision * Math.pow(growth, i)) + rnd.nextInt(5));
      backups.add(backup(cluster, started, revision, rnd.split()));
    }

    long t0 = System.nanoTime();
    long bytes = 0;
    try (BackupStore store = BackupStores.open(uri, options())) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<Long>> done = new ArrayList<>();
        for (Backup b : backups) {
          done.add(pool.submit(() -> {
            byte[] manifest = ManifestCodec.toJson(b.manifest());
            put(store, b.manifest().objectKey(), b.data());
            put(store, b.manifest().manifestKey(), manifest); // the manifest last: it commits the backup
            return (long) b.data().length + manifest.length;
          }));
        }
        for (Future<Long> f : done) {
          bytes += f.get();
        }
      } catch (ExecutionException e) {
        throw new IllegalStateException("cannot write the series: " + e.getCause(), e.getCause());
      } finally {
        pool.shutdownNow();
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    Manifest oldest = backups.get(0).manifest();
    Manifest newest = backups.get(count - 1).manifest();
    System.out.printf("{\"cluster\":\"%s\",\"backups\":%d,\"objects\":%d,\"bytes\":%d,\"manifestBytes\":%d,"
            + "\"oldest\":\"%s\",\"newest\":\"%s\",\"firstRevision\":%d,\"lastRevision\":%d,\"threads\":%d,"
            + "\"seconds\":%.1f}%n", cluster, count, 2 * count, bytes, ManifestCodec.toJson(newest).length,
        oldest.startedAt(), newest.startedAt(), oldest.revision(), newest.revision(), threads, secs);
  }

  record Backup(Manifest manifest, byte[] data) {}

  /** A backup as {@code snapshot --encrypt-to R --verify-hashkv} records it; its data a few hundred bytes. */
  static Backup backup(String cluster, Instant started, long revision, SplittableRandom r) {
    byte[] data = dataObject(r, 200 + r.nextInt(600));
    String id = BackupId.create(started).toString();
    long keys = 20_000 + revision / 1_000;
    long dbSize = 64L * 1024 * 1024 + keys * 4096;
    long streamMillis = 3_000 + r.nextInt(2_000);
    long hashKv = r.nextLong() & 0xffffffffL;
    Manifest m = new Manifest(Manifest.FORMAT_VERSION, id, cluster, "cdf818194e3a8c32", started,
        started.plusMillis(streamMillis + 2_500),
        new Manifest.Source("8e9e05c52164694d", "etcd-" + r.nextInt(3), "https://10.0.0." + (11 + r.nextInt(3)) + ":2379",
            "3.5.30", r.nextInt(3) == 0),
        revision, 7 + revision / 1_000_000, revision + 3 + r.nextInt(100), keys, r.nextLong() & 0xffffffffL, dbSize,
        hex(r, 32), Layout.objectName(".zst", true), data.length, sha256(data),
        new Manifest.Transforms("zstd", 1, "age-x25519", List.of(hex(r, 32))),
        new Manifest.Timings(streamMillis, 400 + r.nextInt(300), 800 + r.nextInt(700), streamMillis + 2_500),
        "0.1.0-SNAPSHOT",
        new Manifest.Verification("ok", "ok", "ok",
            new Manifest.HashKvCheck("match", revision, hashKv, hashKv, revision - 1_000 > 0 ? revision - 1_000 : null, null)),
        Map.of("env", "bench", "schedule", "hourly"), null, null);
    return new Backup(m, data);
  }

  /** An age file's look: its text header, then bytes that do not compress. */
  static byte[] dataObject(SplittableRandom r, int size) {
    byte[] header = ("age-encryption.org/v1\n-> X25519 " + hex(r, 21) + "\n--- " + hex(r, 21) + "\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] b = new byte[Math.max(size, header.length)];
    System.arraycopy(header, 0, b, 0, header.length);
    for (int i = header.length; i < b.length; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  static void put(BackupStore store, String key, byte[] bytes) {
    try (ObjectUpload up = store.create(key)) {
      try (OutputStream out = up.stream()) {
        out.write(bytes);
      }
      up.commit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static StoreOptions options() {
    String pathStyle = System.getenv("ETCD_BACKUP_S3_PATH_STYLE");
    String endpoint = System.getenv("ETCD_BACKUP_S3_ENDPOINT");
    return StoreOptions.builder()
        .endpoint(endpoint == null ? null : URI.create(endpoint))
        .region(System.getenv("ETCD_BACKUP_S3_REGION"))
        .pathStyle(pathStyle == null ? null : Boolean.parseBoolean(pathStyle))
        .credentials(System.getenv("ETCD_BACKUP_S3_ACCESS_KEY_ID"), System.getenv("ETCD_BACKUP_S3_SECRET_ACCESS_KEY"))
        // the smallest parts S3 takes: every object here fits one PutObject, but each upload holds one part buffer
        .partSize(StoreOptions.MIN_PART_SIZE)
        .build();
  }

  static String hex(SplittableRandom r, int bytes) {
    byte[] b = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return HexFormat.of().formatHex(b);
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
