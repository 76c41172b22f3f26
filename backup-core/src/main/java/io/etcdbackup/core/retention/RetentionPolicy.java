package io.etcdbackup.core.retention;

import io.etcdbackup.core.InvalidInputException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Which backups of a series to keep, validated once; {@link RetentionPlanner} applies it. The keep
 * rules combine: a backup is kept when any of them keeps it. {@code maxTotalSize} is a cap applied
 * after them, and the floor ({@code minKeep}, the newest backup, {@code pruneGrace}) beats both.
 * Each component is named for its flag, and every error message names the flag, the value and the
 * rule.
 *
 * @param keepLast {@code --keep-last}: the newest N backups
 * @param keepWithin {@code --keep-within}: backups that started within this long before now
 * @param keepHourly {@code --keep-hourly}: the newest backup of each of the last N hours that have
 *     one (UTC); 0: not set
 * @param keepDaily {@code --keep-daily}: likewise per UTC day; 0: not set
 * @param keepWeekly {@code --keep-weekly}: likewise per ISO week (UTC); 0: not set
 * @param keepMonthly {@code --keep-monthly}: likewise per UTC month; 0: not set
 * @param keepYearly {@code --keep-yearly}: likewise per UTC year; 0: not set
 * @param maxTotalSize {@code --max-total-size}: bytes (stored sizes) the kept backups may hold
 * @param minKeep {@code --min-keep}: the newest N backups whose checks passed are never deleted
 *     (default 3)
 * @param pruneGrace {@code --prune-grace}: backups younger than this are never deleted (default 1h)
 */
public record RetentionPolicy(
    OptionalInt keepLast,
    Optional<Duration> keepWithin,
    int keepHourly,
    int keepDaily,
    int keepWeekly,
    int keepMonthly,
    int keepYearly,
    OptionalLong maxTotalSize,
    int minKeep,
    Duration pruneGrace) {

  public static final int DEFAULT_MIN_KEEP = 3;
  public static final Duration DEFAULT_PRUNE_GRACE = Duration.ofHours(1);

  /** The flags that ask for a rule, for the message of a policy that has none. */
  static final String RULE_FLAGS = "--keep-last, --keep-within, --keep-hourly, --keep-daily, --keep-weekly, "
      + "--keep-monthly, --keep-yearly, --max-total-size";

  public RetentionPolicy {
    keepLast = Objects.requireNonNullElse(keepLast, OptionalInt.empty());
    keepLast.ifPresent(n -> atLeastOne("--keep-last", n));
    keepWithin = Objects.requireNonNullElse(keepWithin, Optional.empty());
    keepWithin.ifPresent(d -> {
      if (d.isNegative() || d.isZero()) {
        throw new InvalidInputException("--keep-within (" + d + ") must be positive");
      }
    });
    // A tier's 0 is "not set" here; the builder refuses a 0 that a user typed (see Builder).
    tierCount("--keep-hourly", keepHourly);
    tierCount("--keep-daily", keepDaily);
    tierCount("--keep-weekly", keepWeekly);
    tierCount("--keep-monthly", keepMonthly);
    tierCount("--keep-yearly", keepYearly);
    maxTotalSize = Objects.requireNonNullElse(maxTotalSize, OptionalLong.empty());
    maxTotalSize.ifPresent(n -> {
      if (n < 1) {
        throw new InvalidInputException("--max-total-size (" + n + ") must be at least 1 byte");
      }
    });
    if (minKeep < 0) {
      throw new InvalidInputException("--min-keep (" + minKeep + ") must be zero or more");
    }
    Objects.requireNonNull(pruneGrace, "--prune-grace");
    if (pruneGrace.isNegative()) {
      throw new InvalidInputException("--prune-grace (" + pruneGrace + ") must be zero or more");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** No rule given (the floor settings alone are no rule): a caller has nothing to plan. */
  public boolean isEmpty() {
    return !hasKeepRule() && maxTotalSize.isEmpty();
  }

  /** Any rule that keeps backups (every rule but the size cap). */
  boolean hasKeepRule() {
    // Each tier on its own: a sum of counts overflows (--keep-hourly 2147483647 --keep-daily 1).
    return keepLast.isPresent() || keepWithin.isPresent()
        || keepHourly > 0 || keepDaily > 0 || keepWeekly > 0 || keepMonthly > 0 || keepYearly > 0;
  }

  private static void atLeastOne(String flag, int n) {
    if (n < 1) {
      throw new InvalidInputException(flag + " (" + n + ") must be at least 1");
    }
  }

  private static void tierCount(String flag, int n) {
    if (n < 0) {
      throw new InvalidInputException(flag + " (" + n + ") must be at least 1 (0 here means not set)");
    }
  }

  /**
   * Builds a policy from optional flags: a {@code null} keeps the default (not set, or the floor's
   * default), so a command passes its flags straight through. A count that is given must be at
   * least 1, the tiers' too: {@code --keep-daily 0} would keep nothing, which is a mistake, not a
   * way to say "not set".
   */
  public static final class Builder {
    private Integer keepLast;
    private Duration keepWithin;
    private Integer keepHourly;
    private Integer keepDaily;
    private Integer keepWeekly;
    private Integer keepMonthly;
    private Integer keepYearly;
    private Long maxTotalSize;
    private Integer minKeep;
    private Duration pruneGrace;

    private Builder() {}

    public Builder keepLast(Integer n) {
      keepLast = n;
      return this;
    }

    public Builder keepWithin(Duration d) {
      keepWithin = d;
      return this;
    }

    public Builder keepHourly(Integer n) {
      keepHourly = n;
      return this;
    }

    public Builder keepDaily(Integer n) {
      keepDaily = n;
      return this;
    }

    public Builder keepWeekly(Integer n) {
      keepWeekly = n;
      return this;
    }

    public Builder keepMonthly(Integer n) {
      keepMonthly = n;
      return this;
    }

    public Builder keepYearly(Integer n) {
      keepYearly = n;
      return this;
    }

    public Builder maxTotalSize(Long bytes) {
      maxTotalSize = bytes;
      return this;
    }

    public Builder minKeep(Integer n) {
      minKeep = n;
      return this;
    }

    public Builder pruneGrace(Duration d) {
      pruneGrace = d;
      return this;
    }

    /** The policy; {@link InvalidInputException} naming a flag whose value breaks its rule. */
    public RetentionPolicy build() {
      return new RetentionPolicy(
          keepLast == null ? OptionalInt.empty() : OptionalInt.of(keepLast),
          Optional.ofNullable(keepWithin),
          tier("--keep-hourly", keepHourly),
          tier("--keep-daily", keepDaily),
          tier("--keep-weekly", keepWeekly),
          tier("--keep-monthly", keepMonthly),
          tier("--keep-yearly", keepYearly),
          maxTotalSize == null ? OptionalLong.empty() : OptionalLong.of(maxTotalSize),
          minKeep == null ? DEFAULT_MIN_KEEP : minKeep,
          pruneGrace == null ? DEFAULT_PRUNE_GRACE : pruneGrace);
    }

    private static int tier(String flag, Integer n) {
      if (n == null) {
        return 0;
      }
      atLeastOne(flag, n);
      return n;
    }
  }
}
