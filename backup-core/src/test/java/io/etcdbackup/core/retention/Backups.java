package io.etcdbackup.core.retention;

import io.etcdbackup.core.store.Manifest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Manifests for planner tests: only what the planner reads is filled in (id, series, times,
 * revision, stored size, checks); the rest is a plausible constant.
 */
final class Backups {
  static final String CLUSTER = "prod";

  private static final Manifest.Verification PASSED =
      new Manifest.Verification("ok", "ok", "ok", Manifest.HashKvCheck.notRequested());
  private static final Manifest.Verification FAILED =
      new Manifest.Verification("ok", "failed: page 12 is referenced twice", "ok", Manifest.HashKvCheck.notRequested());

  private Backups() {}

  /** A backup that passed its checks, committed a second after it started. */
  static Manifest backup(String id, Instant startedAt, long revision, long storedSize) {
    return backup(id, startedAt, startedAt.plusSeconds(1), revision, storedSize, true);
  }

  static Manifest backup(String id, Instant startedAt, Instant completedAt, long revision, long storedSize,
      boolean passed) {
    return new Manifest(Manifest.FORMAT_VERSION, id, CLUSTER, "cdf818194e3a8c32", startedAt, completedAt,
        new Manifest.Source("8e9e05c52164694d", "etcd-0", "https://10.0.0.1:2379", "3.5.30", true), revision, 7,
        revision + 3, 1000, 0xdeadbeefL, storedSize * 4, "00".repeat(32), "snapshot.db.zst", storedSize, "11".repeat(32),
        new Manifest.Transforms("zstd", 3, "none", List.of()), new Manifest.Timings(10, 5, 20, 40), "0.1.0",
        passed ? PASSED : FAILED, null, null, null);
  }

  /** The same backup with its checks failed (a manifest from an older writer that committed anyway). */
  static Manifest failed(Manifest m) {
    return backup(m.id(), m.startedAt(), m.completedAt(), m.revision(), m.storedSize(), false);
  }

  /** The same backup under another id. */
  static Manifest renamed(Manifest m, String id) {
    return backup(id, m.startedAt(), m.completedAt(), m.revision(), m.storedSize(), RetentionPlanner.checksPassed(m));
  }

  /** The same backup with another size. */
  static Manifest sized(Manifest m, long storedSize) {
    return backup(m.id(), m.startedAt(), m.completedAt(), m.revision(), storedSize,
        RetentionPlanner.checksPassed(m));
  }

  /**
   * A series from start times in ISO form (with an offset: {@code Z} or {@code -05:00}), oldest
   * first as written; revisions rise by 10 from
   * 1000, sizes are 100 bytes, every backup passed its checks, and each id is its start time (the
   * tests name backups by it).
   */
  static List<Manifest> series(String... startedAt) {
    List<Manifest> out = new ArrayList<>();
    long revision = 1000;
    for (String t : startedAt) {
      out.add(backup(t, OffsetDateTime.parse(t).toInstant(), revision, 100));
      revision += 10;
    }
    return out;
  }
}
