package io.etcdbackup.core.store;

import io.etcdbackup.core.InvalidInputException;
import java.time.Instant;

/** Which backup of a series to use: the latest, one id, the newest at/before a time or at/below a revision. */
public sealed interface BackupSelector {
  record Latest() implements BackupSelector {
    @Override public String toString() { return "latest"; }
  }

  record ById(String id) implements BackupSelector {
    @Override public String toString() { return id; }
  }

  record AsOf(Instant time) implements BackupSelector {
    @Override public String toString() { return "the newest backup at or before " + time; }
  }

  record AtOrBelowRevision(long revision) implements BackupSelector {
    @Override public String toString() { return "the newest backup at or below revision " + revision; }
  }

  static BackupSelector latest() {
    return new Latest();
  }

  /**
   * {@code latest} (also when nothing is given) or an id. An empty or blank id is refused, not
   * taken as latest: {@code restore "$ID"} with an unset variable must not pick a backup.
   */
  static BackupSelector parse(String s) {
    if (s == null || s.equals("latest")) {
      return new Latest();
    }
    if (s.isBlank()) {
      throw new InvalidInputException("the backup id is empty: give an id `etcd-backup list` shows, or latest");
    }
    BackupId.parse(s);
    return new ById(s);
  }
}
