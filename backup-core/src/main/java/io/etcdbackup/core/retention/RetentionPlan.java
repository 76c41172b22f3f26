package io.etcdbackup.core.retention;

import io.etcdbackup.core.store.Manifest;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link RetentionPlanner#plan} decided for one series: every backup, newest first, with its
 * decision and the rules that keep it. A plan is data: deleting what it says is the caller's job.
 *
 * @param entries every backup of the series, newest first ({@code BackupRepository.NEWEST_FIRST})
 * @param notes what a person should know about the plan, one sentence each: the policy keeps
 *     nothing beyond the floor, the floor alone is over {@code --max-total-size}, fewer backups
 *     passed their checks than {@code --min-keep}, backups dated after now
 */
public record RetentionPlan(List<Entry> entries, List<String> notes) {

  public RetentionPlan {
    entries = List.copyOf(entries);
    notes = List.copyOf(notes);
  }

  /** Keep or delete. */
  public enum Decision { KEEP, DELETE }

  /**
   * One backup's decision.
   *
   * @param rules for a kept backup every rule that keeps it (never empty); for a deleted one the
   *     keep rules that the {@code --max-total-size} cap overruled (empty: no rule keeps it)
   */
  public record Entry(Manifest manifest, Decision decision, Set<Rule> rules) {
    public Entry {
      Objects.requireNonNull(manifest, "manifest");
      Objects.requireNonNull(decision, "decision");
      EnumSet<Rule> copy = EnumSet.noneOf(Rule.class);
      copy.addAll(rules);
      if (decision == Decision.KEEP && copy.isEmpty()) {
        throw new IllegalArgumentException("a kept backup needs a rule: " + manifest.id());
      }
      if (decision == Decision.DELETE && copy.stream().anyMatch(r -> r.isFloor() || r == Rule.SIZE)) {
        throw new IllegalArgumentException("the floor and the size keep " + manifest.id() + ": " + copy);
      }
      // An EnumSet behind the wrapper: rules print in the enum's order, the same every time.
      rules = Collections.unmodifiableSet(copy);
    }

    public boolean keep() {
      return decision == Decision.KEEP;
    }

    /** Deleted although a keep rule keeps it: the series did not fit within {@code --max-total-size}. */
    public boolean overruledBySize() {
      return decision == Decision.DELETE && !rules.isEmpty();
    }

    /** Kept by the floor (whatever else keeps it too). */
    public boolean floor() {
      return rules.stream().anyMatch(Rule::isFloor);
    }
  }

  /** The backups kept, newest first. */
  public List<Manifest> toKeep() {
    return entries.stream().filter(Entry::keep).map(Entry::manifest).toList();
  }

  /** The backups to delete, newest first. */
  public List<Manifest> toDelete() {
    return entries.stream().filter(e -> !e.keep()).map(Entry::manifest).toList();
  }

  public int keepCount() {
    return (int) entries.stream().filter(Entry::keep).count();
  }

  public int deleteCount() {
    return entries.size() - keepCount();
  }

  /** Stored bytes of the kept backups. */
  public long bytesKept() {
    return entries.stream().filter(Entry::keep).mapToLong(e -> e.manifest().storedSize()).sum();
  }

  /** Stored bytes the deletions free. */
  public long bytesDeleted() {
    return entries.stream().filter(e -> !e.keep()).mapToLong(e -> e.manifest().storedSize()).sum();
  }

  /**
   * The policy deletes every backup the floor does not hold (and there was at least one): what
   * remains is the floor alone. Such a plan still runs; a caller says so.
   */
  public boolean onlyFloorKept() {
    return deleteCount() > 0 && entries.stream().filter(Entry::keep).allMatch(Entry::floor);
  }
}
