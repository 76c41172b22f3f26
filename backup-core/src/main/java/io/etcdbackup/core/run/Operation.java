package io.etcdbackup.core.run;

import java.util.Locale;

/** What a run does. */
public enum Operation {
  BACKUP, VERIFY, RESTORE, PRUNE;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
