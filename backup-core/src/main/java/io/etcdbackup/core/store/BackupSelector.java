package io.etcdbackup.core.store;

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

  /** {@code latest} or an id. */
  static BackupSelector parse(String s) {
    return s == null || s.isBlank() || s.equals("latest") ? new Latest() : new ById(s);
  }
}
