package io.etcdbackup.core.snapshot;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run by SnapshotStatusIT in a child JVM with a small heap: checks a db, computes its status and
 * HashKV, copies it with the streaming writer and takes the copy's status, and prints them with
 * the peak heap and the peak RSS ({@code VmHWM}).
 */
public final class BoundedMemoryMain {
  private BoundedMemoryMain() {}

  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    SnapshotStatus s = SnapshotInspector.status(db);
    HashKvResult h = OfflineHashKv.compute(db, 0);
    SnapshotStatus copy = SnapshotInspector.status(RealEtcd.rewrite(db, Path.of(args[1])));
    long peakHeap = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peakHeap += pool.getPeakUsage().getUsed();
      }
    }
    String rss = Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("VmHWM:")).findFirst().orElse("VmHWM: ?").replaceAll("\\s+", " ");
    System.out.println("status " + s.hash() + " " + s.revision() + " " + s.totalKey() + " " + s.totalSize());
    System.out.println("copy " + copy.hash() + " " + copy.revision() + " " + copy.totalKey());
    System.out.println("hashkv " + h.hash() + " " + h.compactRevision() + " " + h.currentRevision());
    System.out.println("peakHeapBytes " + peakHeap);
    System.out.println(rss);
  }
}
