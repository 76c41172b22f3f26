package io.etcdbackup.core.store;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.NotFoundException;
import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.run.Cancellation;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backups in a {@link BackupStore}: series (one per cluster name), manifests, selection, commit,
 * and the clean-up of leftovers (data without a manifest). New backups go into the v2 layout;
 * v1 backups are read, listed, selected and pruned as before ({@link Layout}). A backup without a
 * manifest does not exist for any reader.
 */
public final class BackupRepository {
  private static final Logger LOG = LoggerFactory.getLogger(BackupRepository.class);
  /**
   * Manifest GETs in flight during a {@link #scan}. A GET of a small object waits some 20 ms for a
   * remote S3, so 16 readers took 12.5 s for 10,000 manifests and 64 take 3 s (bench/ScanProbe's
   * latency model, docs/benchmarks.md); the S3 client's connection pool holds as many.
   */
  public static final int MANIFEST_READERS = 64;

  /** Newest first: by start time, then revision, then id (ties are rare: two runs in one second). */
  public static final Comparator<Manifest> NEWEST_FIRST = Comparator.comparing(Manifest::startedAt)
      .thenComparingLong(Manifest::revision).thenComparing(Manifest::id).reversed();

  private final BackupStore store;
  private final Optional<ManifestKey> manifestKey;

  public BackupRepository(BackupStore store) {
    this(store, Optional.empty());
  }

  /** With {@code manifestKey}, commits sign their manifest and {@link #checkSignature} demands one. */
  public BackupRepository(BackupStore store, Optional<ManifestKey> manifestKey) {
    this.store = store;
    this.manifestKey = manifestKey;
  }

  /**
   * Refuses {@code m} unless the repository's key signed it; without a key, nothing to check (a
   * signed manifest is then read as any other). Every fetch asks this before reading data.
   *
   * @throws IntegrityException when a key is set and the signature is missing or wrong
   */
  public void checkSignature(Manifest m) {
    if (manifestKey.isPresent()) {
      manifestKey.get().check(m, "backup " + m.id() + " of " + m.clusterName());
      LOG.debug("manifest signature checked cluster={} id={} key={}", m.clusterName(), m.id(), manifestKey.get().keyId());
    } else if (m.signature() != null) {
      LOG.info("manifest signature not checked cluster={} id={} key={}: no --manifest-signing-key given",
          m.clusterName(), m.id(), m.signature().keyId());
    }
  }

  public BackupStore store() {
    return store;
  }

  /** Every cluster name that has at least one committed backup. */
  public List<String> series() {
    TreeSet<String> names = new TreeSet<>();
    for (String root : Layout.ROOTS) {
      for (StoredObject o : objects(root)) {
        Layout.parse(o.key()).filter(p -> p.name().equals(Layout.MANIFEST) && p.backupId().isPresent())
            .ifPresent(p -> names.add(p.cluster()));
      }
    }
    return List.copyOf(names);
  }

  /**
   * The series to read: the one asked for; else the only one in the store; else an error that lists
   * them (a store shared by several clusters needs {@code --cluster-name}).
   */
  public String resolveSeries(Optional<String> requested) {
    if (requested.isPresent()) {
      return Layout.checkClusterName(requested.get());
    }
    List<String> names = series();
    if (names.isEmpty()) {
      throw new NotFoundException("no backups in " + store.location());
    }
    if (names.size() > 1) {
      throw new InvalidInputException(store.location() + " holds backups of several clusters (" + String.join(", ", names)
          + "): choose one with --cluster-name");
    }
    return names.get(0);
  }

  /**
   * The backup {@code selector} names in the series {@code cluster} names (or the store's only
   * series): what {@code verify}, {@code restore} and the drills read.
   */
  public Manifest select(Optional<String> cluster, BackupSelector selector) {
    return find(resolveSeries(cluster), selector);
  }

  /** Committed backups of {@code cluster}, newest first. Unreadable manifests are skipped with a warning. */
  public List<Manifest> list(String cluster) {
    Listing listing = scan(cluster, Cancellation.create());
    for (Unreadable u : listing.unreadable()) {
      LOG.warn("skipping backup store={} key={}: {}", store.location(), u.key(), u.problem());
    }
    return listing.backups();
  }

  /** A manifest that is there but cannot be read as this series' backup. */
  public record Unreadable(String key, String problem) {}

  /**
   * One complete listing of a series, every object sorted into what it is.
   *
   * @param backups committed backups, newest first
   * @param unreadable manifests that do not parse or name another backup than their key
   * @param leftovers backup directories with data but no manifest (interrupted runs), any age
   * @param unknown objects under the series' prefixes that are no part of a backup (not a backup
   *     id's directory, or a name that is neither the manifest nor a data object): never touched
   */
  public record Listing(String cluster, List<Manifest> backups, List<Unreadable> unreadable,
      List<Leftover> leftovers, List<StoredObject> unknown) {
    public Listing {
      backups = List.copyOf(backups);
      unreadable = List.copyOf(unreadable);
      leftovers = List.copyOf(leftovers);
      unknown = List.copyOf(unknown);
    }

    /** Stored bytes of the committed backups' data objects, as their manifests say. */
    public long storedBytes() {
      return backups.stream().mapToLong(Manifest::storedSize).sum();
    }
  }

  /**
   * Lists {@code cluster}'s series once and reads every manifest, {@value #MANIFEST_READERS} at a
   * time (one GET each: 10,000 backups one after the other would take minutes against S3). Either
   * the listing is complete or this throws: a {@link StoreException} for a failed list or read
   * (the first failure wins), {@link io.etcdbackup.core.CancelledException} when {@code cancel}
   * fires. A manifest that parses badly is no failure here but an entry of {@link
   * Listing#unreadable()}; a caller that deletes must refuse to plan with any.
   */
  public Listing scan(String cluster, Cancellation cancel) {
    Grouped g = group(cluster);
    List<Manifest> backups = new ArrayList<>();
    List<Unreadable> unreadable = new ArrayList<>();
    if (!g.manifests().isEmpty()) {
      int threads = Math.min(MANIFEST_READERS, g.manifests().size());
      ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "manifest-reader");
        t.setDaemon(true);
        return t;
      });
      try {
        List<Map.Entry<String, Future<Manifest>>> reads = new ArrayList<>();
        for (Map.Entry<String, String> e : g.manifests().entrySet()) {
          reads.add(Map.entry(e.getValue(), pool.submit(() -> readManifest(e.getValue()))));
        }
        for (Map.Entry<String, Future<Manifest>> r : reads) {
          String key = r.getKey();
          Manifest m;
          try {
            m = cancel.await(r.getValue());
          } catch (ExecutionException e) {
            if (e.getCause() instanceof IntegrityException bad) {
              unreadable.add(new Unreadable(key, bad.getMessage()));
              continue;
            }
            if (e.getCause() instanceof NotFoundException) {
              continue; // deleted since the listing (another prune): that backup is gone
            }
            if (e.getCause() instanceof RuntimeException re) {
              throw re;
            }
            throw new StoreException("cannot read " + where(key) + ": " + e.getCause(), e.getCause());
          }
          Optional<Layout.Parsed> p = Layout.parse(key);
          if (!m.clusterName().equals(cluster) || !m.id().equals(p.orElseThrow().id())) {
            unreadable.add(new Unreadable(key, "it names backup " + m.id() + " of cluster " + m.clusterName()));
            continue;
          }
          backups.add(m);
        }
      } finally {
        pool.shutdownNow();
      }
    }
    backups.sort(NEWEST_FIRST);
    return new Listing(cluster, backups, unreadable, g.leftovers(), g.unknown());
  }

  /** What one listing of a series holds, before any manifest is read. */
  private record Grouped(Map<String, String> manifests, List<Leftover> leftovers, List<StoredObject> unknown) {}

  /**
   * Sorts the objects of a series by backup directory. Only what the layouts define is a backup's:
   * a directory named by a backup id of its layout's form, holding {@code manifest.json} and data
   * objects named {@code snapshot.db...}. Anything else (a file a person put there) is unknown, and
   * no clean-up touches it; other kinds of object in a v2 series are not even listed.
   */
  private Grouped group(String cluster) {
    Map<String, List<StoredObject>> byId = new TreeMap<>();
    Map<String, String> manifests = new TreeMap<>();
    List<StoredObject> unknown = new ArrayList<>();
    List<StoredObject> listed = new ArrayList<>();
    for (String prefix : Layout.seriesPrefixes(cluster)) {
      listed.addAll(objects(prefix));
    }
    for (StoredObject o : listed) {
      Optional<Layout.Parsed> p = Layout.parse(o.key());
      if (p.isEmpty() || !p.get().cluster().equals(cluster) || p.get().backupId().isEmpty()) {
        unknown.add(o);
      } else if (p.get().name().equals(Layout.MANIFEST)) {
        manifests.put(p.get().id(), o.key());
      } else if (p.get().name().startsWith(Layout.DATA_BASENAME) && !p.get().name().contains("/")) {
        byId.computeIfAbsent(p.get().id(), k -> new ArrayList<>()).add(o);
      } else {
        unknown.add(o);
      }
    }
    List<Leftover> leftovers = new ArrayList<>();
    for (Map.Entry<String, List<StoredObject>> e : byId.entrySet()) {
      if (manifests.containsKey(e.getKey())) {
        continue;
      }
      List<StoredObject> objects = e.getValue();
      Instant newest = objects.stream().map(StoredObject::lastModified).max(Comparator.naturalOrder()).orElseThrow();
      leftovers.add(new Leftover(cluster, e.getKey(), List.copyOf(objects), newest));
    }
    return new Grouped(manifests, leftovers, unknown);
  }

  /** The backup {@code selector} names; {@link NotFoundException} if there is none. */
  public Manifest find(String cluster, BackupSelector selector) {
    if (selector instanceof BackupSelector.ById byId) {
      BackupId.parse(byId.id());
      String key = Layout.manifestKey(cluster, byId.id());
      try {
        if (store.stat(key).isEmpty()) {
          throw new NotFoundException("no backup " + byId.id() + " of cluster " + cluster + " in " + store.location());
        }
      } catch (IOException e) {
        throw new StoreException("cannot read " + where(key) + ": " + e.getMessage(), e);
      }
      return readManifest(key);
    }
    Listing listing = scan(cluster, Cancellation.create());
    List<Manifest> all = listing.backups();
    Optional<Manifest> hit;
    if (selector instanceof BackupSelector.AsOf a) {
      hit = all.stream().filter(m -> !m.startedAt().isAfter(a.time())).findFirst();
    } else if (selector instanceof BackupSelector.AtOrBelowRevision r) {
      hit = all.stream().filter(m -> m.revision() <= r.revision())
          .max(Comparator.comparingLong(Manifest::revision).thenComparing(Manifest::startedAt));
    } else {
      hit = all.stream().findFirst();
    }
    refuseIfUnreadableCouldBeTheAnswer(listing, selector, hit);
    return hit.orElseThrow(() -> new NotFoundException("no backup of cluster " + cluster + " in " + store.location()
        + (selector instanceof BackupSelector.Latest ? "" : " matches " + selector)
        + (all.isEmpty() ? "" : " (oldest: " + all.get(all.size() - 1).id() + " at revision "
            + all.get(all.size() - 1).revision() + ")")));
  }

  /**
   * An unreadable manifest (a newer formatVersion, broken JSON) whose id says it might be the
   * backup {@code selector} asks for fails the selection rather than being passed over: taking an
   * older backup in silence would restore stale data with exit 0. The id's time and revision stand
   * in for the manifest's (they are the run's start and, in a v1 id, the snapshot's revision,
   * BackupId). A v2 id has no revision; within one series revisions grow with time, so for a
   * revision an unreadable v2 backup is passed over only when it started before the answer.
   */
  private void refuseIfUnreadableCouldBeTheAnswer(Listing listing, BackupSelector selector, Optional<Manifest> hit) {
    for (Unreadable u : listing.unreadable()) {
      Optional<BackupId> id = Layout.parse(u.key()).flatMap(Layout.Parsed::backupId);
      if (id.isEmpty()) {
        continue;
      }
      BackupId b = id.get();
      boolean candidate;
      if (selector instanceof BackupSelector.AsOf a) {
        candidate = !b.time().isAfter(a.time()) && hit.map(m -> !b.time().isBefore(m.startedAt()
            .truncatedTo(ChronoUnit.SECONDS))).orElse(true);
      } else if (selector instanceof BackupSelector.AtOrBelowRevision r && b.v1()) {
        candidate = b.revision() <= r.revision() && hit.map(m -> b.revision() >= m.revision()).orElse(true);
      } else {
        candidate = hit.map(m -> !b.time().isBefore(m.startedAt().truncatedTo(ChronoUnit.SECONDS)))
            .orElse(true);
      }
      if (candidate) {
        throw new IntegrityException("the manifest of backup " + b + ", which may be " + selector + ", cannot be read ("
            + u.problem() + "): nothing was selected; name an older backup by its id (etcd-backup list) to use it");
      }
    }
    for (Unreadable u : listing.unreadable()) {
      LOG.warn("skipping backup store={} key={}: {}", store.location(), u.key(), u.problem());
    }
  }

  /**
   * Starts a backup of {@code cluster}: its data object {@code objectName} is uploaded under the
   * backup's directory, invisible until committed.
   */
  public PendingBackup begin(String cluster, BackupId id, String objectName) {
    String key = Layout.objectKey(cluster, id.toString(), objectName);
    // Under an object lock, one retain-until date for the whole backup, from the id's time (the
    // run's start), so that the manifest can record it before it is itself written.
    Manifest.Retention retention = store.objectLock()
        .map(l -> new Manifest.Retention(l.mode().name(), l.retainUntil(id.time())))
        .orElse(null);
    try {
      ObjectUpload upload = retention == null ? store.create(key) : store.create(key, retention.retainUntil());
      return new PendingBackup(this, cluster, id, objectName, upload, retention);
    } catch (IOException e) {
      throw new StoreException("cannot start the upload of " + where(key) + ": " + e.getMessage(), e);
    }
  }

  /** Writes the manifest, signed when the repository has a key: the commit point of a backup. Returns it as written. */
  Manifest commit(Manifest unsigned) {
    Manifest m = manifestKey.map(k -> k.sign(unsigned)).orElse(unsigned);
    byte[] json = ManifestCodec.toJson(m);
    try (ObjectUpload up = m.retention() == null ? store.create(m.manifestKey())
        : store.create(m.manifestKey(), m.retention().retainUntil())) {
      try (OutputStream out = up.stream()) {
        out.write(json);
      }
      up.commit();
    } catch (IOException e) {
      throw new StoreException("cannot write " + where(m.manifestKey()) + ": " + e.getMessage(), e);
    }
    return m;
  }

  /** {@code location/key}, for messages. */
  String where(String key) {
    return store.location() + "/" + key;
  }

  public InputStream openObject(Manifest m) throws IOException {
    return store.open(m.objectKey());
  }

  /** A backup directory with data but no manifest: an interrupted run. */
  public record Leftover(String cluster, String id, List<StoredObject> objects, Instant newest) {}

  /** Leftovers of {@code cluster} whose newest object is older than {@code grace} at {@code now}. */
  public List<Leftover> leftovers(String cluster, Duration grace, Instant now) {
    return group(cluster).leftovers().stream().filter(l -> l.newest().plus(grace).isBefore(now)).toList();
  }

  /** Deletes a leftover's objects. */
  public void delete(Leftover l) throws IOException {
    for (StoredObject o : l.objects()) {
      store.delete(o.key());
    }
    LOG.info("removed leftover cluster={} id={} objects={} store={}", l.cluster(), l.id(), l.objects().size(),
        store.location());
  }

  /**
   * Uploads of {@code cluster}'s series started before {@code before} and neither committed nor
   * aborted: what killed runs left (a local temporary file, an S3 multipart upload), which no
   * listing of objects shows. Younger ones may belong to a run still going.
   */
  public List<IncompleteUpload> unfinishedUploads(String cluster, Instant before) {
    List<IncompleteUpload> found = new ArrayList<>();
    for (String prefix : Layout.seriesPrefixes(cluster)) {
      try {
        store.incompleteUploads(prefix).stream().filter(u -> u.initiated().isBefore(before)).forEach(found::add);
      } catch (IOException e) {
        throw new StoreException("cannot list the unfinished uploads of " + where(prefix) + ": " + e.getMessage(), e);
      }
    }
    return found;
  }

  /** Discards an upload {@link #unfinishedUploads} returned. */
  public void abort(IncompleteUpload u) {
    try {
      store.abortIncomplete(u);
      LOG.info("aborted an unfinished upload store={} key={} initiated={}", store.location(), u.key(), u.initiated());
    } catch (IOException e) {
      throw new StoreException("cannot abort the unfinished upload of " + where(u.key()) + ": " + e.getMessage(), e);
    }
  }

  private Manifest readManifest(String key) {
    try (InputStream in = store.open(key)) {
      return ManifestCodec.fromJson(in.readAllBytes(), store.location() + "/" + key);
    } catch (IOException e) {
      throw new StoreException("cannot read " + where(key) + ": " + e.getMessage(), e);
    }
  }

  private List<StoredObject> objects(String prefix) {
    try {
      return store.list(prefix);
    } catch (IOException e) {
      throw new StoreException("cannot list " + where(prefix) + ": " + e.getMessage(), e);
    }
  }
}
