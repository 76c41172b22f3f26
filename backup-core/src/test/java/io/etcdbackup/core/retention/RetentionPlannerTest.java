package io.etcdbackup.core.retention;

import static io.etcdbackup.core.retention.Backups.backup;
import static io.etcdbackup.core.retention.Backups.series;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.Manifest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Worked examples, one rule at a time, then the floor, the size cap and the order. Each plan is
 * shown as lines {@code <id> keep|delete <rules>}, newest first; the ids are the start times.
 * Unless an example is about the floor, it sets {@code --min-keep 0 --prune-grace 0s}, so that the
 * only floor left is the newest backup of the series.
 */
class RetentionPlannerTest {
  private static final Instant NOW = Instant.parse("2026-03-20T12:00:00Z");

  /** A policy whose only floor is the newest backup. */
  private static RetentionPolicy.Builder bare() {
    return RetentionPolicy.builder().minKeep(0).pruneGrace(Duration.ZERO);
  }

  private static List<String> lines(RetentionPlan plan) {
    return plan.entries().stream().map(e -> e.manifest().id() + " " + e.decision().name().toLowerCase()
        + (e.rules().isEmpty() ? "" : " " + e.rules().stream().map(Rule::label).collect(Collectors.joining(","))))
        .toList();
  }

  private static List<String> plan(List<Manifest> series, RetentionPolicy.Builder policy) {
    return lines(RetentionPlanner.plan(series, policy.build(), NOW));
  }

  // Keep rules, one at a time, then together.

  @Test
  void keepLastKeepsTheNewestN() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z",
        "2026-03-04T00:00:00Z");

    assertThat(plan(s, bare().keepLast(2))).containsExactly(
        "2026-03-04T00:00:00Z keep last,newest",
        "2026-03-03T00:00:00Z keep last",
        "2026-03-02T00:00:00Z delete",
        "2026-03-01T00:00:00Z delete");
  }

  @Test
  void keepLastLargerThanTheSeriesKeepsAll() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");

    assertThat(plan(s, bare().keepLast(5))).containsExactly(
        "2026-03-02T00:00:00Z keep last,newest",
        "2026-03-01T00:00:00Z keep last");
  }

  /** now is 2026-03-20T12:00Z: 72h before is 2026-03-17T12:00Z, itself within. */
  @Test
  void keepWithinKeepsWhatStartedAtOrAfterNowMinusTheDuration() {
    List<Manifest> s = series("2026-03-17T11:59:59Z", "2026-03-17T12:00:00Z", "2026-03-19T00:00:00Z",
        "2026-03-20T11:00:00Z");

    assertThat(plan(s, bare().keepWithin(Duration.ofHours(72)))).containsExactly(
        "2026-03-20T11:00:00Z keep within,newest",
        "2026-03-19T00:00:00Z keep within",
        "2026-03-17T12:00:00Z keep within",
        "2026-03-17T11:59:59Z delete");
  }

  /**
   * The newest of each of the last three UTC days that have a backup: the 15th, 12th and 10th.
   * The 11th has none and is not counted, so the 9th is the fourth day and goes.
   */
  @Test
  void keepDailyKeepsTheNewestOfEachOfTheLastNDaysThatHaveABackup() {
    List<Manifest> s = series("2026-03-09T23:59:59Z", "2026-03-10T08:00:00Z", "2026-03-10T20:00:00Z",
        "2026-03-12T00:00:00Z", "2026-03-15T06:00:00Z", "2026-03-15T06:00:30Z");

    assertThat(plan(s, bare().keepDaily(3))).containsExactly(
        "2026-03-15T06:00:30Z keep daily,newest",
        "2026-03-15T06:00:00Z delete",
        "2026-03-12T00:00:00Z keep daily",
        "2026-03-10T20:00:00Z keep daily",
        "2026-03-10T08:00:00Z delete",
        "2026-03-09T23:59:59Z delete");
  }

  /** Days are UTC days: 23:30 in New York on the 10th is 04:30 UTC on the 11th. */
  @Test
  void daysAreUtcDays() {
    List<Manifest> s = series("2026-03-10T22:00:00Z", "2026-03-10T23:30:00-05:00", "2026-03-11T05:00:00Z");

    assertThat(plan(s, bare().keepDaily(2))).containsExactly(
        "2026-03-11T05:00:00Z keep daily,newest",
        "2026-03-10T23:30:00-05:00 delete",
        "2026-03-10T22:00:00Z keep daily");
  }

  /** A burst within one second: the later of the two is the newest of its hour. */
  @Test
  void keepHourlyKeepsTheNewestOfEachHour() {
    List<Manifest> s = series("2026-03-20T09:59:59Z", "2026-03-20T10:00:00Z", "2026-03-20T10:59:59.100Z",
        "2026-03-20T10:59:59.900Z", "2026-03-20T11:00:00Z");

    assertThat(plan(s, bare().keepHourly(2))).containsExactly(
        "2026-03-20T11:00:00Z keep hourly,newest",
        "2026-03-20T10:59:59.900Z keep hourly",
        "2026-03-20T10:59:59.100Z delete",
        "2026-03-20T10:00:00Z delete",
        "2026-03-20T09:59:59Z delete");
  }

  /**
   * ISO weeks start on Monday and belong to the year that holds their Thursday: Monday
   * 2020-12-28 to Sunday 2021-01-03 is week 53 of 2020, Monday 2021-01-04 begins week 1 of 2021.
   */
  @Test
  void keepWeeklyUsesIsoWeeksAcrossTheYearBoundary() {
    List<Manifest> s = series("2020-12-28T00:00:00Z", "2021-01-03T23:59:59Z", "2021-01-04T00:00:00Z",
        "2021-01-10T12:00:00Z", "2021-01-11T00:00:00Z");

    assertThat(plan(s, bare().keepWeekly(3))).containsExactly(
        "2021-01-11T00:00:00Z keep weekly,newest",
        "2021-01-10T12:00:00Z keep weekly",
        "2021-01-04T00:00:00Z delete",
        "2021-01-03T23:59:59Z keep weekly",
        "2020-12-28T00:00:00Z delete");
  }

  @Test
  void keepMonthlyKeepsTheNewestOfEachMonthThatHasABackup() {
    List<Manifest> s = series("2025-11-15T00:00:00Z", "2026-01-31T23:59:59Z", "2026-02-01T00:00:00Z",
        "2026-02-28T23:00:00Z", "2026-03-01T00:00:00Z");

    assertThat(plan(s, bare().keepMonthly(3))).containsExactly(
        "2026-03-01T00:00:00Z keep monthly,newest",
        "2026-02-28T23:00:00Z keep monthly",
        "2026-02-01T00:00:00Z delete",
        "2026-01-31T23:59:59Z keep monthly",
        "2025-11-15T00:00:00Z delete");
  }

  /** 2025 has no backup: the two years kept are 2026 and 2024. */
  @Test
  void keepYearlySkipsYearsWithoutABackup() {
    List<Manifest> s = series("2023-12-31T23:59:59Z", "2024-06-01T00:00:00Z", "2024-12-31T23:00:00Z",
        "2026-01-01T00:00:00Z");

    assertThat(plan(s, bare().keepYearly(2))).containsExactly(
        "2026-01-01T00:00:00Z keep yearly,newest",
        "2024-12-31T23:00:00Z keep yearly",
        "2024-06-01T00:00:00Z delete",
        "2023-12-31T23:59:59Z delete");
  }

  /** Rules combine as a union, and every rule that keeps a backup is named. */
  @Test
  void aBackupIsKeptWhenAnyRuleKeepsItAndListsThemAll() {
    List<Manifest> s = series("2026-01-20T10:00:00Z", "2026-02-20T10:00:00Z", "2026-03-18T10:00:00Z",
        "2026-03-19T10:00:00Z", "2026-03-19T11:00:00Z", "2026-03-20T10:00:00Z");

    RetentionPolicy.Builder p = bare().keepLast(2).keepDaily(2).keepMonthly(3).keepWithin(Duration.ofDays(2));

    assertThat(plan(s, p)).containsExactly(
        "2026-03-20T10:00:00Z keep last,within,daily,monthly,newest",
        "2026-03-19T11:00:00Z keep last,within,daily",
        "2026-03-19T10:00:00Z keep within",
        "2026-03-18T10:00:00Z delete",
        "2026-02-20T10:00:00Z keep monthly",
        "2026-01-20T10:00:00Z keep monthly");
  }

  /**
   * A count at its limit is a count like another: as a sum, 2147483647 + 1 overflowed, the policy
   * read as having no keep rule, and beside --max-total-size the cap took every backup as a
   * candidate, so the 10:00 backup, which no tier keeps, was kept "by size".
   */
  @Test
  void aTierCountAtItsLimitIsStillAKeepRule() {
    List<Manifest> s = series("2026-03-19T10:00:00Z", "2026-03-19T10:30:00Z", "2026-03-20T10:00:00Z");

    assertThat(plan(s, bare().keepHourly(Integer.MAX_VALUE).keepDaily(1))).containsExactly(
        "2026-03-20T10:00:00Z keep hourly,daily,newest",
        "2026-03-19T10:30:00Z keep hourly",
        "2026-03-19T10:00:00Z delete");
    assertThat(plan(s, bare().keepHourly(Integer.MAX_VALUE).keepDaily(1).maxTotalSize(10_000L))).containsExactly(
        "2026-03-20T10:00:00Z keep hourly,daily,newest",
        "2026-03-19T10:30:00Z keep hourly",
        "2026-03-19T10:00:00Z delete");
  }

  /**
   * A duration that reaches back before the first instant Java can hold is still a duration:
   * --keep-within keeps every backup and --prune-grace holds every backup, rather than the plan
   * failing on {@code now - D}.
   */
  @Test
  void durationsLongerThanTimeItselfKeepEverything() {
    List<Manifest> s = series("1970-01-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-03-20T10:00:00Z");
    Duration forever = ChronoUnit.FOREVER.getDuration();

    assertThat(plan(s, bare().keepWithin(forever))).containsExactly(
        "2026-03-20T10:00:00Z keep within,newest",
        "2026-03-01T00:00:00Z keep within",
        "1970-01-01T00:00:00Z keep within");
    assertThat(plan(s, RetentionPolicy.builder().keepLast(1).minKeep(0).pruneGrace(forever))).containsExactly(
        "2026-03-20T10:00:00Z keep last,newest,grace",
        "2026-03-01T00:00:00Z keep grace",
        "1970-01-01T00:00:00Z keep grace");
  }

  // The floor: min-keep, newest, grace.

  /** The newest backup failed its checks: it stays (newest) but min-keep counts the next three. */
  @Test
  void minKeepHoldsTheNewestBackupsWhoseChecksPassed() {
    List<Manifest> s = new ArrayList<>(series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z",
        "2026-03-04T00:00:00Z", "2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z"));
    s.set(5, Backups.failed(s.get(5)));
    s.set(3, Backups.failed(s.get(3)));

    assertThat(plan(s, RetentionPolicy.builder().keepLast(1).pruneGrace(Duration.ZERO))).containsExactly(
        "2026-03-06T00:00:00Z keep last,newest",
        "2026-03-05T00:00:00Z keep min-keep",
        "2026-03-04T00:00:00Z delete",
        "2026-03-03T00:00:00Z keep min-keep",
        "2026-03-02T00:00:00Z keep min-keep",
        "2026-03-01T00:00:00Z delete");
  }

  @Test
  void theNewestStaysWhateverItsChecksSay() {
    List<Manifest> s = new ArrayList<>(series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"));
    s.set(1, Backups.failed(s.get(1)));

    assertThat(plan(s, bare().keepWithin(Duration.ofMinutes(1)))).containsExactly(
        "2026-03-02T00:00:00Z keep newest",
        "2026-03-01T00:00:00Z delete");
  }

  /**
   * now is 12:00, grace 1h: 11:00:00 exactly is an hour old, not younger, and goes; 11:00:01
   * stays. 10:30 started before the grace but committed at 11:10, inside it: it stays too.
   */
  @Test
  void pruneGraceHoldsWhatWasStartedOrCommittedWithinIt() {
    List<Manifest> s = List.of(
        backup("10:00", Instant.parse("2026-03-20T10:00:00Z"), Instant.parse("2026-03-20T10:05:00Z"), 1000, 100, true),
        backup("10:30", Instant.parse("2026-03-20T10:30:00Z"), Instant.parse("2026-03-20T11:10:00Z"), 1010, 100, true),
        backup("11:00:00", Instant.parse("2026-03-20T11:00:00Z"), Instant.parse("2026-03-20T11:00:00Z"), 1020, 100,
            true),
        backup("11:00:01", Instant.parse("2026-03-20T11:00:01Z"), 1030, 100),
        backup("11:30", Instant.parse("2026-03-20T11:30:00Z"), 1040, 100));

    assertThat(plan(s, RetentionPolicy.builder().keepLast(1).minKeep(0))).containsExactly(
        "11:30 keep last,newest,grace",
        "11:00:01 keep grace",
        "11:00:00 delete",
        "10:30 keep grace",
        "10:00 delete");
  }

  /**
   * Without a completion time the start alone counts; a completion before the start (the clock
   * stepped back during the run) is no younger than the start, and the start counts.
   */
  @Test
  void pruneGraceReadsTheStartWhenTheCompletionIsMissingOrEarlier() {
    List<Manifest> s = List.of(
        backup("no-completion", Instant.parse("2026-03-20T10:30:00Z"), null, 1000, 100, true),
        backup("completed-first", Instant.parse("2026-03-20T11:30:00Z"), Instant.parse("2026-03-20T10:00:00Z"), 1010,
            100, true),
        backup("newest", Instant.parse("2026-03-20T11:40:00Z"), 1020, 100));

    assertThat(plan(s, RetentionPolicy.builder().keepLast(1).minKeep(0))).containsExactly(
        "newest keep last,newest,grace",
        "completed-first keep grace",
        "no-completion delete");
  }

  /** --keep-within counts a backup dated after now as within, like the grace. */
  @Test
  void keepWithinHoldsABackupDatedAfterNow() {
    List<Manifest> s = series("2026-03-20T10:00:00Z", "2026-03-20T11:30:00Z", "2026-03-20T13:00:00Z");

    assertThat(plan(s, bare().keepWithin(Duration.ofHours(1)))).containsExactly(
        "2026-03-20T13:00:00Z keep within,newest,grace",
        "2026-03-20T11:30:00Z keep within",
        "2026-03-20T10:00:00Z delete");
  }

  /** A writer whose clock runs ahead dated its backup after now: kept even with no grace. */
  @Test
  void aBackupDatedAfterNowIsKeptAndNoted() {
    List<Manifest> s = series("2026-03-19T00:00:00Z", "2026-03-20T11:00:00Z", "2026-03-20T12:00:00Z",
        "2026-03-20T12:00:01Z");
    RetentionPlan plan = RetentionPlanner.plan(s, bare().keepDaily(2).build(), NOW.minusSeconds(1));

    assertThat(lines(plan)).containsExactly(
        "2026-03-20T12:00:01Z keep daily,newest,grace",
        "2026-03-20T12:00:00Z keep grace",
        "2026-03-20T11:00:00Z delete",
        "2026-03-19T00:00:00Z keep daily");
    assertThat(plan.notes()).containsExactly(
        "2 backups are dated after now (2026-03-20T11:59:59Z): a writer's clock runs ahead; the grace keeps them");
  }

  @Test
  void aPolicyThatKeepsNothingBeyondTheFloorStillPlansAndSaysSo() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z",
        "2026-03-04T00:00:00Z", "2026-03-05T00:00:00Z");
    RetentionPlan plan = RetentionPlanner.plan(s, RetentionPolicy.builder().keepWithin(Duration.ofHours(1)).build(),
        NOW);

    assertThat(lines(plan)).containsExactly(
        "2026-03-05T00:00:00Z keep min-keep,newest",
        "2026-03-04T00:00:00Z keep min-keep",
        "2026-03-03T00:00:00Z keep min-keep",
        "2026-03-02T00:00:00Z delete",
        "2026-03-01T00:00:00Z delete");
    assertThat(plan.onlyFloorKept()).isTrue();
    assertThat(plan.notes()).containsExactly("the policy keeps nothing beyond the floor: 3 kept (min-keep, newest, "
        + "grace), 2 deleted");
  }

  @Test
  void aPlanWhoseRulesKeepMoreIsNotOnlyTheFloor() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z",
        "2026-03-04T00:00:00Z", "2026-03-05T00:00:00Z");
    RetentionPlan plan = RetentionPlanner.plan(s, RetentionPolicy.builder().keepLast(4).build(), NOW);

    assertThat(plan.onlyFloorKept()).isFalse();
    assertThat(plan.notes()).isEmpty();
  }

  @Test
  void fewerPassedBackupsThanMinKeepAreNoted() {
    List<Manifest> s = new ArrayList<>(series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"));
    s.set(0, Backups.failed(s.get(0)));
    s.set(1, Backups.failed(s.get(1)));
    RetentionPlan plan = RetentionPlanner.plan(s, RetentionPolicy.builder().keepLast(1).minKeep(2).build(), NOW);

    assertThat(lines(plan)).containsExactly(
        "2026-03-03T00:00:00Z keep last,min-keep,newest",
        "2026-03-02T00:00:00Z delete",
        "2026-03-01T00:00:00Z delete");
    assertThat(plan.notes()).containsExactly("only 1 of 3 backups passed their checks, fewer than --min-keep (2)",
        "the policy keeps nothing beyond the floor: 1 kept (min-keep, newest, grace), 2 deleted");
  }

  // --max-total-size; 100-byte backups unless said otherwise.

  @Test
  void aloneItKeepsTheNewestThatFit() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z",
        "2026-03-04T00:00:00Z");
    RetentionPlan plan = RetentionPlanner.plan(s, bare().maxTotalSize(250L).build(), NOW);

    assertThat(lines(plan)).containsExactly(
        "2026-03-04T00:00:00Z keep newest",
        "2026-03-03T00:00:00Z keep size",
        "2026-03-02T00:00:00Z delete",
        "2026-03-01T00:00:00Z delete");
    assertThat(plan.bytesKept()).isEqualTo(200);
    assertThat(plan.bytesDeleted()).isEqualTo(200);
  }

  /**
   * The oldest go first until the rest fits: the 300-byte backup does not fit, so it goes, and
   * the 50-byte one older than it goes too although it would fit alone.
   */
  @Test
  void onceOneDoesNotFitEveryOlderOneGoes() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
    s = List.of(Backups.sized(s.get(0), 50), Backups.sized(s.get(1), 300), s.get(2));

    assertThat(plan(s, bare().maxTotalSize(200L))).containsExactly(
        "2026-03-03T00:00:00Z keep newest",
        "2026-03-02T00:00:00Z delete",
        "2026-03-01T00:00:00Z delete");
  }

  /** Beside keep rules the size is a cap: the oldest daily goes, and its entry says what it overruled. */
  @Test
  void besideKeepRulesItCapsThemOldestFirst() {
    List<Manifest> s = series("2026-03-16T00:00:00Z", "2026-03-17T00:00:00Z", "2026-03-17T12:00:00Z",
        "2026-03-18T00:00:00Z", "2026-03-19T00:00:00Z");
    RetentionPlan plan = RetentionPlanner.plan(s, bare().keepDaily(4).maxTotalSize(300L).build(), NOW);

    assertThat(lines(plan)).containsExactly(
        "2026-03-19T00:00:00Z keep daily,newest",
        "2026-03-18T00:00:00Z keep daily",
        "2026-03-17T12:00:00Z keep daily",
        "2026-03-17T00:00:00Z delete",
        "2026-03-16T00:00:00Z delete daily");
    assertThat(plan.entries().get(4).overruledBySize()).isTrue();
    assertThat(plan.entries().get(3).overruledBySize()).isFalse();
    assertThat(plan.notes()).containsExactly(
        "--max-total-size (300) deletes 1 of the oldest backups that keep rules keep");
  }

  /** min-keep 3 holds 300 bytes; a 150-byte cap cannot touch them. */
  @Test
  void theFloorBeatsTheSize() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z",
        "2026-03-04T00:00:00Z");
    RetentionPlan plan = RetentionPlanner.plan(s, RetentionPolicy.builder().keepLast(4).maxTotalSize(150L)
        .pruneGrace(Duration.ZERO).build(), NOW);

    assertThat(lines(plan)).containsExactly(
        "2026-03-04T00:00:00Z keep last,min-keep,newest",
        "2026-03-03T00:00:00Z keep last,min-keep",
        "2026-03-02T00:00:00Z keep last,min-keep",
        "2026-03-01T00:00:00Z delete last");
    assertThat(plan.notes()).containsExactly(
        "the floor alone holds 300 bytes, more than --max-total-size (150): the floor wins",
        "--max-total-size (150) deletes 1 of the oldest backups that keep rules keep",
        "the policy keeps nothing beyond the floor: 3 kept (min-keep, newest, grace), 1 deleted");
  }

  /** What no keep rule keeps goes anyway and takes no room from what they keep. */
  @Test
  void backupsNoRuleKeepsTakeNoRoom() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-01T06:00:00Z", "2026-03-02T00:00:00Z",
        "2026-03-02T06:00:00Z");

    assertThat(plan(s, bare().keepDaily(2).maxTotalSize(200L))).containsExactly(
        "2026-03-02T06:00:00Z keep daily,newest",
        "2026-03-02T00:00:00Z delete",
        "2026-03-01T06:00:00Z keep daily",
        "2026-03-01T00:00:00Z delete");
  }

  /** A floor that fills the cap to the byte leaves room for what weighs nothing. */
  @Test
  void zeroByteBackupsFitACapTheFloorFillsExactly() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
    s = List.of(Backups.sized(s.get(0), 0), Backups.sized(s.get(1), 0), s.get(2));

    assertThat(plan(s, bare().maxTotalSize(100L))).containsExactly(
        "2026-03-03T00:00:00Z keep newest",
        "2026-03-02T00:00:00Z keep size",
        "2026-03-01T00:00:00Z keep size");
  }

  /** A floor over the cap leaves no room at all: not even a backup of zero bytes stays beside it. */
  @Test
  void overTheCapNotEvenAZeroByteBackupStaysBesideTheFloor() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");
    s = List.of(Backups.sized(s.get(0), 0), s.get(1));
    RetentionPlan plan = RetentionPlanner.plan(s, bare().keepLast(2).maxTotalSize(99L).build(), NOW);

    assertThat(lines(plan)).containsExactly(
        "2026-03-02T00:00:00Z keep last,newest",
        "2026-03-01T00:00:00Z delete last");
    assertThat(plan.notes()).contains(
        "the floor alone holds 100 bytes, more than --max-total-size (99): the floor wins");
  }

  /**
   * Beside the cap, more rules can mean more deletions (the Javadoc says so): keep-last makes the
   * 1st of March a candidate newer than February's monthly, and February no longer fits.
   */
  @Test
  void moreRulesCanMeanMoreDeletionsUnderTheCap() {
    List<Manifest> s = series("2026-02-10T00:00:00Z", "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");

    assertThat(plan(s, bare().keepMonthly(2).maxTotalSize(200L))).containsExactly(
        "2026-03-02T00:00:00Z keep monthly,newest",
        "2026-03-01T00:00:00Z delete",
        "2026-02-10T00:00:00Z keep monthly");
    assertThat(plan(s, bare().keepMonthly(2).keepLast(2).maxTotalSize(200L))).containsExactly(
        "2026-03-02T00:00:00Z keep last,monthly,newest",
        "2026-03-01T00:00:00Z keep last",
        "2026-02-10T00:00:00Z delete monthly");
  }

  /**
   * Two backups of one second and one revision are ordered by id alone, and beside the cap that
   * can decide an older backup's fate: keep-last 2 reaches the newer of the tie, whose size then
   * counts. With the 10-byte one newer the daily of the 19th fits (40 + 10 + 50 = 100); with the
   * 100-byte one newer it does not. Why the properties compare ids only within a tie's order.
   */
  @Test
  void theIdOfATieCanMoveTheCap() {
    Instant tie = Instant.parse("2026-03-20T08:00:00Z");
    Manifest newest = backup("newest", Instant.parse("2026-03-20T09:00:00Z"), 2010, 40);
    Manifest daily = backup("daily", Instant.parse("2026-03-19T10:00:00Z"), 1000, 50);
    RetentionPolicy.Builder p = bare().keepLast(2).keepDaily(2).maxTotalSize(100L);

    assertThat(plan(List.of(newest, backup("tie-ff00-10B", tie, 2000, 10), backup("tie-00ff-100B", tie, 2000, 100),
        daily), p)).containsExactly(
            "newest keep last,daily,newest",
            "tie-ff00-10B keep last",
            "tie-00ff-100B delete",
            "daily keep daily");
    assertThat(plan(List.of(newest, backup("tie-00ff-10B", tie, 2000, 10), backup("tie-ff00-100B", tie, 2000, 100),
        daily), p)).containsExactly(
            "newest keep last,daily,newest",
            "tie-ff00-100B delete last",
            "tie-00ff-10B delete",
            "daily delete daily");
  }

  // Order: time, then revision, then id; never the id string first.

  /**
   * Same second, the revision decides. As strings "r100000" sorts before "r99999"; the planner
   * never looks at that.
   */
  @Test
  void aRevisionThatGainsADigitReordersNothing() {
    Instant t = Instant.parse("2026-03-20T10:00:00Z");
    List<Manifest> s = List.of(backup("r99999", t, 99_999, 100), backup("r100000", t, 100_000, 100),
        backup("r99998", t, 99_998, 100));

    assertThat(plan(s, bare().keepLast(2))).containsExactly(
        "r100000 keep last,newest",
        "r99999 keep last",
        "r99998 delete");
  }

  /**
   * The clock of the writer ran backwards: revision 2000 is dated 10:00, revision 1000 11:00.
   * The manifest's time decides; the revision only breaks a tie.
   */
  @Test
  void theStartTimeDecidesBeforeTheRevision() {
    List<Manifest> s = List.of(backup("rev1000", Instant.parse("2026-03-20T11:00:00Z"), 1000, 100),
        backup("rev2000", Instant.parse("2026-03-20T10:00:00Z"), 2000, 100));

    assertThat(plan(s, bare().keepLast(1))).containsExactly("rev1000 keep last,newest", "rev2000 delete");
  }

  /** Same time and revision (two runs in one second of an idle cluster): the greater id is newer. */
  @Test
  void theIdBreaksATieOfTimeAndRevisionOnly() {
    Instant t = Instant.parse("2026-03-20T10:00:00Z");
    List<Manifest> s = List.of(backup("20260320T100000Z-r00000000000000001000-00ff", t, 1000, 100),
        backup("20260320T100000Z-r00000000000000001000-ff00", t, 1000, 100));

    assertThat(plan(s, bare().keepLast(1))).containsExactly(
        "20260320T100000Z-r00000000000000001000-ff00 keep last,newest",
        "20260320T100000Z-r00000000000000001000-00ff delete");
  }

  @Test
  void theInputOrderDoesNotMatter() {
    List<Manifest> s = new ArrayList<>(series("2026-03-01T00:00:00Z", "2026-03-01T12:00:00Z", "2026-03-02T00:00:00Z",
        "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z"));
    RetentionPolicy p = bare().keepDaily(2).keepWeekly(2).build();
    RetentionPlan expected = RetentionPlanner.plan(s, p, NOW);

    Collections.shuffle(s, new Random(9));
    assertThat(RetentionPlanner.plan(s, p, NOW)).isEqualTo(expected);
    Collections.reverse(s);
    assertThat(RetentionPlanner.plan(s, p, NOW)).isEqualTo(expected);
  }

  // The plan itself, and what the planner refuses.

  @Test
  void listsKeptAndDeletedNewestFirstWithCountsAndBytes() {
    List<Manifest> s = series("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
    s = List.of(Backups.sized(s.get(0), 7), Backups.sized(s.get(1), 30), Backups.sized(s.get(2), 500));
    RetentionPlan plan = RetentionPlanner.plan(s, bare().keepLast(2).build(), NOW);

    assertThat(plan.toKeep()).containsExactly(s.get(2), s.get(1));
    assertThat(plan.toDelete()).containsExactly(s.get(0));
    assertThat(plan.keepCount()).isEqualTo(2);
    assertThat(plan.deleteCount()).isEqualTo(1);
    assertThat(plan.bytesKept()).isEqualTo(530);
    assertThat(plan.bytesDeleted()).isEqualTo(7);
  }

  @Test
  void anEmptySeriesHasAnEmptyPlan() {
    RetentionPlan plan = RetentionPlanner.plan(List.of(), bare().keepLast(1).build(), NOW);

    assertThat(plan.entries()).isEmpty();
    assertThat(plan.notes()).isEmpty();
    assertThat(plan.onlyFloorKept()).isFalse();
  }

  @Test
  void aPolicyWithoutARuleIsRefused() {
    assertThatThrownBy(() -> RetentionPlanner.plan(series("2026-03-01T00:00:00Z"), bare().build(), NOW))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("no retention rule given: name at least one of --keep-last, --keep-within, --keep-hourly, "
            + "--keep-daily, --keep-weekly, --keep-monthly, --keep-yearly, --max-total-size");
  }

  @Test
  void twoSeriesAreRefused() {
    Manifest a = backup("a", NOW, 1, 1);
    Manifest b = new Manifest(a.formatVersion(), "b", "staging", a.clusterId(), a.startedAt(), a.completedAt(),
        a.source(), 2, a.raftTerm(), a.raftIndex(), a.keyCount(), a.crcHash(), a.dbSize(), a.sha256Raw(), a.object(),
        a.storedSize(), a.sha256Stored(), a.transforms(), a.timings(), a.toolVersion(), a.verification(), a.labels(), null, null);

    assertThatThrownBy(() -> RetentionPlanner.plan(List.of(a, b), bare().keepLast(1).build(), NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("one series at a time: b belongs to staging, not prod");
  }

  @Test
  void aBackupListedTwiceIsRefused() {
    Manifest a = backup("a", NOW, 1, 1);

    assertThatThrownBy(() -> RetentionPlanner.plan(List.of(a, a), bare().keepLast(1).build(), NOW))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("backup a of prod is listed twice");
  }

  @Test
  void entriesRefuseADecisionTheirRulesContradict() {
    Manifest a = backup("a", NOW, 1, 1);

    assertThatThrownBy(() -> new RetentionPlan.Entry(a, RetentionPlan.Decision.KEEP, Set.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RetentionPlan.Entry(a, RetentionPlan.Decision.DELETE, Set.of(Rule.NEWEST)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
