package io.etcdbackup.core.run;

import java.util.Locale;

/** What a run does. */
public enum Operation {
  BACKUP, VERIFY, RESTORE, PRUNE,
  /** A restore drill: the newest backup fetched, restored into a scratch dir and checked (booted, when asked). */
  DRILL;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
