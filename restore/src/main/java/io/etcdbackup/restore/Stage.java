package io.etcdbackup.restore;

import io.etcdbackup.core.RefusedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * One directory written under a temporary name ({@code part}) and renamed to its final name
 * ({@code target}) once complete, so that the final name never holds a partial result. Paths
 * under {@code target} map to the same relative place under {@code part} while staging.
 *
 * <p>A stage only ever deletes what it created itself: {@link #create()} refuses a {@code part}
 * or {@code target} that already exists.
 */
final class Stage {
  private enum State { NEW, CREATED, COMMITTED, GONE }

  private final Path part;
  private final Path target;
  private final String what;
  private final boolean targetMayExist;
  private State state = State.NEW;

  /**
   * @param target absolute, normalised final path
   * @param what the flag it comes from, for messages ({@code --data-dir /x})
   * @param targetMayExist whether the target may exist while staging, because it is moved aside
   *     before the commit (which still refuses a target that exists)
   */
  Stage(Path part, Path target, String what, boolean targetMayExist) {
    this.part = part;
    this.target = target;
    this.what = what;
    this.targetMayExist = targetMayExist;
  }

  /** {@code <target>.part} beside the target. */
  static Stage beside(Path target, String what) {
    return new Stage(target.resolveSibling(target.getFileName() + ".part"), target, what, false);
  }

  /**
   * {@code <target>.part} beside a target that may exist now: {@code restore --force} moves it
   * aside, but only once every check has passed, just before the commit.
   */
  static Stage replacing(Path target, String what) {
    return new Stage(target.resolveSibling(target.getFileName() + ".part"), target, what, true);
  }

  Path target() {
    return target;
  }

  /** Where {@code finalPath} (at or under the target) lives while staging. */
  Path staged(Path finalPath) {
    if (!finalPath.startsWith(target)) {
      throw new IllegalArgumentException(finalPath + " is not under " + target);
    }
    return part.resolve(target.relativize(finalPath).toString());
  }

  boolean covers(Path finalPath) {
    return finalPath.startsWith(target);
  }

  /** Creates the parent directories if needed, then the staging directory (mode 0700). */
  void create() throws IOException {
    if (!targetMayExist && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new RefusedException(what + " exists already: a restore writes only to a path that does not exist yet");
    }
    if (Files.exists(part, LinkOption.NOFOLLOW_LINKS)) {
      throw new RefusedException(part + " exists: an earlier restore of " + what
          + " was interrupted, or one is running now; remove it if none is running");
    }
    Files.createDirectories(part.getParent());
    FileSync.createPrivateDir(part);
    state = State.CREATED;
  }

  /** Renames the staging directory to the target and makes the rename durable. */
  void commit() throws IOException {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new RefusedException(what + " appeared while the restore was writing it; nothing was replaced");
    }
    FileSync.fsyncDir(part);
    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
    state = State.COMMITTED;
    FileSync.fsyncDir(target.getParent());
  }

  /** Undoes this stage: deletes the staging directory, or moves a committed target back and deletes it. */
  void abort() throws IOException {
    if (state == State.COMMITTED) {
      Files.move(target, part, StandardCopyOption.ATOMIC_MOVE);
      state = State.CREATED;
      FileSync.fsyncDir(target.getParent());
    }
    if (state == State.CREATED) {
      FileSync.deleteTree(part);
      state = State.GONE;
    }
  }
}
