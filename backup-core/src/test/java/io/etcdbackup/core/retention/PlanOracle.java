package io.etcdbackup.core.retention;

import io.etcdbackup.core.store.Manifest;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The plan {@link RetentionPlanner}'s Javadoc describes, worked out again by other means, for the
 * properties to hold the planner to: its own order, tiers from a map of periods (ISO weeks by
 * their Monday, not by {@code IsoFields}), ages as durations rather than {@code now - D}, the cap
 * as "the longest newest run that fits". Nothing here calls the planner.
 */
final class PlanOracle {
  /** Start time, then revision, then id: newest first. */
  static final Comparator<Manifest> NEWEST_FIRST = Comparator.comparing(Manifest::startedAt, Comparator.reverseOrder())
      .thenComparing(Manifest::revision, Comparator.reverseOrder())
      .thenComparing(Manifest::id, Comparator.reverseOrder());

  static final List<Rule> TIERS = List.of(Rule.HOURLY, Rule.DAILY, Rule.WEEKLY, Rule.MONTHLY, Rule.YEARLY);

  private PlanOracle() {}

  static List<Manifest> newestFirst(List<Manifest> series) {
    List<Manifest> out = new ArrayList<>(series);
    out.sort(NEWEST_FIRST);
    return out;
  }

  /** Trailer, bbolt and status all "ok". */
  static boolean passed(Manifest m) {
    Manifest.Verification v = m.verification();
    return v != null && List.of(v.trailer(), v.bbolt(), v.status()).stream().allMatch("ok"::equals);
  }

  /** Younger than {@code grace} by its start or its completion (a negative age: dated after now). */
  static boolean young(Manifest m, Duration grace, Instant now) {
    boolean started = Duration.between(m.startedAt(), now).compareTo(grace) < 0;
    boolean completed = m.completedAt() != null && Duration.between(m.completedAt(), now).compareTo(grace) < 0;
    return started || completed;
  }

  /** The floor rules of each backup, by id (an empty set: not in the floor). */
  static Map<String, EnumSet<Rule>> floor(List<Manifest> series, RetentionPolicy p, Instant now) {
    List<Manifest> sorted = newestFirst(series);
    Map<String, EnumSet<Rule>> out = emptyRules(sorted);
    if (sorted.isEmpty()) {
      return out;
    }
    out.get(sorted.get(0).id()).add(Rule.NEWEST);
    sorted.stream().filter(PlanOracle::passed).limit(p.minKeep()).forEach(m -> out.get(m.id()).add(Rule.MIN_KEEP));
    sorted.stream().filter(m -> young(m, p.pruneGrace(), now)).forEach(m -> out.get(m.id()).add(Rule.GRACE));
    return out;
  }

  /** The ids a tier keeps: the newest of each of the last {@code n} periods that hold a backup. */
  static Set<String> tier(List<Manifest> series, Rule tier, int n) {
    return switch (tier) {
      case HOURLY -> newestOfLastPeriods(series, n, t -> t.truncatedTo(ChronoUnit.HOURS));
      case DAILY -> newestOfLastPeriods(series, n, PlanOracle::utcDate);
      case WEEKLY -> newestOfLastPeriods(series, n,
          t -> utcDate(t).with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)));
      case MONTHLY -> newestOfLastPeriods(series, n, t -> YearMonth.from(utcDate(t)));
      case YEARLY -> newestOfLastPeriods(series, n, t -> Year.from(utcDate(t)));
      default -> throw new IllegalArgumentException("not a tier: " + tier);
    };
  }

  /** The count the policy gives a tier; 0: not set. */
  static int tierCount(RetentionPolicy p, Rule tier) {
    return switch (tier) {
      case HOURLY -> p.keepHourly();
      case DAILY -> p.keepDaily();
      case WEEKLY -> p.keepWeekly();
      case MONTHLY -> p.keepMonthly();
      case YEARLY -> p.keepYearly();
      default -> throw new IllegalArgumentException("not a tier: " + tier);
    };
  }

  /** The keep rules of each backup, by id, each worked out on the whole series. */
  static Map<String, EnumSet<Rule>> keepRules(List<Manifest> series, RetentionPolicy p, Instant now) {
    List<Manifest> sorted = newestFirst(series);
    Map<String, EnumSet<Rule>> out = emptyRules(sorted);
    p.keepLast().ifPresent(n -> sorted.stream().limit(n).forEach(m -> out.get(m.id()).add(Rule.LAST)));
    p.keepWithin().ifPresent(d -> sorted.stream().filter(m -> Duration.between(m.startedAt(), now).compareTo(d) <= 0)
        .forEach(m -> out.get(m.id()).add(Rule.WITHIN)));
    for (Rule t : TIERS) {
      tier(sorted, t, tierCount(p, t)).forEach(id -> out.get(id).add(t));
    }
    return out;
  }

  /** No keep rule at all: the size is the only rule, and every backup is its candidate. */
  static boolean sizeOnly(RetentionPolicy p) {
    return p.keepLast().isEmpty() && p.keepWithin().isEmpty()
        && TIERS.stream().allMatch(t -> tierCount(p, t) == 0);
  }

  /** The whole plan, newest first. */
  static List<RetentionPlan.Entry> plan(List<Manifest> series, RetentionPolicy p, Instant now) {
    List<Manifest> sorted = newestFirst(series);
    Map<String, EnumSet<Rule>> floor = floor(sorted, p, now);
    Map<String, EnumSet<Rule>> keep = keepRules(sorted, p, now);
    Set<String> fitting = p.maxTotalSize().isPresent() ? fitting(sorted, p, floor, keep) : Set.of();

    List<RetentionPlan.Entry> out = new ArrayList<>();
    for (Manifest m : sorted) {
      EnumSet<Rule> rules = EnumSet.noneOf(Rule.class);
      rules.addAll(floor.get(m.id()));
      rules.addAll(keep.get(m.id()));
      boolean keepIt;
      if (!floor.get(m.id()).isEmpty()) {
        keepIt = true;
      } else if (p.maxTotalSize().isEmpty()) {
        keepIt = !rules.isEmpty();
      } else {
        keepIt = fitting.contains(m.id());
        if (keepIt && sizeOnly(p)) {
          rules.add(Rule.SIZE);
        }
      }
      out.add(new RetentionPlan.Entry(m, keepIt ? RetentionPlan.Decision.KEEP : RetentionPlan.Decision.DELETE, rules));
    }
    return out;
  }

  /** The candidates the cap leaves: the longest newest run of them whose bytes, with the floor's, fit. */
  static Set<String> fitting(List<Manifest> sorted, RetentionPolicy p, Map<String, EnumSet<Rule>> floor,
      Map<String, EnumSet<Rule>> keep) {
    long cap = p.maxTotalSize().getAsLong();
    long total = sorted.stream().filter(m -> !floor.get(m.id()).isEmpty()).mapToLong(Manifest::storedSize).sum();
    Set<String> out = new LinkedHashSet<>();
    for (Manifest m : candidates(sorted, p, floor, keep)) {
      total += m.storedSize();
      if (total > cap) {
        break;
      }
      out.add(m.id());
    }
    return out;
  }

  /** What the cap weighs, newest first: not the floor, and kept by a keep rule (any backup, if there is no keep rule). */
  static List<Manifest> candidates(List<Manifest> sorted, RetentionPolicy p, Map<String, EnumSet<Rule>> floor,
      Map<String, EnumSet<Rule>> keep) {
    return sorted.stream().filter(m -> floor.get(m.id()).isEmpty())
        .filter(m -> sizeOnly(p) || !keep.get(m.id()).isEmpty()).toList();
  }

  private static <K extends Comparable<? super K>> Set<String> newestOfLastPeriods(List<Manifest> series, int n,
      Function<Instant, K> period) {
    TreeMap<K, Manifest> newest = new TreeMap<>(Comparator.reverseOrder());
    for (Manifest m : series) {
      newest.merge(period.apply(m.startedAt()), m, (a, b) -> NEWEST_FIRST.compare(a, b) <= 0 ? a : b);
    }
    Set<String> out = new LinkedHashSet<>();
    newest.values().stream().limit(n).forEach(m -> out.add(m.id()));
    return out;
  }

  private static LocalDate utcDate(Instant t) {
    return t.atOffset(ZoneOffset.UTC).toLocalDate();
  }

  private static Map<String, EnumSet<Rule>> emptyRules(List<Manifest> series) {
    Map<String, EnumSet<Rule>> out = new HashMap<>();
    series.forEach(m -> out.put(m.id(), EnumSet.noneOf(Rule.class)));
    return out;
  }
}
