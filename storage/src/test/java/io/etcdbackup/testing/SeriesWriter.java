package io.etcdbackup.testing;

import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.ManifestCodec;
import io.etcdbackup.core.store.ObjectUpload;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes backups with chosen times and revisions straight into a store, as a committed backup
 * looks there (a small data object, then its manifest), without etcd: retention and listing tests
 * need hundreds or thousands of them. Writes in parallel.
 */
public final class SeriesWriter {
  private final BackupStore store;
  private final int threads;

  public SeriesWriter(BackupStore store, int threads) {
    this.store = store;
    this.threads = threads;
  }

  /**
   * A backup of {@code cluster} started at {@code started} at {@code revision}, its checks passed.
   * Odd revisions get a v1 id (as older versions wrote), even ones a v2 id, so that every series a
   * test writes mixes both layouts, as a store does after an upgrade.
   */
  public static Manifest manifest(String cluster, Instant started, long revision, long storedSize) {
    BackupId id = revision % 2 == 1 ? BackupId.createV1(started, revision) : BackupId.create(started);
    return manifest(cluster, id.toString(), started, revision, storedSize, true, null);
  }

  public static Manifest manifest(String cluster, String id, Instant started, long revision, long storedSize,
      boolean passed, Manifest.Retention retention) {
    Manifest.Verification checks = passed
        ? new Manifest.Verification("ok", "ok", "ok", Manifest.HashKvCheck.notRequested())
        : new Manifest.Verification("ok", "failed", "ok", Manifest.HashKvCheck.notRequested());
    return new Manifest(Manifest.FORMAT_VERSION, id, cluster, "cdf818194e3a8c32", started, started.plusSeconds(2),
        new Manifest.Source("8e9e05c52164694d", "etcd-0", "https://10.0.0.1:2379", "3.5.30", true), revision, 7,
        revision + 3, 1000, 0xdeadbeefL, storedSize * 4, "00".repeat(32), Layout.objectName(".zst", false), storedSize,
        "11".repeat(32), new Manifest.Transforms("zstd", 1, "none", List.of()), new Manifest.Timings(10, 5, 20, 40),
        "0.1.0-test", checks, null, retention, null);
  }

  /** Writes each backup's data object (of its stored size, at most a few KiB here) and then its manifest. */
  public void write(List<Manifest> backups) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (Manifest m : backups) {
        done.add(pool.submit(() -> {
          put(m.objectKey(), new byte[(int) Math.min(m.storedSize(), 4096)]);
          put(m.manifestKey(), ManifestCodec.toJson(m));
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot write the series: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** Writes one object (a leftover's data, an unknown file) as it is. */
  public void put(String key, byte[] bytes) {
    try (ObjectUpload up = store.create(key)) {
      try (OutputStream out = up.stream()) {
        out.write(bytes);
      }
      up.commit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void put(String key, String text) {
    put(key, text.getBytes(StandardCharsets.UTF_8));
  }
}
