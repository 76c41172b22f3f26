package io.etcdbackup.core.retention;

/**
 * Why a backup is kept. The keep rules come from the policy's flags; the floor rules
 * ({@link #isFloor()}) hold whatever the policy says, the size cap included.
 */
public enum Rule {
  /** {@code --keep-last}: one of the newest N. */
  LAST("last", false),
  /** {@code --keep-within}: started within the duration before now. */
  WITHIN("within", false),
  /** {@code --keep-hourly}: the newest of its UTC hour, one of the last N hours that have a backup. */
  HOURLY("hourly", false),
  /** {@code --keep-daily}: the newest of its UTC day. */
  DAILY("daily", false),
  /** {@code --keep-weekly}: the newest of its ISO week (UTC). */
  WEEKLY("weekly", false),
  /** {@code --keep-monthly}: the newest of its UTC month. */
  MONTHLY("monthly", false),
  /** {@code --keep-yearly}: the newest of its UTC year. */
  YEARLY("yearly", false),
  /**
   * {@code --max-total-size} as the only rule: one of the newest backups that fit within the size.
   * Beside other keep rules the size only removes, so it names no kept backup.
   */
  SIZE("size", false),
  /** The floor: one of the newest {@code --min-keep} backups whose checks passed. */
  MIN_KEEP("min-keep", true),
  /** The floor: the newest backup of the series, whatever its checks say. */
  NEWEST("newest", true),
  /**
   * The floor: younger than {@code --prune-grace}, or dated after now (a writer whose clock runs
   * ahead).
   */
  GRACE("grace", true);

  private final String label;
  private final boolean floor;

  Rule(String label, boolean floor) {
    this.label = label;
    this.floor = floor;
  }

  /** A short lower-case name for tables and JSON: {@code last}, {@code min-keep}, ... */
  public String label() {
    return label;
  }

  /** Part of the floor: no rule and no size deletes a backup this keeps. */
  public boolean isFloor() {
    return floor;
  }
}
