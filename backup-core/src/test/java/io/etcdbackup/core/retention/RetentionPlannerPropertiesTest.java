package io.etcdbackup.core.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.retention.Histories.History;
import io.etcdbackup.core.store.Manifest;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Properties of {@link RetentionPlanner} over random histories ({@link Histories}) and random
 * policies, each a claim of its Javadoc, checked against {@link PlanOracle} or worked out here;
 * never against the planner's own code. Each property runs {@value #HISTORIES} histories from
 * fixed seeds (its own range, logged); a failure names the seed, the policies and the history.
 * One seed again: {@code -Dretention.seed=N}.
 */
class RetentionPlannerPropertiesTest {
  private static final Logger LOG = LoggerFactory.getLogger(RetentionPlannerPropertiesTest.class);
  private static final int HISTORIES = 500;

  @Test
  void theFloorAlwaysHolds() {
    forAll("floor", 1_000_000, t -> {
      RetentionPolicy p = t.policy(true);
      Map<String, RetentionPlan.Entry> plan = byId(t.plan(p));
      List<Manifest> sorted = PlanOracle.newestFirst(t.history.series());

      Set<String> floor = new HashSet<>();
      if (!sorted.isEmpty()) {
        assertKeptBy(plan, sorted.get(0), Rule.NEWEST);
        floor.add(sorted.get(0).id());
      }
      List<Manifest> passed = sorted.stream().filter(PlanOracle::passed).toList();
      for (Manifest m : passed.subList(0, Math.min(p.minKeep(), passed.size()))) {
        assertKeptBy(plan, m, Rule.MIN_KEEP);
        floor.add(m.id());
      }
      for (Manifest m : sorted) {
        if (PlanOracle.young(m, p.pruneGrace(), t.history.now())) {
          assertKeptBy(plan, m, Rule.GRACE);
          floor.add(m.id());
        }
      }
      // And the floor holds nothing else.
      assertThat(plan.values().stream().filter(RetentionPlan.Entry::floor).map(e -> e.manifest().id()))
          .as("backups the plan names floor").containsExactlyInAnyOrderElementsOf(floor);
    });
  }

  @Test
  void eachTierKeepsTheNewestOfEachOfItsLastPeriods() {
    forAll("tiers", 2_000_000, t -> {
      RetentionPolicy p = t.policy(true);
      RetentionPlan plan = t.plan(p);

      for (Rule tier : PlanOracle.TIERS) {
        List<RetentionPlan.Entry> tagged = plan.entries().stream().filter(e -> e.rules().contains(tier)).toList();
        assertThat(tagged.stream().map(e -> e.manifest().id()))
            .as("backups tagged %s (count %d)", tier, PlanOracle.tierCount(p, tier))
            .containsExactlyInAnyOrderElementsOf(PlanOracle.tier(t.history.series(), tier, PlanOracle.tierCount(p, tier)));
        // Kept, unless the cap overruled them (and then the entry says so).
        assertThat(tagged).as("%s entries", tier)
            .allMatch(e -> e.keep() || (p.maxTotalSize().isPresent() && e.overruledBySize()));
      }
    });
  }

  /**
   * Planning again over what a plan keeps deletes nothing more, for every rule, the cap included:
   * the newest N stay the newest N, the newest of a period stays the newest of it and its period
   * has no more periods after it than before, ages do not change (same now), the floor is the same
   * backups (the newest, the newest that passed, the young ones were all kept), and what the cap
   * left fitted before, so with the same floor and the same candidates it fits again.
   */
  @Test
  void planningAgainOverWhatWasKeptDeletesNothing() {
    forAll("idempotence", 3_000_000, t -> {
      RetentionPolicy p = t.policy(true);
      RetentionPlan first = t.plan(p);
      RetentionPlan again = RetentionPlanner.plan(first.toKeep(), p, t.history.now());

      assertThat(again.toDelete()).as("deleted on the second plan").isEmpty();
      assertThat(again.toKeep()).isEqualTo(first.toKeep());
    });
  }

  /**
   * Adding a keep rule never deletes a backup the smaller policy kept, and keeps exactly what
   * either keeps. Without --max-total-size only: beside the cap, a rule that keeps a newer backup
   * can push an older one out of the cap (the Javadoc says so;
   * {@code RetentionPlannerTest.moreRulesCanMeanMoreDeletionsUnderTheCap}).
   */
  @Test
  void addingAKeepRuleNeverDeletesWhatTheSmallerPolicyKept() {
    forAll("monotone union", 4_000_000, t -> {
      RetentionPolicy p = t.policy(false);
      RetentionPolicy rule = t.drawn(Histories.oneKeepRule(t.random, t.history, p));
      RetentionPolicy both = t.drawn(Histories.union(p, rule));

      Set<String> smaller = kept(t.plan(p));
      Set<String> added = kept(t.plan(rule));
      Set<String> union = kept(t.plan(both));
      assertThat(union).as("kept by the larger policy").containsAll(smaller);
      Set<String> either = new HashSet<>(smaller);
      either.addAll(added);
      assertThat(union).as("kept by the larger policy, against what either keeps").isEqualTo(either);
    });
  }

  @Test
  void theOrderOfTheInputChangesNothing() {
    forAll("input order", 5_000_000, t -> {
      RetentionPolicy p = t.policy(true);
      RetentionPlan expected = t.plan(p);

      for (int i = 0; i < 3; i++) {
        List<Manifest> shuffled = new ArrayList<>(t.history.series());
        Collections.shuffle(shuffled, new Random(t.random.nextLong()));
        assertThat(RetentionPlanner.plan(shuffled, p, t.history.now())).as("shuffle %d", i).isEqualTo(expected);
      }
    });
  }

  /**
   * Ids whose string order contradicts the time order (the newest has the smallest id, or ids
   * {@code r<revision>} that sort 100000 before 99999) change nothing when they keep the order
   * within each tie of (start, revision), the only place the Javadoc lets the id decide.
   */
  @Test
  void idsThatContradictTheTimeOrderChangeNoDecision() {
    forAll("ids against time", 6_000_000, t -> {
      RetentionPolicy p = t.policy(true);
      RetentionPlan expected = t.plan(p);
      boolean revisionIds = t.random.nextBoolean();

      Map<String, Manifest> original = new HashMap<>();
      List<Manifest> renamed = new ArrayList<>();
      List<List<Manifest>> ties = ties(t.history.series());
      for (int g = 0; g < ties.size(); g++) {
        List<Manifest> tie = ties.get(g);
        for (int j = 0; j < tie.size(); j++) {
          Manifest m = tie.get(j);
          // The newest of a tie keeps the greatest id; a newer tie gets a smaller number.
          String tieAndPlace = String.format("%04d-%03d", g, tie.size() - 1 - j);
          String id = revisionIds ? "r" + m.revision() + "-" + tieAndPlace : tieAndPlace;
          renamed.add(Backups.renamed(m, id));
          original.put(id, m);
        }
      }
      Collections.shuffle(renamed, new Random(t.random.nextLong()));
      RetentionPlan plan = RetentionPlanner.plan(renamed, p, t.history.now());

      List<RetentionPlan.Entry> back = plan.entries().stream().map(e -> new RetentionPlan.Entry(
          original.get(e.manifest().id()), e.decision(), e.rules())).toList();
      assertThat(back).as("entries under the old ids").isEqualTo(expected.entries());
      assertThat(plan.notes()).isEqualTo(expected.notes());
    });
  }

  /**
   * Any other ids: a backup that shares its (start, revision) with no other keeps its decision
   * and its rules. Only without --max-total-size: within a tie the id decides which one is newer,
   * so which of them is the newest, among the last N, the newest of its period or among min-keep
   * moves inside the tie, and without the cap nothing outside it moves. Beside the cap, the one of
   * the tie that a rule now keeps brings its own size, and an older backup may fit or not
   * ({@code RetentionPlannerTest.theIdOfATieCanMoveTheCap}). That is the documented tie-break, not
   * a fault.
   */
  @Test
  void anyIdsChangeNoDecisionOutsideATie() {
    forAll("any ids", 7_000_000, t -> {
      RetentionPolicy p = t.policy(false);
      RetentionPlan expected = t.plan(p);

      Map<String, Manifest> original = new HashMap<>();
      List<Manifest> renamed = new ArrayList<>();
      for (Manifest m : t.history.series()) {
        String id;
        do {
          id = Long.toHexString(t.random.nextLong());
        } while (original.containsKey(id));
        renamed.add(Backups.renamed(m, id));
        original.put(id, m);
      }
      Map<String, RetentionPlan.Entry> plan = new HashMap<>();
      RetentionPlanner.plan(renamed, p, t.history.now()).entries().forEach(e -> plan.put(
          original.get(e.manifest().id()).id(), e));

      Set<String> tied = ties(t.history.series()).stream().filter(tie -> tie.size() > 1).flatMap(List::stream)
          .map(Manifest::id).collect(Collectors.toSet());
      for (RetentionPlan.Entry e : expected.entries()) {
        if (!tied.contains(e.manifest().id())) {
          RetentionPlan.Entry now = plan.get(e.manifest().id());
          assertThat(now.decision()).as("decision for %s", e.manifest().id()).isEqualTo(e.decision());
          assertThat(now.rules()).as("rules for %s", e.manifest().id()).isEqualTo(e.rules());
        }
      }
    });
  }

  /**
   * The cap: all of the floor stays; beside it, the kept candidates are the longest newest run of
   * them that fits, so what is kept fits the cap unless the floor alone does not, and then the
   * floor alone is kept and the plan says so. What no rule keeps goes, and takes no room.
   */
  @Test
  void theSizeCapKeepsTheLongestNewestRunOfCandidatesThatFits() {
    forAll("size cap", 8_000_000, t -> {
      RetentionPolicy p = t.drawn(Histories.withSizeCap(t.random, t.history, t.policy(true)));
      RetentionPlan plan = t.plan(p);
      long cap = p.maxTotalSize().getAsLong();
      List<Manifest> sorted = PlanOracle.newestFirst(t.history.series());
      Map<String, EnumSet<Rule>> floor = PlanOracle.floor(sorted, p, t.history.now());
      Map<String, EnumSet<Rule>> keep = PlanOracle.keepRules(sorted, p, t.history.now());
      long floorBytes = sorted.stream().filter(m -> !floor.get(m.id()).isEmpty()).mapToLong(Manifest::storedSize).sum();
      Set<String> keptIds = kept(plan);

      assertThat(keptIds).as("kept").containsAll(floor.entrySet().stream().filter(e -> !e.getValue().isEmpty())
          .map(Map.Entry::getKey).toList());
      if (floorBytes <= cap) {
        assertThat(plan.bytesKept()).as("bytes kept, the floor holding %d", floorBytes).isLessThanOrEqualTo(cap);
      } else {
        assertThat(plan.entries()).as("the floor alone is over the cap: only the floor is kept")
            .allMatch(e -> e.keep() == e.floor());
        assertThat(plan.notes()).contains("the floor alone holds " + floorBytes
            + " bytes, more than --max-total-size (" + cap + "): the floor wins");
      }

      List<Manifest> candidates = PlanOracle.candidates(sorted, p, floor, keep);
      List<Manifest> keptCandidates = candidates.stream().filter(m -> keptIds.contains(m.id())).toList();
      assertThat(keptCandidates).as("kept candidates: a newest run")
          .isEqualTo(candidates.subList(0, keptCandidates.size()));
      if (keptCandidates.size() < candidates.size()) {
        assertThat(plan.bytesKept() + candidates.get(keptCandidates.size()).storedSize())
            .as("with the next candidate the run would not fit").isGreaterThan(cap);
      }
      Set<String> candidateIds = candidates.stream().map(Manifest::id).collect(Collectors.toSet());
      for (RetentionPlan.Entry e : plan.entries()) {
        String id = e.manifest().id();
        if (e.floor() || candidateIds.contains(id)) {
          continue;
        }
        assertThat(e.keep()).as("%s: neither floor nor candidate", id).isFalse();
        assertThat(e.rules()).as("%s: neither floor nor candidate", id).isEmpty();
      }
      assertThat(plan.entries().stream().filter(RetentionPlan.Entry::overruledBySize).map(e -> e.manifest().id()))
          .as("overruled by the cap: the deleted candidates some keep rule keeps")
          .containsExactlyInAnyOrderElementsOf(candidates.stream()
              .filter(m -> !keptIds.contains(m.id()) && !keep.get(m.id()).isEmpty()).map(Manifest::id).toList());
    });
  }

  /** Every rule an entry names is one its backup meets, each checked on its own. */
  @Test
  void everyRuleOfAnEntryIsJustified() {
    forAll("rules justified", 9_000_000, t -> {
      RetentionPolicy p = t.policy(true);
      RetentionPlan plan = t.plan(p);
      List<Manifest> sorted = PlanOracle.newestFirst(t.history.series());
      assertThat(plan.entries().stream().map(RetentionPlan.Entry::manifest)).as("newest first").isEqualTo(sorted);
      List<Manifest> passed = sorted.stream().filter(PlanOracle::passed).toList();
      Map<Rule, Set<String>> tiers = new HashMap<>();
      PlanOracle.TIERS.forEach(r -> tiers.put(r, PlanOracle.tier(sorted, r, PlanOracle.tierCount(p, r))));

      for (int i = 0; i < sorted.size(); i++) {
        RetentionPlan.Entry e = plan.entries().get(i);
        Manifest m = e.manifest();
        if (e.keep()) {
          assertThat(e.rules()).as("%s is kept: by some rule", m.id()).isNotEmpty();
        }
        for (Rule r : e.rules()) {
          String why = m.id() + " (#" + i + ") tagged " + r;
          switch (r) {
            case LAST -> assertThat(i).as(why).isLessThan(p.keepLast().orElse(0));
            case WITHIN -> assertThat(Duration.between(m.startedAt(), t.history.now()))
                .as(why).isLessThanOrEqualTo(p.keepWithin().orElseThrow());
            case HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY -> assertThat(tiers.get(r)).as(why).contains(m.id());
            case SIZE -> {
              assertThat(PlanOracle.sizeOnly(p) && p.maxTotalSize().isPresent()).as(why + ": the size is the only rule")
                  .isTrue();
              assertThat(e.keep()).as(why).isTrue();
            }
            case MIN_KEEP -> assertThat(passed.subList(0, Math.min(p.minKeep(), passed.size()))).as(why).contains(m);
            case NEWEST -> assertThat(i).as(why).isZero();
            case GRACE -> assertThat(PlanOracle.young(m, p.pruneGrace(), t.history.now())).as(why).isTrue();
            default -> throw new AssertionError("a rule the property does not know: " + r);
          }
        }
      }
    });
  }

  /** The whole plan, every entry's decision and rules, is the one {@link PlanOracle} works out. */
  @Test
  void thePlanIsTheOneTheJavadocDescribes() {
    forAll("whole plan", 10_000_000, t -> {
      RetentionPolicy p = t.policy(true);

      assertThat(t.plan(p).entries()).isEqualTo(PlanOracle.plan(t.history.series(), p, t.history.now()));
    });
  }

  /** A note for each thing a person should know, and none without it. */
  @Test
  void theNotesSayWhatThePlanDid() {
    forAll("notes", 11_000_000, t -> {
      RetentionPolicy p = t.policy(true);
      RetentionPlan plan = t.plan(p);
      List<Manifest> series = t.history.series();
      long passed = series.stream().filter(PlanOracle::passed).count();
      long ahead = series.stream().filter(m -> PlanOracle.young(m, Duration.ZERO, t.history.now())).count();
      long floorBytes = plan.entries().stream().filter(RetentionPlan.Entry::floor)
          .mapToLong(e -> e.manifest().storedSize()).sum();
      long overruled = plan.entries().stream().filter(RetentionPlan.Entry::overruledBySize).count();

      assertNote(plan, passed < p.minKeep() && passed < series.size(), "only " + passed + " of " + series.size()
          + " backups passed their checks");
      assertNote(plan, ahead > 0, ahead + (ahead == 1 ? " backup is" : " backups are") + " dated after now");
      assertNote(plan, p.maxTotalSize().isPresent() && floorBytes > p.maxTotalSize().getAsLong(),
          "the floor alone holds " + floorBytes + " bytes");
      assertNote(plan, overruled > 0, "deletes " + overruled + " of the oldest backups that keep rules keep");
      assertNote(plan, plan.deleteCount() > 0 && plan.entries().stream().filter(RetentionPlan.Entry::keep)
          .allMatch(RetentionPlan.Entry::floor), "the policy keeps nothing beyond the floor");
    });
  }

  /**
   * The generator holds what it promises, each in a fair share of the histories: a property can
   * only hold over the cases it is given.
   */
  @Test
  void theHistoriesHoldWhatTheyPromise() {
    Map<String, Predicate<History>> cases = new LinkedHashMap<>();
    cases.put("no backup", h -> h.series().isEmpty());
    cases.put("a tie of start and revision", h -> ties(h.series()).stream().anyMatch(tie -> tie.size() > 1));
    cases.put("revisions that gain a digit", h -> h.series().stream()
        .map(m -> String.valueOf(m.revision()).length()).distinct().count() > 1);
    cases.put("a clock that ran backwards", h -> IntStream.range(1, h.series().size())
        .anyMatch(i -> h.series().get(i).startedAt().isBefore(h.series().get(i - 1).startedAt())));
    cases.put("a backup dated after now", h -> h.series().stream().anyMatch(m -> m.startedAt().isAfter(h.now())));
    cases.put("failed checks", h -> h.series().stream().anyMatch(m -> !PlanOracle.passed(m)));
    cases.put("no completion time", h -> h.series().stream().anyMatch(m -> m.completedAt() == null));
    cases.put("a completion before the start", h -> h.series().stream()
        .anyMatch(m -> m.completedAt() != null && m.completedAt().isBefore(m.startedAt())));
    cases.put("a backup of zero bytes", h -> h.series().stream().anyMatch(m -> m.storedSize() == 0));
    cases.put("more than one year", h -> h.series().stream()
        .map(m -> m.startedAt().atOffset(ZoneOffset.UTC).getYear()).distinct().count() > 1);

    Map<String, Integer> seen = new LinkedHashMap<>();
    for (long seed = 0; seed < HISTORIES; seed++) {
      History h = Histories.history(new SplittableRandom(seed));
      cases.forEach((name, holds) -> seen.merge(name, holds.test(h) ? 1 : 0, Integer::sum));
    }
    assertThat(seen).as("histories of %d with each case", HISTORIES).allSatisfy((name, n) ->
        assertThat(n).as(name).isGreaterThanOrEqualTo(HISTORIES / 50));
  }

  // The harness.

  /** One history of a property, and the policies drawn for it (a failure names them). */
  private static final class Trial {
    final SplittableRandom random;
    final History history;
    final List<RetentionPolicy> policies = new ArrayList<>();

    Trial(long seed) {
      random = new SplittableRandom(seed);
      history = Histories.history(random);
    }

    RetentionPolicy policy(boolean sizeCap) {
      return drawn(Histories.policy(random, history, sizeCap));
    }

    RetentionPolicy drawn(RetentionPolicy p) {
      policies.add(p);
      return p;
    }

    RetentionPlan plan(RetentionPolicy p) {
      return RetentionPlanner.plan(history.series(), p, history.now());
    }
  }

  private static void forAll(String property, long firstSeed, Consumer<Trial> check) {
    String only = System.getProperty("retention.seed");
    long from = only == null ? firstSeed : Long.parseLong(only);
    int count = only == null ? HISTORIES : 1;
    LOG.info("property=\"{}\" histories={} seeds={}..{}", property, count, from, from + count - 1);
    for (long seed = from; seed < from + count; seed++) {
      Trial t = new Trial(seed);
      try {
        check.accept(t);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(property + " fails for seed " + seed + " (again: -Dretention.seed=" + seed + ")\n"
            + "policies " + t.policies + "\n" + t.history + "\n" + e.getMessage(), e);
      }
    }
  }

  private static void assertKeptBy(Map<String, RetentionPlan.Entry> plan, Manifest m, Rule rule) {
    RetentionPlan.Entry e = plan.get(m.id());
    assertThat(e.keep()).as("%s kept (%s)", m.id(), rule).isTrue();
    assertThat(e.rules()).as("%s rules", m.id()).contains(rule);
  }

  private static void assertNote(RetentionPlan plan, boolean expected, String text) {
    assertThat(plan.notes().stream().anyMatch(n -> n.contains(text))).as("a note with '%s' in %s", text, plan.notes())
        .isEqualTo(expected);
  }

  private static Map<String, RetentionPlan.Entry> byId(RetentionPlan plan) {
    Map<String, RetentionPlan.Entry> out = new HashMap<>();
    plan.entries().forEach(e -> out.put(e.manifest().id(), e));
    return out;
  }

  private static Set<String> kept(RetentionPlan plan) {
    return plan.toKeep().stream().map(Manifest::id).collect(Collectors.toSet());
  }

  /** The backups grouped by (start, revision), newest group first, each newest first. */
  private static List<List<Manifest>> ties(List<Manifest> series) {
    List<List<Manifest>> out = new ArrayList<>();
    for (Manifest m : PlanOracle.newestFirst(series)) {
      List<Manifest> last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last.get(0).startedAt().equals(m.startedAt()) && last.get(0).revision() == m.revision()) {
        last.add(m);
      } else {
        out.add(new ArrayList<>(List.of(m)));
      }
    }
    return out;
  }
}
