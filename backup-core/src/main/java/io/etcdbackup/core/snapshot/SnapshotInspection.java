package io.etcdbackup.core.snapshot;

/**
 * What {@link SnapshotInspector#inspect} found in one pass over a db file that passed the check:
 * its status and HashKV at the requested revision.
 */
public final class SnapshotInspection {
  private final SnapshotStatus status;
  private final HashKvResult hashKv;
  private final RevisionUnavailableException hashKvUnavailable;
  private final int hashKvPasses;

  SnapshotInspection(SnapshotStatus status, HashKvResult hashKv, RevisionUnavailableException hashKvUnavailable,
      int hashKvPasses) {
    this.status = status;
    this.hashKv = hashKv;
    this.hashKvUnavailable = hashKvUnavailable;
    this.hashKvPasses = hashKvPasses;
  }

  /** What {@link SnapshotInspector#status} reports. */
  public SnapshotStatus status() {
    return status;
  }

  /**
   * What {@link OfflineHashKv#compute(java.nio.file.Path, long, HashKvRules)} computes.
   *
   * @throws RevisionUnavailableException as {@code compute} would, if the revision is compacted or
   *     in the future (the status is valid all the same)
   */
  public HashKvResult hashKv() {
    if (hashKvUnavailable != null) {
      throw hashKvUnavailable;
    }
    return hashKv;
  }

  /** Passes over bucket {@code key} the HashKV took: 1 is the check's own, 2 when a pending compaction needed one more. */
  int hashKvPasses() {
    return hashKvPasses;
  }

  @Override
  public String toString() {
    return "SnapshotInspection[" + status + ", " + (hashKvUnavailable != null ? hashKvUnavailable.getMessage() : hashKv)
        + "]";
  }
}
