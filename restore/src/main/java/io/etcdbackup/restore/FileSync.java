package io.etcdbackup.restore;

import io.etcdbackup.core.stream.BackgroundSync;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** Durable file-system steps: private modes, writes that reach the disk, directory fsync. */
final class FileSync {
  /** etcd's {@code fileutil.PrivateDirMode}: a data dir other than 0700 makes etcd 3.5 warn. */
  static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  /** etcd's {@code fileutil.PrivateFileMode}, used for the db and the WAL. */
  static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
  private static final long COPY_STEP = BackgroundSync.DEFAULT_EVERY;

  private FileSync() {}

  static FileAttribute<Set<PosixFilePermission>> dirMode() {
    return PosixFilePermissions.asFileAttribute(DIR_MODE);
  }

  /** Creates {@code dir} (which must not exist) with mode 0700. */
  static void createPrivateDir(Path dir) throws IOException {
    Files.createDirectory(dir, dirMode());
  }

  /**
   * Writes a new file (mode 0600) and forces it to disk; {@code sparseLength > content.length}
   * extends it with a sparse zero tail.
   */
  static void writeNewFile(Path file, byte[] content, long sparseLength) throws IOException {
    try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(FILE_MODE))) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      if (sparseLength > content.length) {
        // One zero byte at the end makes the file that long without allocating the gap.
        ch.write(ByteBuffer.wrap(new byte[1]), sparseLength - 1);
      }
      ch.force(true);
    }
  }

  /**
   * Copies {@code source} to a new file (mode 0600) and forces it to disk. The copy goes in 64 MiB
   * steps, each step's data forced to disk on a helper thread while the next is copied: Linux
   * would otherwise hold the whole file in the page cache and write it only at the final fsync,
   * which then takes as long as the disk needs for all of it (1 GiB: 2 s on the benchmark
   * machine, after a copy of 0.5 s).
   */
  static void copyNewFile(Path source, Path target) throws IOException {
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(target, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(FILE_MODE));
        BackgroundSync sync = new BackgroundSync(out, COPY_STEP, target.toString())) {
      long size = in.size();
      long pos = 0;
      while (pos < size) {
        long n = in.transferTo(pos, Math.min(COPY_STEP, size - pos), out);
        pos += n;
        sync.written(n);
      }
      sync.await();
      out.force(true);
    }
  }

  /** Forces an existing file's content to disk. */
  static void fsyncFile(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Forces a directory's entries to disk, so that files created or renamed in it survive a crash. */
  static void fsyncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  static boolean isEmptyDir(Path dir) throws IOException {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    }
  }

  /** Deletes a tree this process created; symbolic links are removed, never followed. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> s = Files.walk(root)) {
      paths = s.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }
}
