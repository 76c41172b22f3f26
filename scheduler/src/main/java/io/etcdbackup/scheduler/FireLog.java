package io.etcdbackup.scheduler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Optional;

/**
 * The last finished fire of each job, one small file per job under {@code --state-dir}: what lets a
 * fire missed while the daemon was down run once at start. Quartz' RAMJobStore forgets everything
 * on exit, and a backup job cannot ask the store instead (a verify job has no such trace), so the
 * daemon keeps this itself. A file holds one ISO-8601 instant: the scheduled time of the last fire
 * that ran to an end other than cancellation; it is replaced atomically (write, fsync, rename).
 */
final class FireLog {
  private final Optional<Path> dir;

  private FireLog(Optional<Path> dir) {
    this.dir = dir;
  }

  /** Without a directory: no catch-up, and nothing is written. */
  static FireLog none() {
    return new FireLog(Optional.empty());
  }

  static FireLog in(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new io.etcdbackup.core.InvalidInputException("--state-dir (" + dir + ") cannot be created: " + e.getMessage(), e);
    }
    return new FireLog(Optional.of(dir));
  }

  /** The last recorded fire of {@code job}; empty when none (or unreadable: a first start, then). */
  Optional<Instant> last(String job) {
    if (dir.isEmpty()) {
      return Optional.empty();
    }
    Path f = dir.get().resolve(job + ".last-fire");
    try {
      return Optional.of(Instant.parse(Files.readString(f, StandardCharsets.UTF_8).trim()));
    } catch (IOException | DateTimeException e) {
      return Optional.empty();
    }
  }

  void record(String job, Instant fire) {
    if (dir.isEmpty()) {
      return;
    }
    Path f = dir.get().resolve(job + ".last-fire");
    Path tmp = dir.get().resolve(job + ".last-fire.tmp");
    try {
      Files.writeString(tmp, fire + "\n", StandardCharsets.UTF_8);
      try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        c.force(true);
      }
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record the last fire of job " + job + " in " + f + ": " + e.getMessage(), e);
    }
  }
}
