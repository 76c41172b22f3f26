package io.etcdbackup.restore;

import io.etcdbackup.core.run.DrillMode;
import io.etcdbackup.core.store.Manifest;
import java.time.Duration;
import java.util.Objects;

/**
 * A drill that passed: the backup, how it was checked, and the figures compared.
 *
 * @param manifest the drilled backup
 * @param mode boot (a throwaway etcd answered) or offline (the restored db was read)
 * @param expected what the backup promises: the manifest's revision; the live keys and HashKV at
 *     that revision of the downloaded db, whose SHA-256, size, status figures and (when recorded)
 *     HashKV were first checked against the manifest
 * @param observed what the booted etcd answered, or the restored db gave offline; equal to
 *     {@code expected}, or the drill would have failed
 * @param checkedBy {@code etcd <version>} for a boot drill, {@code offline} otherwise
 * @param elapsed start to end of the drill
 */
public record DrillResult(Manifest manifest, DrillMode mode, Figures expected, Figures observed, String checkedBy,
    Duration elapsed) {

  public DrillResult {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(observed, "observed");
  }

  /**
   * What a drill compares.
   *
   * @param revision the store's current revision
   * @param keys live keys over the whole keyspace (a count-only range from {@code "\0"} to the end)
   * @param hashKv HashKV at the backup's revision, unsigned 32-bit
   */
  public record Figures(long revision, long keys, long hashKv) {
    @Override
    public String toString() {
      return "rev=" + revision + " keys=" + keys + " hashkv=" + hashKv;
    }
  }
}
