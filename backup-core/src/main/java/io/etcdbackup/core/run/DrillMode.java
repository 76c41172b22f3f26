package io.etcdbackup.core.run;

import java.util.Locale;

/** How a restore drill checks the restored data dir: the {@code mode} metric label. */
public enum DrillMode {
  /** A throwaway etcd is started on the restored data dir and asked for its figures. */
  BOOT,
  /** No etcd binary is configured: the restored db file is read instead. */
  OFFLINE;

  /** The metric label value and the word in logs and JSON: {@code boot}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
