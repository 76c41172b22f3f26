package io.etcdbackup.core.stream;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The names, the ownership and the clean-up of spool files, so that a run killed with SIGKILL
 * (nothing of it runs: no finally, no shutdown hook) does not leave up to twice the db size on
 * the disk for good.
 *
 * <p>A spool {@code etcd-backup-<kind>-<digits>.spool} has an owner file beside it, the same name
 * with {@code .lock} appended, on which its owner holds an exclusive {@link FileLock} for as long
 * as the spool lives. The kernel drops such a lock when its process dies, however it dies, so a
 * lock that can be taken means a dead owner, and only then are the two files removed.
 *
 * <p>Why a separate owner file rather than a lock on the spool itself: POSIX record locks belong
 * to the process and the file, and closing <em>any</em> descriptor of that file in the process
 * drops them all (see {@link FileLock}: "closing a channel releases all locks held by the Java
 * virtual machine on the underlying file"). The checks read the spool by its path (bbolt status,
 * the restore's rewrite), and each of those closes would silently end the protection. Nothing but
 * this class ever opens an owner file.
 *
 * <p>The same holds inside this JVM for the sweep itself: opening a live owner file and closing it
 * again would drop its owner's lock. Hence the registry of this JVM's live spools, consulted under
 * one monitor before a sweep opens anything, and the order of creation: owner file, lock, spool;
 * of removal: spool, owner file, unlock. While an owner holds its lock both files exist.
 */
final class SpoolFiles {
  private static final Logger LOG = LoggerFactory.getLogger(SpoolFiles.class);

  static final String PREFIX = "etcd-backup-";
  static final String SUFFIX = ".spool";
  static final String OWNER_SUFFIX = ".lock";
  /** What {@link Files#createTempFile} makes of our prefix and suffix: its random part is decimal. */
  private static final Pattern SPOOL_NAME = Pattern.compile("etcd-backup-[a-z]+-[0-9]+\\.spool");
  private static final Pattern KIND = Pattern.compile("[a-z]+");
  private static final int CLAIM_TRIES = 5;

  /** Guards {@link #LIVE} and every open of an owner file in this JVM. */
  private static final Object MONITOR = new Object();
  /** The spools this JVM owns, by absolute path: a sweep never opens their owner files. */
  private static final Set<Path> LIVE = new HashSet<>();

  private SpoolFiles() {}

  /** A spool file of this process: its lock held until {@link #close()}, which deletes both files. */
  static final class Owner implements Closeable {
    private final Path spool;
    private final Path ownerFile;
    private final FileChannel channel;
    private boolean closed;

    private Owner(Path spool, Path ownerFile, FileChannel channel) {
      this.spool = spool;
      this.ownerFile = ownerFile;
      this.channel = channel;
    }

    Path spool() {
      return spool;
    }

    /** Deletes the spool, then the owner file, then lets go of the lock. Idempotent. */
    @Override
    public void close() throws IOException {
      synchronized (MONITOR) {
        if (closed) {
          return;
        }
        closed = true;
      }
      try {
        Files.deleteIfExists(spool);
        Files.deleteIfExists(ownerFile);
      } finally {
        try {
          channel.close(); // releases the lock
        } finally {
          synchronized (MONITOR) {
            LIVE.remove(spool);
          }
        }
      }
    }
  }

  /**
   * A new empty spool {@code etcd-backup-<kind>-<digits>.spool} in {@code dir}, owned by this
   * process. The directory is created, 0700, if missing; both files are 0600.
   */
  static Owner claim(Path dir, String kind) throws IOException {
    if (!KIND.matcher(kind).matches()) {
      throw new IllegalArgumentException("spool kind " + kind + " must be lower-case letters");
    }
    createPrivateDirectories(dir);
    synchronized (MONITOR) {
      for (int i = 0; i < CLAIM_TRIES; i++) {
        // createTempFile: a new name (CREATE_NEW), 0600 on POSIX file systems.
        Path ownerFile = Files.createTempFile(dir, PREFIX + kind + "-", SUFFIX + OWNER_SUFFIX).toAbsolutePath();
        FileChannel channel = FileChannel.open(ownerFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        boolean ok = false;
        try {
          // Between its creation and this lock, another process's sweep may have taken the file
          // for a dead run's (it holds the lock: null) or removed it (gone): take a new name.
          if (tryLock(channel).isPresent() && Files.exists(ownerFile, LinkOption.NOFOLLOW_LINKS)) {
            Path spool = ownerFile.resolveSibling(spoolName(ownerFile));
            Files.createFile(spool, privateFile(dir));
            LIVE.add(spool);
            ok = true;
            return new Owner(spool, ownerFile, channel);
          }
        } finally {
          if (!ok) {
            channel.close();
          }
        }
      }
    }
    throw new IOException("cannot claim a spool file in " + dir + ": its owner file was taken " + CLAIM_TRIES
        + " times by another process's clean-up");
  }

  /**
   * Removes the spools in {@code dir} whose owner is dead, with their owner files, and owner files
   * left alone; logs each file removed. Touches nothing else: only regular files with our names
   * (never a symbolic link, never a directory, never another name), never a spool whose owner is
   * alive, in this process or another. A spool without an owner file (left by a version before
   * owner files) counts as dead. Failures are logged, never thrown: the clean-up must not fail the
   * run that does it.
   *
   * @return the files removed
   */
  static List<Path> removeDead(Path dir) {
    List<Path> removed = new ArrayList<>();
    for (String name : spoolNames(dir)) {
      Path spool = dir.resolve(name).toAbsolutePath();
      try {
        removeIfDead(spool, removed);
      } catch (IOException e) {
        LOG.warn("spool leftover not removed path={}: {}", spool, e.toString());
      }
    }
    return removed;
  }

  /** The spool names in {@code dir}, also those only an owner file is left of. */
  private static Set<String> spoolNames(Path dir) {
    Set<String> names = new TreeSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        String spool = name.endsWith(OWNER_SUFFIX) ? name.substring(0, name.length() - OWNER_SUFFIX.length()) : name;
        if (SPOOL_NAME.matcher(spool).matches()) {
          names.add(spool);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      // nothing spooled here yet
    } catch (IOException e) {
      LOG.warn("spool leftovers not listed dir={}: {}", dir, e.toString());
    }
    return names;
  }

  private static void removeIfDead(Path spool, List<Path> removed) throws IOException {
    Path ownerFile = spool.resolveSibling(spool.getFileName() + OWNER_SUFFIX);
    FileChannel channel = null;
    synchronized (MONITOR) {
      if (LIVE.contains(spool)) {
        return; // ours: opening its owner file and closing it again would drop the lock
      }
      if (isRegularFile(ownerFile)) {
        try {
          channel = FileChannel.open(ownerFile, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
          // its owner just removed it, after the spool
        }
        boolean dead = false;
        try {
          dead = channel == null || tryLock(channel).isPresent();
        } finally {
          if (!dead) {
            // Held by another live process (this JVM's spools are in LIVE): our close leaves it be.
            channel.close();
          }
        }
        if (!dead) {
          return;
        }
      } else if (Files.exists(ownerFile, LinkOption.NOFOLLOW_LINKS)) {
        return; // a link or a directory by our name: not ours to judge
      }
    }
    // The lock is ours now (or there is no owner file): no one else may remove or use these files.
    try {
      delete(spool, removed);
      if (channel != null) {
        delete(ownerFile, removed);
      }
    } finally {
      if (channel != null) {
        channel.close();
      }
    }
  }

  /** Deletes {@code p} if it is a regular file (never through a link), logging its size. */
  private static void delete(Path p, List<Path> removed) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (!a.isRegularFile()) {
      return;
    }
    // A name replaced by a link since: delete removes the link itself, never what it points to.
    if (Files.deleteIfExists(p)) {
      removed.add(p);
      LOG.info("spool leftover removed path={} size={}", p, a.size());
    }
  }

  private static boolean isRegularFile(Path p) {
    return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * The exclusive lock, or empty if someone holds it: another process (null), or this JVM through
   * another channel ({@link OverlappingFileLockException}), which is alive by definition.
   */
  private static Optional<FileLock> tryLock(FileChannel channel) throws IOException {
    try {
      return Optional.ofNullable(channel.tryLock());
    } catch (OverlappingFileLockException e) {
      return Optional.empty();
    }
  }

  private static String spoolName(Path ownerFile) {
    String name = ownerFile.getFileName().toString();
    return name.substring(0, name.length() - OWNER_SUFFIX.length());
  }

  /** {@code dir} and its missing parents, created 0700 (spools hold the whole keyspace, secrets included). */
  static void createPrivateDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (posix(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
  }

  private static FileAttribute<?>[] privateFile(Path dir) {
    return posix(dir)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
