package io.etcdbackup.core.retention;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.Manifest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * Decides which backups of one series a {@link RetentionPolicy} keeps. Pure: no I/O, no clock of
 * its own (the caller passes {@code now}), and deterministic: the same backups give the same plan
 * in whatever order they are listed.
 *
 * <p><b>Order.</b> Newest first by {@link BackupRepository#NEWEST_FIRST}: start time, then
 * revision, then id only to break a tie of both. Nothing is ordered by a key or id string, so a
 * revision that gains a digit (99999, 100000) reorders nothing; a writer whose clock ran backwards
 * makes a higher revision older, as the manifest says.
 *
 * <p><b>Keep rules</b>, combined: a backup is kept when any of them keeps it, and each rule is
 * worked out on the whole series, independently of the others.
 * <ul>
 *   <li>{@code --keep-last N}: the newest N.</li>
 *   <li>{@code --keep-within D}: every backup that started at or after {@code now - D} (a backup
 *       dated after now is within too).</li>
 *   <li>{@code --keep-hourly/-daily/-weekly/-monthly/-yearly N}, in the spirit of restic's
 *       {@code forget}: the newest backup of each of the last N periods that have a backup; a
 *       period without one is skipped, not counted. Periods are UTC hours, days, ISO weeks
 *       ({@link IsoFields#WEEK_BASED_YEAR} and {@link IsoFields#WEEK_OF_WEEK_BASED_YEAR}: the
 *       week of 2021-01-03 is week 53 of 2020), months and years of the start time.</li>
 * </ul>
 *
 * <p><b>{@code --max-total-size}</b> is a cap on the stored bytes of what is kept, applied after the
 * keep rules and beaten only by the floor. Its candidates are the backups some keep rule keeps, or
 * every backup when the size is the only rule given (then it means "the newest that fit", and
 * names them {@link Rule#SIZE}). The floor's bytes count first; then the oldest candidates are
 * deleted until the rest fits, which leaves the longest run of newest candidates that fits: once
 * one candidate does not fit, every older one goes too, however small (the oldest go first, as
 * the flag says, and an old small backup never outlives a newer one it displaced). A backup the
 * cap deletes keeps its keep rules in its entry ({@link RetentionPlan.Entry#overruledBySize()}).
 * When the floor alone is bigger than the cap, the floor wins and the plan says so. Being a cap,
 * it is the one setting for which more rules can mean more deletions.
 *
 * <p><b>The floor</b> beats every rule and the cap:
 * <ul>
 *   <li>{@link Rule#MIN_KEEP}: the newest {@code --min-keep} backups whose checks passed
 *       (verification trailer, bbolt and status all {@code "ok"}). Fewer such backups than asked:
 *       it keeps those there are, and the plan says so.</li>
 *   <li>{@link Rule#NEWEST}: the newest backup of the series, whatever its checks say.</li>
 *   <li>{@link Rule#GRACE}: a backup younger than {@code --prune-grace}: its start <em>or</em>
 *       completion time is after {@code now - grace}. The completion time counts as well because
 *       the grace protects what was just committed, and a long run that started well before the
 *       grace may have committed a minute ago. A backup dated after now (a writer whose clock
 *       runs ahead of this one) is younger than any grace, zero included, and the plan notes it.
 *       Such a backup also takes its place in the order and its periods, as its manifest says.</li>
 * </ul>
 * A policy that keeps nothing beyond the floor still gives a plan; {@link
 * RetentionPlan#onlyFloorKept()} and a note say so.
 */
public final class RetentionPlanner {

  private RetentionPlanner() {}

  /**
   * The plan for {@code series} (the backups of one cluster name, in any order) under
   * {@code policy} at {@code now}.
   *
   * @throws InvalidInputException if the policy has no rule (an empty policy would delete all but
   *     the floor)
   * @throws IllegalArgumentException if the backups are not one series (two cluster names, an id
   *     twice, a manifest without a start time or with a negative size)
   */
  public static RetentionPlan plan(List<Manifest> series, RetentionPolicy policy, Instant now) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(now, "now");
    if (policy.isEmpty()) {
      throw new InvalidInputException("no retention rule given: name at least one of " + RetentionPolicy.RULE_FLAGS);
    }
    List<Manifest> backups = newestFirst(series);
    List<EnumSet<Rule>> rules = new ArrayList<>();
    backups.forEach(b -> rules.add(EnumSet.noneOf(Rule.class)));
    List<String> notes = new ArrayList<>();

    floor(backups, policy, now, rules, notes);
    keepRules(backups, policy, now, rules);
    boolean[] overSize = sizeCap(backups, policy, rules, notes);

    List<RetentionPlan.Entry> entries = new ArrayList<>();
    for (int i = 0; i < backups.size(); i++) {
      boolean keep = !overSize[i] && !rules.get(i).isEmpty();
      entries.add(new RetentionPlan.Entry(backups.get(i), keep ? RetentionPlan.Decision.KEEP
          : RetentionPlan.Decision.DELETE, rules.get(i)));
    }
    RetentionPlan plan = new RetentionPlan(entries, notes);
    if (plan.onlyFloorKept()) {
      notes.add("the policy keeps nothing beyond the floor: " + plan.keepCount() + " kept (min-keep, newest, grace), "
          + plan.deleteCount() + " deleted");
      plan = new RetentionPlan(entries, notes);
    }
    return plan;
  }

  /** The checks recorded in the manifest all passed: a backup the floor may count for min-keep. */
  static boolean checksPassed(Manifest m) {
    Manifest.Verification v = m.verification();
    return v != null && "ok".equals(v.trailer()) && "ok".equals(v.bbolt()) && "ok".equals(v.status());
  }

  private static List<Manifest> newestFirst(List<Manifest> series) {
    Objects.requireNonNull(series, "series");
    Set<String> ids = new HashSet<>();
    String cluster = null;
    for (Manifest m : series) {
      Objects.requireNonNull(m, "a backup of the series is null");
      if (cluster == null) {
        cluster = m.clusterName();
      } else if (!cluster.equals(m.clusterName())) {
        throw new IllegalArgumentException("one series at a time: " + m.id() + " belongs to " + m.clusterName()
            + ", not " + cluster);
      }
      if (!ids.add(m.id())) {
        throw new IllegalArgumentException("backup " + m.id() + " of " + cluster + " is listed twice");
      }
      if (m.startedAt() == null) {
        throw new IllegalArgumentException("backup " + m.id() + " of " + cluster + " has no start time");
      }
      if (m.storedSize() < 0) {
        throw new IllegalArgumentException("backup " + m.id() + " of " + cluster + " has a negative size ("
            + m.storedSize() + ")");
      }
    }
    List<Manifest> out = new ArrayList<>(series);
    out.sort(BackupRepository.NEWEST_FIRST);
    return out;
  }

  private static void floor(List<Manifest> backups, RetentionPolicy policy, Instant now, List<EnumSet<Rule>> rules,
      List<String> notes) {
    if (backups.isEmpty()) {
      return;
    }
    // NEWEST: the last one of a series is never deleted, whatever its checks say.
    rules.get(0).add(Rule.NEWEST);

    // MIN_KEEP: the newest --min-keep backups whose checks passed.
    int passed = 0;
    for (int i = 0; i < backups.size(); i++) {
      if (checksPassed(backups.get(i))) {
        if (passed < policy.minKeep()) {
          rules.get(i).add(Rule.MIN_KEEP);
        }
        passed++;
      }
    }
    // A series shorter than --min-keep is no news; backups that failed their checks are.
    if (passed < policy.minKeep() && passed < backups.size()) {
      notes.add("only " + passed + " of " + backups.size() + " backups passed their checks, fewer than --min-keep ("
          + policy.minKeep() + ")");
    }

    // GRACE: younger than --prune-grace by its start or completion time; a date after now is
    // younger than any grace (a writer whose clock runs ahead).
    Instant graceStart = before(now, policy.pruneGrace());
    int ahead = 0;
    for (int i = 0; i < backups.size(); i++) {
      Instant youngest = youngest(backups.get(i));
      if (youngest.isAfter(graceStart)) {
        rules.get(i).add(Rule.GRACE);
      }
      if (youngest.isAfter(now)) {
        ahead++;
      }
    }
    if (ahead > 0) {
      notes.add(ahead + (ahead == 1 ? " backup is" : " backups are") + " dated after now (" + now
          + "): a writer's clock runs ahead; the grace keeps " + (ahead == 1 ? "it" : "them"));
    }
  }

  /**
   * {@code now - d}, or {@link Instant#MIN} when {@code d} reaches back further than that: the
   * policy takes any positive duration, and one longer than time itself is no error, it covers
   * every backup ({@code Instant.minus} would throw).
   */
  private static Instant before(Instant now, Duration d) {
    return d.compareTo(Duration.between(Instant.MIN, now)) >= 0 ? Instant.MIN : now.minus(d);
  }

  private static Instant youngest(Manifest m) {
    Instant completed = m.completedAt();
    return completed != null && completed.isAfter(m.startedAt()) ? completed : m.startedAt();
  }

  private static void keepRules(List<Manifest> backups, RetentionPolicy policy, Instant now,
      List<EnumSet<Rule>> rules) {
    // LAST: the newest N.
    int last = Math.min(policy.keepLast().orElse(0), backups.size());
    for (int i = 0; i < last; i++) {
      rules.get(i).add(Rule.LAST);
    }

    // WITHIN: started at or after now - D.
    policy.keepWithin().ifPresent(d -> {
      Instant from = before(now, d);
      for (int i = 0; i < backups.size(); i++) {
        if (!backups.get(i).startedAt().isBefore(from)) {
          rules.get(i).add(Rule.WITHIN);
        }
      }
    });

    // Tiers: walking newest first, the first backup of a period is the newest of that period,
    // because a period's number never decreases with time. Periods without a backup never appear,
    // so they are not counted.
    for (Tier tier : Tier.values()) {
      int wanted = tier.count.applyAsInt(policy);
      long current = 0;
      int kept = 0;
      for (int i = 0; i < backups.size() && kept < wanted; i++) {
        long period = tier.period.applyAsLong(backups.get(i).startedAt());
        if (kept == 0 || period != current) {
          rules.get(i).add(tier.rule);
          current = period;
          kept++;
        }
      }
    }
  }

  /** Marks the candidates the {@code --max-total-size} cap deletes; see the class comment. */
  private static boolean[] sizeCap(List<Manifest> backups, RetentionPolicy policy, List<EnumSet<Rule>> rules,
      List<String> notes) {
    boolean[] overSize = new boolean[backups.size()];
    if (policy.maxTotalSize().isEmpty()) {
      return overSize;
    }
    long cap = policy.maxTotalSize().getAsLong();
    boolean sizeOnly = !policy.hasKeepRule();
    long floorBytes = 0;
    for (int i = 0; i < backups.size(); i++) {
      if (isFloor(rules.get(i))) {
        floorBytes += backups.get(i).storedSize();
      }
    }
    long room = cap - floorBytes;
    long used = 0;
    boolean full = false;
    int overruled = 0;
    for (int i = 0; i < backups.size(); i++) {
      EnumSet<Rule> r = rules.get(i);
      if (isFloor(r) || (!sizeOnly && r.isEmpty())) {
        continue;
      }
      long size = backups.get(i).storedSize();
      // Deleting the oldest until the rest fits keeps the longest newest run that fits: once one
      // does not fit, the older ones go too.
      if (!full && size <= room - used) {
        used += size;
        if (sizeOnly) {
          r.add(Rule.SIZE);
        }
      } else {
        full = true;
        overSize[i] = true;
        if (!r.isEmpty()) {
          overruled++;
        }
      }
    }
    if (floorBytes > cap) {
      notes.add("the floor alone holds " + floorBytes + " bytes, more than --max-total-size (" + cap
          + "): the floor wins");
    }
    if (overruled > 0) {
      notes.add("--max-total-size (" + cap + ") deletes " + overruled + " of the oldest backups that keep rules keep");
    }
    return overSize;
  }

  private static boolean isFloor(Set<Rule> rules) {
    return rules.stream().anyMatch(Rule::isFloor);
  }

  /** The calendar tiers: a period number that never decreases with time, per UTC period. */
  private enum Tier {
    HOURLY(Rule.HOURLY, RetentionPolicy::keepHourly, t -> Math.floorDiv(t.getEpochSecond(), 3600)),
    DAILY(Rule.DAILY, RetentionPolicy::keepDaily, t -> utc(t).toEpochDay()),
    WEEKLY(Rule.WEEKLY, RetentionPolicy::keepWeekly,
        t -> utc(t).get(IsoFields.WEEK_BASED_YEAR) * 100L + utc(t).get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
    MONTHLY(Rule.MONTHLY, RetentionPolicy::keepMonthly, t -> utc(t).getYear() * 12L + utc(t).getMonthValue() - 1),
    YEARLY(Rule.YEARLY, RetentionPolicy::keepYearly, t -> utc(t).getYear());

    final Rule rule;
    final ToIntFunction<RetentionPolicy> count;
    final ToLongFunction<Instant> period;

    Tier(Rule rule, ToIntFunction<RetentionPolicy> count, ToLongFunction<Instant> period) {
      this.rule = rule;
      this.count = count;
      this.period = period;
    }

    private static LocalDate utc(Instant t) {
      return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }
  }
}
