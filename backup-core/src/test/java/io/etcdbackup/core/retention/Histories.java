package io.etcdbackup.core.retention;

import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.Manifest;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Random series and policies for the planner's properties, each from a {@link SplittableRandom}:
 * the same seed gives the same history and the same policies. The histories hold what a real
 * store can: bursts of runs in one second (identical start times, often at the same revision),
 * revisions that gain a digit (99999, 100000), a writer whose clock ran backwards between two runs
 * (the later revision dated earlier), runs just before and after an hour, day, ISO week, month or
 * year begins, backups dated after now, failed checks, random stored sizes (zero too), and
 * completion times missing, before the start or long after it.
 */
final class Histories {
  private static final Instant EARLIEST_NOW = Instant.parse("2019-01-01T00:00:00Z");
  private static final long NOW_RANGE_SECONDS = Duration.ofDays(12 * 365).toSeconds();

  private Histories() {}

  /** A series, in the order a store listed it (its runs' order), and the moment it is planned at. */
  record History(List<Manifest> series, Instant now) {
    long totalSize() {
      return series.stream().mapToLong(Manifest::storedSize).sum();
    }

    /** One line a backup, for a failure message: enough to rebuild the case by hand. */
    @Override
    public String toString() {
      return "now " + now + ", " + series.size() + " backups (id started completed revision size checks):\n"
          + series.stream().map(m -> "  " + m.id() + " " + m.startedAt() + " " + m.completedAt() + " r" + m.revision()
              + " " + m.storedSize() + "B " + (RetentionPlanner.checksPassed(m) ? "ok" : "failed"))
              .collect(Collectors.joining("\n"));
    }
  }

  static History history(SplittableRandom r) {
    Instant now = now(r);
    int n = r.nextInt(8) == 0 ? r.nextInt(3) : 1 + r.nextInt(40);
    double failed = new double[] {0, 0, 0.1, 0.3, 1}[r.nextInt(5)];
    SizeMode sizes = SizeMode.values()[r.nextInt(SizeMode.values().length)];

    // Walk back from the last run: the newest is near now, sometimes after it (a clock ahead).
    Instant t = r.nextInt(5) == 0 ? now.plusMillis(1 + r.nextLong(Duration.ofHours(3).toMillis()))
        : now.minusMillis(r.nextLong(Duration.ofDays(3).toMillis()));
    // Revisions end just past a power of ten and step back by small amounts, so that most series
    // cross it (99998, 99999, 100000, 100001).
    long revision = pow10(2 + r.nextInt(8)) + r.nextInt(30);
    List<Manifest> runs = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < n; i++) {
      Manifest m = Backups.backup(id(r, t, revision, ids), t, completed(r, t), revision, sizes.size(r),
          r.nextDouble() >= failed);
      runs.add(0, m);
      t = previousStart(r, t);
      revision = Math.max(0, revision - revisionStep(r));
    }
    return new History(List.copyOf(runs), now);
  }

  /**
   * Any combination of rules (each in one policy of three), {@code --min-keep} 0 to 5,
   * {@code --prune-grace} 0 to 2h; the size cap only if asked for.
   */
  static RetentionPolicy policy(SplittableRandom r, History h, boolean sizeCap) {
    OptionalInt last = r.nextInt(3) == 0 ? OptionalInt.of(count(r)) : OptionalInt.empty();
    Optional<Duration> within = r.nextInt(3) == 0 ? Optional.of(within(r, h)) : Optional.empty();
    int[] tiers = new int[5];
    for (int i = 0; i < tiers.length; i++) {
      tiers[i] = r.nextInt(3) == 0 ? count(r) : 0;
    }
    OptionalLong size = sizeCap && r.nextInt(3) == 0 ? OptionalLong.of(cap(r, h)) : OptionalLong.empty();
    if (last.isEmpty() && within.isEmpty() && Arrays.stream(tiers).allMatch(n -> n == 0) && size.isEmpty()) {
      // A policy needs a rule: one more of either kind.
      if (sizeCap && r.nextBoolean()) {
        size = OptionalLong.of(cap(r, h));
      } else {
        last = OptionalInt.of(count(r));
      }
    }
    return new RetentionPolicy(last, within, tiers[0], tiers[1], tiers[2], tiers[3], tiers[4], size, r.nextInt(6),
        grace(r, h));
  }

  /** {@code p} with {@code --max-total-size}, a random one if it has none. */
  static RetentionPolicy withSizeCap(SplittableRandom r, History h, RetentionPolicy p) {
    if (p.maxTotalSize().isPresent()) {
      return p;
    }
    return new RetentionPolicy(p.keepLast(), p.keepWithin(), p.keepHourly(), p.keepDaily(), p.keepWeekly(),
        p.keepMonthly(), p.keepYearly(), OptionalLong.of(cap(r, h)), p.minKeep(), p.pruneGrace());
  }

  /** A keep rule of a random kind, alone, with {@code p}'s floor settings. */
  static RetentionPolicy oneKeepRule(SplittableRandom r, History h, RetentionPolicy p) {
    int[] tiers = new int[5];
    OptionalInt last = OptionalInt.empty();
    Optional<Duration> within = Optional.empty();
    int kind = r.nextInt(7);
    if (kind == 0) {
      last = OptionalInt.of(count(r));
    } else if (kind == 1) {
      within = Optional.of(within(r, h));
    } else {
      tiers[kind - 2] = count(r);
    }
    return new RetentionPolicy(last, within, tiers[0], tiers[1], tiers[2], tiers[3], tiers[4], OptionalLong.empty(),
        p.minKeep(), p.pruneGrace());
  }

  /**
   * The rules of both, each the wider of the two (more of the newest, a longer time, more
   * periods), with {@code p}'s floor and size settings: a policy that keeps what either keeps.
   */
  static RetentionPolicy union(RetentionPolicy p, RetentionPolicy q) {
    OptionalInt last = p.keepLast().isEmpty() ? q.keepLast() : q.keepLast().isEmpty() ? p.keepLast()
        : OptionalInt.of(Math.max(p.keepLast().getAsInt(), q.keepLast().getAsInt()));
    Optional<Duration> within = p.keepWithin().isEmpty() ? q.keepWithin() : q.keepWithin().isEmpty() ? p.keepWithin()
        : Optional.of(p.keepWithin().get().compareTo(q.keepWithin().get()) >= 0 ? p.keepWithin().get()
            : q.keepWithin().get());
    return new RetentionPolicy(last, within, Math.max(p.keepHourly(), q.keepHourly()),
        Math.max(p.keepDaily(), q.keepDaily()), Math.max(p.keepWeekly(), q.keepWeekly()),
        Math.max(p.keepMonthly(), q.keepMonthly()), Math.max(p.keepYearly(), q.keepYearly()), p.maxTotalSize(),
        p.minKeep(), p.pruneGrace());
  }

  private static Instant now(SplittableRandom r) {
    Instant now = EARLIEST_NOW.plusSeconds(r.nextLong(NOW_RANGE_SECONDS)).plusNanos(r.nextInt(1_000_000_000));
    // Now on the dot of an hour or a year now and then: the edges of within and grace.
    return switch (r.nextInt(8)) {
      case 0 -> now.truncatedTo(ChronoUnit.HOURS);
      case 1 -> OffsetDateTime.ofInstant(now, ZoneOffset.UTC).withDayOfYear(1).truncatedTo(ChronoUnit.DAYS).toInstant();
      default -> now;
    };
  }

  /** The start of the run before the one that started at {@code t}. */
  private static Instant previousStart(SplittableRandom r, Instant t) {
    int kind = r.nextInt(20);
    return switch (kind) {
      // A burst: two runs in the same instant (an idle cluster, two schedulers).
      case 0, 1 -> t;
      // Within one second.
      case 2 -> t.minusMillis(r.nextInt(1000));
      // The clock ran backwards: the earlier run is dated later.
      case 3 -> t.plusSeconds(1 + r.nextInt(7200));
      // Just before the hour, day, ISO week, month or year of t began.
      case 4 -> periodStart(r, t).minusMillis(r.nextInt(2000));
      case 5, 6, 7, 8 -> t.minusSeconds(r.nextInt(3 * 3600));
      case 9, 10, 11, 12, 13 -> t.minusSeconds(3600 * (1 + r.nextInt(30)));
      case 14, 15, 16, 17 -> t.minus(Duration.ofDays(1 + r.nextInt(20))).minusSeconds(r.nextInt(86_400));
      default -> t.minus(Duration.ofDays(20 + r.nextInt(400)));
    };
  }

  private static Instant periodStart(SplittableRandom r, Instant t) {
    OffsetDateTime utc = OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    return switch (r.nextInt(5)) {
      case 0 -> t.truncatedTo(ChronoUnit.HOURS);
      case 1 -> t.truncatedTo(ChronoUnit.DAYS);
      case 2 -> utc.truncatedTo(ChronoUnit.DAYS).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).toInstant();
      case 3 -> utc.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).toInstant();
      default -> utc.truncatedTo(ChronoUnit.DAYS).withDayOfYear(1).toInstant();
    };
  }

  private static Instant completed(SplittableRandom r, Instant started) {
    return switch (r.nextInt(12)) {
      case 0 -> null;
      // The writer's clock stepped back during the run.
      case 1 -> started.minusSeconds(r.nextInt(3600));
      case 2 -> started;
      // A long run that committed hours after it started.
      case 3 -> started.plusSeconds(3600 + r.nextInt(4 * 3600));
      default -> started.plusMillis(r.nextInt(600_000));
    };
  }

  private static long revisionStep(SplittableRandom r) {
    return switch (r.nextInt(6)) {
      case 0, 1 -> 0;
      case 2, 3, 4 -> 1 + r.nextInt(3);
      default -> r.nextInt(5000);
    };
  }

  /** An id of the real form, unique in the series (two runs of one second and revision differ in the random part). */
  private static String id(SplittableRandom r, Instant t, long revision, Set<String> taken) {
    String id;
    do {
      id = new BackupId(t, revision, String.format("%04x", r.nextInt(0x10000))).toString();
    } while (!taken.add(id));
    return id;
  }

  private enum SizeMode {
    UNIFORM, EQUAL, WITH_ZEROS, HEAVY_TAILED;

    long size(SplittableRandom r) {
      return switch (this) {
        case UNIFORM -> r.nextLong(1001);
        case EQUAL -> 100;
        case WITH_ZEROS -> r.nextBoolean() ? 0 : r.nextLong(300);
        case HEAVY_TAILED -> r.nextInt(10) == 0 ? 10_000 + r.nextLong(90_000) : 1 + r.nextLong(200);
      };
    }
  }

  /** 1 to 5 mostly; now and then a count at its limit. */
  private static int count(SplittableRandom r) {
    return r.nextInt(25) == 0 ? Integer.MAX_VALUE : 1 + r.nextInt(5);
  }

  /**
   * A second to 60 days; now and then longer than time itself, or exactly the age of a backup
   * (the edge: "at or after now - D" is within).
   */
  private static Duration within(SplittableRandom r, History h) {
    Duration age = age(r, h);
    return switch (r.nextInt(25)) {
      case 0 -> ChronoUnit.FOREVER.getDuration();
      case 1 -> Duration.ofHours(1 + r.nextInt(72));
      case 2, 3, 4, 5 -> age.isNegative() || age.isZero() ? Duration.ofHours(1) : age;
      default -> Duration.ofSeconds(1 + r.nextLong(Duration.ofDays(60).toSeconds()));
    };
  }

  /** 0 to 2h; now and then exactly the age of a backup (the edge: as old as the grace is not younger). */
  private static Duration grace(SplittableRandom r, History h) {
    Duration age = age(r, h);
    return switch (r.nextInt(5)) {
      case 0 -> Duration.ZERO;
      case 1 -> RetentionPolicy.DEFAULT_PRUNE_GRACE;
      case 2 -> age.isNegative() || age.compareTo(Duration.ofHours(2)) > 0 ? Duration.ZERO : age;
      default -> Duration.ofMillis(r.nextLong(Duration.ofHours(2).toMillis() + 1));
    };
  }

  /** How long before now one of the backups started or completed (negative: dated after now). */
  private static Duration age(SplittableRandom r, History h) {
    if (h.series().isEmpty()) {
      return Duration.ZERO;
    }
    Manifest m = h.series().get(r.nextInt(h.series().size()));
    Instant t = m.completedAt() != null && r.nextBoolean() ? m.completedAt() : m.startedAt();
    return Duration.between(t, h.now());
  }

  /** From a byte to a little more than the whole series holds. */
  private static long cap(SplittableRandom r, History h) {
    return 1 + r.nextLong(h.totalSize() + h.totalSize() / 5 + 1);
  }

  private static long pow10(int k) {
    long p = 1;
    for (int i = 0; i < k; i++) {
      p *= 10;
    }
    return p;
  }
}
