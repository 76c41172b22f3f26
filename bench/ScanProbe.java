import io.etcdbackup.core.NotFoundException;
import io.etcdbackup.core.retention.RetentionPlan;
import io.etcdbackup.core.retention.RetentionPlanner;
import io.etcdbackup.core.retention.RetentionPolicy;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.ManifestCodec;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.storage.StoreOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Where the time of {@code prune --dry-run} goes, step by step inside one JVM, through
 * etcd-backup's own classes, for docs/benchmarks.md:
 *
 * <pre>
 * java -cp cli/target/etcd-backup.jar bench/ScanProbe.java STORE_URI CLUSTER SEQUENTIAL_SAMPLE THREADS,THREADS,... GET_MS,PAGE_MS
 * </pre>
 *
 * S3 settings from the ETCD_BACKUP_S3_* variables, as bench/SeriesLoader.java reads them. Steps,
 * each printed as one line {@code step seconds [per-GET ms]}: the series' listing alone; GET and
 * parse of the first SEQUENTIAL_SAMPLE manifests one at a time (what a scan without parallel reads
 * would do, extrapolated to the whole series); all of them over a pool of each THREADS size;
 * {@code BackupRepository.scan} (listing and manifest reads as {@code prune} does them); and
 * {@code RetentionPlanner.plan} with the benchmark's policy (--keep-last 24 --keep-daily 30
 * --keep-weekly 8) over what scan found, twice. The JVM is warm by the scan: the GETs before it
 * have compiled the client's paths.
 *
 * <p>Then the same series in a latency model of a remote S3 ({@link LatencyStore}): the objects
 * and manifests just read, served from memory, each GET after GET_MS and each page of 1,000 keys
 * after PAGE_MS. S3Proxy on loopback answers in about a millisecond but shares the two cores with
 * the client; a remote store is the other way round (waiting, not computing), and there what
 * counts is how many requests are in flight and whether the reads wait for the listing's end.
 */
public final class ScanProbe {
  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    String cluster = args[1];
    int sample = Integer.parseInt(args[2]);
    List<Integer> pools = new ArrayList<>();
    for (String t : args[3].split(",")) {
      pools.add(Integer.parseInt(t));
    }
    try (BackupStore store = BackupStores.open(uri, options())) {
      BackupRepository repo = new BackupRepository(store);
      List<String> manifests = time("list the series", 0, () -> store.list(Layout.writePrefix(cluster))).stream()
          .map(StoredObject::key).filter(k -> k.endsWith("/" + Layout.MANIFEST)).toList();
      List<String> some = manifests.subList(0, Math.min(sample, manifests.size()));
      time("GET+parse " + some.size() + " manifests one at a time", some.size(), () -> {
        for (String k : some) {
          read(store, k);
        }
        return null;
      });
      System.out.printf("%-56s %7.2f s (extrapolated to %d manifests)%n", "  one at a time, whole series",
          lastPerGet * manifests.size() / 1000, manifests.size());
      for (int threads : pools) {
        time("GET+parse all " + manifests.size() + " manifests, " + threads + " in flight", manifests.size(),
            () -> readAll(store, manifests, threads));
      }
      BackupRepository.Listing listing = time("BackupRepository.scan (as built)", 0,
          () -> repo.scan(cluster, Cancellation.create()));
      RetentionPolicy policy = RetentionPolicy.builder().keepLast(24).keepDaily(30).keepWeekly(8).build();
      Instant now = Instant.now();
      RetentionPlan plan = time("RetentionPlanner.plan (first call)", 0,
          () -> RetentionPlanner.plan(listing.backups(), policy, now));
      time("RetentionPlanner.plan (again)", 0, () -> RetentionPlanner.plan(listing.backups(), policy, now));
      System.out.printf("backups=%d keep=%d delete=%d%n", listing.backups().size(), plan.keepCount(), plan.deleteCount());

      String[] latency = args[4].split(",");
      LatencyStore model = LatencyStore.of(store, Layout.writePrefix(cluster), Long.parseLong(latency[0]),
          Long.parseLong(latency[1]));
      System.out.printf("latency model: %s ms per GET, %s ms per page of 1,000 keys%n", latency[0], latency[1]);
      for (int threads : List.of(16, 64)) {
        time("  list, then GET+parse, " + threads + " in flight", 0, () -> {
          List<String> keys = model.list(Layout.writePrefix(cluster)).stream().map(StoredObject::key)
              .filter(k -> k.endsWith("/" + Layout.MANIFEST)).toList();
          return readAll(model, keys, threads);
        });
      }
      time("  BackupRepository.scan (as built)", 0,
          () -> new BackupRepository(model).scan(cluster, Cancellation.create()));
    }
  }

  /** A series held in memory, answering as slowly as a remote store: see the class comment. */
  static final class LatencyStore implements BackupStore {
    private final List<StoredObject> objects;
    private final Map<String, byte[]> bytes;
    private final long getMillis;
    private final long pageMillis;

    private LatencyStore(List<StoredObject> objects, Map<String, byte[]> bytes, long getMillis, long pageMillis) {
      this.objects = objects;
      this.bytes = bytes;
      this.getMillis = getMillis;
      this.pageMillis = pageMillis;
    }

    /** The objects under {@code prefix} of {@code from}, with the manifests' bytes. */
    static LatencyStore of(BackupStore from, String prefix, long getMillis, long pageMillis) throws Exception {
      List<StoredObject> objects = from.list(prefix);
      Map<String, byte[]> bytes = new ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (StoredObject o : objects) {
          if (o.key().endsWith("/" + Layout.MANIFEST)) {
            done.add(pool.submit(() -> {
              try (InputStream in = from.open(o.key())) {
                return bytes.put(o.key(), in.readAllBytes());
              }
            }));
          }
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      return new LatencyStore(objects, bytes, getMillis, pageMillis);
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
      return list(prefix, page -> { });
    }

    // BackupStore's paged list where the jar has one; no @Override, so that the probe also runs
    // against a jar without it, whose scan then lists through list(prefix) above, all pages first.
    public List<StoredObject> list(String prefix, Consumer<List<StoredObject>> pages) throws IOException {
      List<StoredObject> all = objects.stream().filter(o -> o.key().startsWith(prefix)).toList();
      for (int from = 0; from < all.size(); from += 1000) {
        pause(pageMillis);
        pages.accept(all.subList(from, Math.min(all.size(), from + 1000)));
      }
      return all;
    }

    @Override
    public InputStream open(String key) throws IOException {
      pause(getMillis);
      byte[] b = bytes.get(key);
      if (b == null) {
        throw new NotFoundException("no object " + key + " in the latency model");
      }
      return new ByteArrayInputStream(b);
    }

    @Override
    public Optional<StoredObject> stat(String key) {
      return objects.stream().filter(o -> o.key().equals(key)).findFirst();
    }

    @Override
    public String location() {
      return "latency-model";
    }

    @Override
    public ObjectUpload create(String key) {
      throw new UnsupportedOperationException("the latency model is read-only");
    }

    @Override
    public void delete(String key) {
      throw new UnsupportedOperationException("the latency model is read-only");
    }

    @Override
    public void checkWritable(String prefix) {
      throw new UnsupportedOperationException("the latency model is read-only");
    }

    @Override
    public void close() {}

    private static void pause(long millis) throws IOException {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      }
    }
  }

  static double lastPerGet;

  /** The S3 store of bench/retention.sh (an S3-compatible endpoint, path style, static keys). */
  static StoreOptions options() {
    String endpoint = System.getenv("ETCD_BACKUP_S3_ENDPOINT");
    return StoreOptions.builder().endpoint(endpoint == null ? null : URI.create(endpoint)).pathStyle(endpoint != null)
        .region(System.getenv("ETCD_BACKUP_S3_REGION"))
        .credentials(System.getenv("ETCD_BACKUP_S3_ACCESS_KEY_ID"), System.getenv("ETCD_BACKUP_S3_SECRET_ACCESS_KEY"))
        .build();
  }

  static <T> T time(String step, int gets, Callable<T> body) throws Exception {
    long t0 = System.nanoTime();
    T result = body.call();
    double s = (System.nanoTime() - t0) / 1e9;
    lastPerGet = gets == 0 ? 0 : s * 1000 / gets;
    System.out.printf("%-56s %7.2f s%s%n", step, s, gets == 0 ? "" : String.format(" (%.2f ms per GET)", lastPerGet));
    return result;
  }

  static Manifest read(BackupStore store, String key) throws Exception {
    try (InputStream in = store.open(key)) {
      return ManifestCodec.fromJson(in.readAllBytes(), key);
    }
  }

  static Void readAll(BackupStore store, List<String> keys, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Manifest>> done = new ArrayList<>();
      for (String k : keys) {
        done.add(pool.submit(() -> read(store, k)));
      }
      for (Future<Manifest> f : done) {
        f.get();
      }
      return null;
    } finally {
      pool.shutdownNow();
    }
  }
}
