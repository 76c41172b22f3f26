package io.etcdbackup.core.metrics;

import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a backup store holds, per series, as Prometheus gauges (docs/metrics.md, "Store exporter"):
 * the figures the exporter serves, read from the manifests on each {@link #refresh} rather than on
 * each scrape, so that an alert on backup age fires even when the job that writes the backups has
 * silently stopped.
 *
 * <p>Every gauge reads one immutable {@link Snapshot}, which a refresh replaces at once when it has
 * read every series: a scrape during a refresh sees the previous figures, never some clusters (or
 * some figures of a cluster) already new and others still old. Which gauges exist follows the
 * snapshot too: those a new snapshot drops are removed before it is published and those it adds are
 * registered after, so no gauge ever reads a figure its snapshot lacks. (A scrape that straddles
 * the swap itself, a few microseconds, may read some gauges from each side; the next one is whole.)
 *
 * <p>Per cluster:
 * <ul>
 *   <li>A series read completely: {@code scrape_success} 1 and every figure, {@code last_refresh}
 *       the time of that read.
 *   <li>A series that could not be read (a {@link io.etcdbackup.core.StoreException}: listing or a
 *       manifest GET failed; or anything unexpected): {@code scrape_success} 0, and its figures are
 *       <em>removed</em>, so Prometheus marks them stale instead of showing the last known ones as
 *       if they were fresh; a later read brings them back. {@code last_refresh} stays: it is the
 *       time of the last good read, which is what an alert on a failing exporter wants.
 *   <li>Manifests that are there but do not parse are no read failure: the listing was complete,
 *       and a backup whose manifest cannot be read cannot be restored, so the readable ones are
 *       what the series holds. They are counted apart ({@code unreadable_manifests}), and if the
 *       newest backup is one of them, {@code newest} is older than the newest object: the age alert
 *       fires, which is the truth about what could be restored. Hiding the whole series instead
 *       would silence the age alert for as long as one corrupt manifest stays in the store.
 *   <li>A watched series without a backup: {@code backups} 0, {@code bytes} 0, and no
 *       {@code newest}, {@code oldest} or {@code newest_revision}: a timestamp of 0 would put the
 *       newest backup in 1970 and break every graph. Alert on {@code backups == 0} beside the age.
 * </ul>
 *
 * <p>Times are the backups' {@link Manifest#startedAt()}, not their completion: the snapshot is
 * etcd's state when its stream began, so a backup's data is as old as its start; an upload of an
 * 8 GiB database that takes twenty minutes must not make the data look twenty minutes younger.
 * It is also the time that orders backups ({@link BackupRepository#NEWEST_FIRST}), names them
 * ({@code BackupId}) and that retention and {@code restore --as-of} go by.
 *
 * <p>With no cluster names given, every series the store holds is watched, found anew on each
 * refresh; a series once seen stays watched for the life of this inventory, so that a store that
 * fails, or a series whose backups all went, shows as 0 rather than vanishing. Label values come
 * only from these names (checked by {@link Layout#checkClusterName}) and the store's kind
 * ({@link MetricNames#STORE_KINDS}).
 *
 * <p>Thread-safe; one refresh runs at a time.
 */
public final class StoreInventory {
  private static final Logger LOG = LoggerFactory.getLogger(StoreInventory.class);

  private final BackupRepository repository;
  private final String storeKind;
  private final List<String> watched;
  private final Clock clock;
  private final MeterRegistry registry;
  private final Instant createdAt;

  private volatile Snapshot current;
  private volatile Instant lastFinished;
  /** Guarded by {@code this}: the gauges registered now, which are exactly {@link #current}'s figures. */
  private final Map<Key, Gauge> gauges = new HashMap<>();
  /** Guarded by {@code this}: series found in the store so far, when none were named. */
  private final Set<String> discovered = new TreeSet<>();
  /** Guarded by {@code this}: whether the last listing of the store's series failed, for logging changes only. */
  private boolean discoveryFailing;
  /** Guarded by {@code this}: whether a store without any series was logged. */
  private boolean warnedEmpty;

  /**
   * An inventory of {@code repository}'s store that registers its gauges in {@code registry}.
   *
   * @param clusters the series to watch; empty: every series the store holds
   * @param clock the time of {@code last_refresh} and of {@link #refreshedWithin}
   */
  public StoreInventory(BackupRepository repository, Collection<String> clusters, Clock clock, MeterRegistry registry) {
    this.repository = repository;
    this.storeKind = MetricNames.storeKind(repository.store().location());
    this.watched = List.copyOf(new TreeSet<>(clusters.stream().map(Layout::checkClusterName).toList()));
    this.clock = clock;
    this.registry = registry;
    this.createdAt = clock.instant();
    this.current = new Snapshot(createdAt, Map.of());
    this.lastFinished = createdAt;
  }

  /** What the last refresh read, per series: what the gauges show. */
  public record Snapshot(Instant finishedAt, Map<String, Series> series) {
    public Snapshot {
      series = Map.copyOf(series);
    }

    /** A gauge's value, or empty when the series has no such figure (then there is no such gauge). */
    OptionalDouble value(Key key) {
      Series s = series.get(key.cluster());
      return s == null ? OptionalDouble.empty() : key.figure().of(s);
    }
  }

  /**
   * One series as the last refresh saw it.
   *
   * @param lastRead when it was last read completely, if ever
   * @param figures what that refresh read; empty when it could not read the series
   */
  public record Series(String cluster, Optional<Instant> lastRead, Optional<Figures> figures) {
    public boolean readable() {
      return figures.isPresent();
    }
  }

  /**
   * A series read completely.
   *
   * @param backups committed backups whose manifest reads
   * @param unreadable manifests that are there but do not parse or name another backup
   * @param storedBytes stored bytes of the {@code backups}, as their manifests say
   * @param newest the newest of {@code backups}, by start time then revision
   * @param oldest the oldest of {@code backups}
   */
  public record Figures(int backups, int unreadable, long storedBytes, Optional<Manifest> newest, Optional<Manifest> oldest) {
    static Figures of(BackupRepository.Listing l) {
      List<Manifest> b = l.backups();
      return new Figures(b.size(), l.unreadable().size(), l.storedBytes(), b.stream().findFirst(),
          b.isEmpty() ? Optional.empty() : Optional.of(b.get(b.size() - 1)));
    }
  }

  /** One gauge per figure and series; a figure's value is empty where the gauge must not exist. */
  enum Figure {
    SCRAPE_SUCCESS(MetricNames.STORE_SCRAPE_SUCCESS,
        "1 if the last refresh read the series completely, else 0 (its other figures are then withdrawn)",
        s -> OptionalDouble.of(s.readable() ? 1 : 0)),
    LAST_REFRESH(MetricNames.STORE_LAST_REFRESH, "When the series was last read completely (Unix seconds)",
        s -> s.lastRead().map(t -> OptionalDouble.of(seconds(t))).orElse(OptionalDouble.empty())),
    BACKUPS(MetricNames.STORE_BACKUPS, "Committed backups with a readable manifest",
        figure(f -> OptionalDouble.of(f.backups()))),
    UNREADABLE(MetricNames.STORE_UNREADABLE, "Manifests in the series that cannot be read (such a backup cannot be restored)",
        figure(f -> OptionalDouble.of(f.unreadable()))),
    BYTES(MetricNames.STORE_BYTES, "Stored bytes of the committed backups",
        figure(f -> OptionalDouble.of(f.storedBytes()))),
    NEWEST(MetricNames.STORE_NEWEST, "Start time of the newest committed backup (Unix seconds)",
        figure(f -> f.newest().map(m -> OptionalDouble.of(seconds(m.startedAt()))).orElse(OptionalDouble.empty()))),
    OLDEST(MetricNames.STORE_OLDEST, "Start time of the oldest committed backup (Unix seconds)",
        figure(f -> f.oldest().map(m -> OptionalDouble.of(seconds(m.startedAt()))).orElse(OptionalDouble.empty()))),
    NEWEST_REVISION(MetricNames.STORE_NEWEST_REVISION, "etcd revision of the newest committed backup",
        figure(f -> f.newest().map(m -> OptionalDouble.of(m.revision())).orElse(OptionalDouble.empty())));

    final String metric;
    final String help;
    private final Function<Series, OptionalDouble> value;

    Figure(String metric, String help, Function<Series, OptionalDouble> value) {
      this.metric = metric;
      this.help = help;
      this.value = value;
    }

    OptionalDouble of(Series s) {
      return value.apply(s);
    }

    private static Function<Series, OptionalDouble> figure(Function<Figures, OptionalDouble> f) {
      return s -> s.figures().map(f).orElse(OptionalDouble.empty());
    }

    private static double seconds(Instant t) {
      return t.toEpochMilli() / 1000.0;
    }
  }

  /** A gauge: a figure of a series. */
  record Key(Figure figure, String cluster) {}

  /** What the gauges show now. */
  public Snapshot current() {
    return current;
  }

  /**
   * Whether a refresh finished (whatever it could read) within {@code window} before now, counting
   * from this inventory's creation until the first one has: a refresh that hangs, not a store that
   * fails, is what this tells.
   */
  public boolean refreshedWithin(Duration window) {
    return !lastFinished.plus(window).isBefore(clock.instant());
  }

  /**
   * Reads every watched series once (manifests {@code BackupRepository} reads in parallel), then
   * publishes the figures all at once. A series that fails is reported as such and does not stop
   * the others.
   *
   * @throws CancelledException when {@code cancel} fires; nothing is published then
   */
  public synchronized Snapshot refresh(Cancellation cancel) {
    Snapshot before = current;
    Map<String, Series> next = new LinkedHashMap<>();
    Optional<EtcdBackupException> listingFailure = Optional.empty();
    List<String> clusters = watched;
    if (watched.isEmpty()) {
      listingFailure = discover();
      clusters = List.copyOf(discovered);
    }
    for (String cluster : clusters) {
      cancel.check();
      Series previous = before.series().get(cluster);
      Optional<Instant> lastRead = previous == null ? Optional.empty() : previous.lastRead();
      if (listingFailure.isPresent()) {
        next.put(cluster, new Series(cluster, lastRead, Optional.empty()));
        continue;
      }
      Series s = read(cluster, lastRead, cancel);
      logChange(previous, s);
      next.put(cluster, s);
    }
    Snapshot after = new Snapshot(clock.instant(), next);
    publish(after);
    lastFinished = after.finishedAt();
    return after;
  }

  /** Adds the store's series to {@link #discovered}; the failure, if the store cannot be listed. */
  private Optional<EtcdBackupException> discover() {
    List<String> found;
    try {
      found = repository.series();
    } catch (CancelledException e) {
      throw e;
    } catch (EtcdBackupException e) {
      if (!discoveryFailing) {
        LOG.warn("cannot list the series store={} reason={}: {}; every series' figures are withdrawn until a listing succeeds",
            repository.store().location(), e.reason().label(), e.getMessage());
      }
      discoveryFailing = true;
      return Optional.of(e);
    }
    if (discoveryFailing) {
      LOG.info("series listed again store={} series={}", repository.store().location(), found.size());
    }
    discoveryFailing = false;
    for (String name : found) {
      try {
        discovered.add(Layout.checkClusterName(name));
      } catch (EtcdBackupException e) {
        // A label value must be a valid series name; such a directory is no series this tool wrote.
        LOG.debug("not a series name store={} name={}", repository.store().location(), name);
      }
    }
    if (discovered.isEmpty() && !warnedEmpty) {
      LOG.warn("no series in store={}: nothing to export until a backup is written there (a wrong --from? "
          + "--cluster-name makes a missing series show as 0 backups)", repository.store().location());
      warnedEmpty = true;
    }
    return Optional.empty();
  }

  private Series read(String cluster, Optional<Instant> lastRead, Cancellation cancel) {
    Instant at = clock.instant();
    try {
      // The figures are the listing's, taken first: the read's start is the time they describe.
      BackupRepository.Listing listing = repository.scan(cluster, cancel);
      return new Series(cluster, Optional.of(at), Optional.of(Figures.of(listing)));
    } catch (CancelledException e) {
      throw e;
    } catch (EtcdBackupException e) {
      logFailure(cluster, lastRead, e, false);
      return new Series(cluster, lastRead, Optional.empty());
    } catch (RuntimeException e) {
      // Not ours (an SDK or runtime failure that escaped a provider): still one series' failure.
      logFailure(cluster, lastRead, e, true);
      return new Series(cluster, lastRead, Optional.empty());
    }
  }

  /** Removes the gauges {@code next} drops, swaps it in, then registers the ones it adds. */
  private void publish(Snapshot next) {
    Set<Key> wanted = new HashSet<>();
    for (Series s : next.series().values()) {
      for (Figure f : Figure.values()) {
        Key k = new Key(f, s.cluster());
        if (next.value(k).isPresent()) {
          wanted.add(k);
        }
      }
    }
    for (Key k : new ArrayList<>(gauges.keySet())) {
      if (!wanted.contains(k)) {
        registry.remove(gauges.remove(k));
      }
    }
    current = next;
    for (Key k : wanted) {
      gauges.computeIfAbsent(k, this::register);
    }
  }

  private Gauge register(Key k) {
    return Gauge.builder(k.figure().metric, () -> current.value(k).orElse(Double.NaN))
        .description(k.figure().help)
        .tags(MetricNames.CLUSTER, k.cluster(), MetricNames.STORE, storeKind)
        .strongReference(true)
        .register(registry);
  }

  // --- logs: state changes only (a series becoming readable or not), never every refresh ---

  private void logChange(Series previous, Series now) {
    if (!now.readable()) {
      return; // logged where it failed
    }
    Figures f = now.figures().orElseThrow();
    if (previous == null || !previous.readable()) {
      LOG.info("series readable cluster={} store={} backups={} newest={}", now.cluster(), repository.store().location(),
          f.backups(), f.newest().map(Manifest::id).orElse("none"));
    }
    int unreadableBefore = previous == null ? 0 : previous.figures().map(Figures::unreadable).orElse(0);
    if (f.unreadable() > 0 && f.unreadable() != unreadableBefore) {
      LOG.warn("unreadable manifests cluster={} store={} count={}: those backups cannot be restored, and prune "
          + "deletes nothing in the series until they are mended or removed", now.cluster(), repository.store().location(),
          f.unreadable());
    }
  }

  private void logFailure(String cluster, Optional<Instant> lastRead, RuntimeException e, boolean unexpected) {
    Series previous = current.series().get(cluster);
    if (previous != null && !previous.readable()) {
      LOG.debug("still cannot read cluster={} store={}: {}", cluster, repository.store().location(), e.toString());
      return;
    }
    String last = lastRead.map(Instant::toString).orElse("never");
    if (unexpected) {
      LOG.error("cannot read cluster={} store={} reason={} last_read={}: its figures are withdrawn until a read succeeds",
          cluster, repository.store().location(), Reason.of(e).label(), last, e);
    } else {
      LOG.warn("cannot read cluster={} store={} reason={} last_read={}: {}; its figures are withdrawn until a read succeeds",
          cluster, repository.store().location(), Reason.of(e).label(), last, e.getMessage());
    }
  }
}
