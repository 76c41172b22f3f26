import io.etcdbackup.core.snapshot.HashKvRules;
import io.etcdbackup.core.snapshot.OfflineHashKv;
import io.etcdbackup.core.snapshot.SnapshotFile;
import io.etcdbackup.core.snapshot.SnapshotInspector;
import io.etcdbackup.restore.DataDirWriter;
import io.etcdbackup.restore.RestoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Wall time of each step that {@code restore --from-file} and the backup's checks take, called one by
 * one through etcd-backup's own classes, for the analysis in docs/benchmarks.md:
 *
 * <pre>
 * java -cp cli/target/etcd-backup.jar bench/StepProbe.java SNAPSHOT.db SCRATCH_DIR
 * </pre>
 *
 * SNAPSHOT.db is a file from {@code etcdctl snapshot save} (with its SHA-256 trailer). Each step
 * runs twice; the second (warm JIT, file in the page cache) is printed.
 */
public final class StepProbe {
  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    Path scratch = Path.of(args[1]);
    long[] revision = new long[1];
    step("SnapshotFile.verifyTrailer (SHA-256 of the file)", () -> SnapshotFile.verifyTrailer(db));
    step("SnapshotInspector.status (bbolt check + status)", () -> revision[0] = SnapshotInspector.status(db).revision());
    step("OfflineHashKv.compute (at the file's revision)", () -> OfflineHashKv.compute(db, revision[0], HashKvRules.COMPACT_TOMBSTONE_SKIPPED));
    step("DataDirWriter.writeMember (rewrite, fsync, check)", () -> {
      Path dir = scratch.resolve("stepprobe.etcd");
      delete(dir);
      RestoreConfig cfg = RestoreConfig.builder().name("r").initialCluster("r=http://127.0.0.1:2380")
          .initialAdvertisePeerUrls("http://127.0.0.1:2380").dataDir(dir).build();
      Object member = DataDirWriter.writeMember(db, cfg);
      delete(dir);
      return member;
    });
  }

  static void step(String name, Callable<?> body) throws Exception {
    for (int i = 0; i < 2; i++) {
      long t0 = System.nanoTime();
      body.call();
      if (i == 1) {
        System.out.printf("%-52s %6.2f s%n", name, (System.nanoTime() - t0) / 1e9);
      }
    }
  }

  static void delete(Path dir) throws Exception {
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
