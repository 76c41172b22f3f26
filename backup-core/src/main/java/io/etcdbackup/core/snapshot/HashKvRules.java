package io.etcdbackup.core.snapshot;

/**
 * The HashKV rules of an etcd release. Releases differ in two places (etcd {@code mvcc/kvstore.go}
 * {@code HashByRev} in 3.4, {@code server/mvcc/hash.go} in 3.5, {@code server/storage/mvcc/hash.go}
 * in 3.6):
 *
 * <ul>
 *   <li>up to 3.4.26 and 3.5.9, a revision equal to the compaction revision is refused
 *       ({@code rev <= compactRev}); later releases refuse only older ones;</li>
 *   <li>from 3.4.34 and 3.5.16, a compaction keeps a tombstone that sits exactly at its revision
 *       where older releases deleted it, and HashKV skips such a tombstone so that old and new
 *       members agree.</li>
 * </ul>
 *
 * The second rule changes the hash only when a tombstone at the compaction revision is still in
 * the db and no key is alive at the hashed revision (etcd then hashes without its keep set);
 * verified against etcd 3.4.23 ({@link #COMPACT_REV_REFUSED}) and 3.5.30
 * ({@link #COMPACT_TOMBSTONE_SKIPPED}). Ask the member for its version and use
 * {@link #forEtcdVersion(String)}.
 */
public enum HashKvRules {
  /** etcd 3.0 to 3.4.26 and 3.5.0 to 3.5.9 (3.4.23 among them). */
  COMPACT_REV_REFUSED(true, false),
  /** etcd 3.4.27 to 3.4.33 and 3.5.10 to 3.5.15. */
  COMPACT_REV_ALLOWED(false, false),
  /** etcd 3.4.34 and later, 3.5.16 and later (3.5.30 among them), 3.6. */
  COMPACT_TOMBSTONE_SKIPPED(false, true);

  private final boolean refusesCompactRevision;
  private final boolean skipsTombstoneAtCompactRevision;

  HashKvRules(boolean refusesCompactRevision, boolean skipsTombstoneAtCompactRevision) {
    this.refusesCompactRevision = refusesCompactRevision;
    this.skipsTombstoneAtCompactRevision = skipsTombstoneAtCompactRevision;
  }

  /** Whether HashKV at exactly the compaction revision is refused as compacted. */
  public boolean refusesCompactRevision() {
    return refusesCompactRevision;
  }

  /** Whether a tombstone whose main revision is the compaction revision is left out of the hash. */
  public boolean skipsTombstoneAtCompactRevision() {
    return skipsTombstoneAtCompactRevision;
  }

  /**
   * The rules of an etcd release given as {@code 3.5.30}, {@code v3.4.23} or {@code 3.6.0-rc.1}
   * (what {@code Maintenance.Status} reports as {@code version}).
   *
   * @throws IllegalArgumentException if {@code version} is not {@code major.minor.patch}
   */
  public static HashKvRules forEtcdVersion(String version) {
    String v = version.startsWith("v") ? version.substring(1) : version;
    String[] parts = v.split("[.+-]");
    int major;
    int minor;
    int patch;
    try {
      major = Integer.parseInt(parts[0]);
      minor = Integer.parseInt(parts[1]);
      patch = Integer.parseInt(parts[2]);
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("etcd version (" + version + ") must look like 3.5.30", e);
    }
    if (major < 3 || (major == 3 && minor <= 3)) {
      return COMPACT_REV_REFUSED;
    }
    if (major > 3 || minor >= 6) {
      return COMPACT_TOMBSTONE_SKIPPED;
    }
    int allowedFrom = minor == 4 ? 27 : 10;
    int skippedFrom = minor == 4 ? 34 : 16;
    return patch < allowedFrom ? COMPACT_REV_REFUSED : patch < skippedFrom ? COMPACT_REV_ALLOWED : COMPACT_TOMBSTONE_SKIPPED;
  }
}
