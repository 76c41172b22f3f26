package io.etcdbackup.core.backup;

import io.etcdbackup.core.store.Manifest;
import java.util.List;

/**
 * A committed backup: its manifest, the attempts that failed before it (one line each), and how
 * many leftovers of earlier interrupted runs were removed.
 */
public record BackupResult(Manifest manifest, List<String> failedAttempts, int leftoversRemoved) {
  public BackupResult {
    failedAttempts = List.copyOf(failedAttempts);
  }
}
