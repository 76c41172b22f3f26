package io.etcdbackup.storage.local;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.NotFoundException;
import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.storage.ObjectKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Objects as files under a root directory, key {@code a/b/c} at {@code root/a/b/c}.
 *
 * <p>An upload writes {@code .<name>.tmp-<random>} beside its target; commit fsyncs it, renames it
 * into place (atomic on POSIX file systems, replacing an older object whole) and fsyncs the
 * directory so that the rename survives a crash. Files whose name starts with {@code .} are never
 * objects ({@link ObjectKeys} forbids such segments), so {@link #list} skips temporary files. A
 * temporary file that outlives its upload (the run was killed) is what {@link #incompleteUploads}
 * reports: the key of its target, its name as the upload id, its last write as the start.
 *
 * <p>Directories are created on demand (each fsynced into its parent) and removed again when a
 * delete or abort leaves them empty. Everything the store creates is private to its user, files
 * 0600 and directories 0700, as {@code etcdctl snapshot save} writes its file: an unencrypted
 * snapshot holds every Kubernetes Secret. A key cannot be both an object and the parent of another
 * ({@code a} and {@code a/b}), unlike on S3.
 */
public final class LocalDirectoryStore implements BackupStore {
  private static final Logger log = LoggerFactory.getLogger(LocalDirectoryStore.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** A concurrent delete may remove an empty directory between its creation and our use of it. */
  private static final int CREATE_ATTEMPTS = 5;
  /** {@code .<name>.tmp-<16 hex digits>}, as {@link #create} names an upload's temporary file. */
  private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  private static final Pattern TEMP_FILE = Pattern.compile("\\.(?<name>[^.].*)\\.tmp-[0-9a-f]{16}");

  /** Opens an upload's temporary file; tests pass one that injects write failures. */
  @FunctionalInterface
  interface TempFileOpener {
    TempFileOpener DEFAULT = path -> FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), privateFile(path));

    FileChannel open(Path tempFile) throws IOException;
  }

  private final Path root;
  private final String location;
  private final TempFileOpener opener;

  LocalDirectoryStore(Path root, TempFileOpener opener, boolean create) throws IOException {
    this.root = root.toAbsolutePath().normalize();
    this.opener = opener;
    String uri = this.root.toUri().toString();
    this.location = uri.endsWith("/") && uri.length() > "file:///".length() ? uri.substring(0, uri.length() - 1) : uri;
    if (Files.exists(this.root) && !Files.isDirectory(this.root)) {
      throw new InvalidInputException("backup store " + location + " is not a directory");
    }
    if (create) {
      refuseRootThroughAFile();
    } else if (!Files.isDirectory(this.root)) {
      // A mistyped --from must not be created and then answer "no backups" (issue 13, defect 5).
      throw new StoreException("backup store " + location + " does not exist (no such directory): check the path; "
          + "only a backup creates it", null);
    }
  }

  /**
   * A writer's root is created by its first upload or {@link #checkWritable} (so that a run that
   * fails before it writes, say on an unreachable etcd, leaves no directory behind); a path that
   * can never be a directory is refused now, before anything connects.
   */
  private void refuseRootThroughAFile() {
    for (Path d = root.getParent(); d != null && !Files.isDirectory(root); d = d.getParent()) {
      if (Files.isDirectory(d)) {
        return;
      }
      if (Files.exists(d)) {
        throw new InvalidInputException("backup store " + location + " cannot be created: " + d
            + " is a file, not a directory");
      }
    }
  }

  /**
   * A store rooted at {@code root}, created (0700, with missing parents) by the first upload or
   * {@link #checkWritable} if missing: for writers.
   */
  public static LocalDirectoryStore open(Path root) throws IOException {
    LocalDirectoryStore store = new LocalDirectoryStore(root, TempFileOpener.DEFAULT, true);
    log.debug("store={} opened", store.location);
    return store;
  }

  /** A store rooted at {@code root}, which must exist: for readers, which create nothing. */
  public static LocalDirectoryStore openExisting(Path root) throws IOException {
    LocalDirectoryStore store = new LocalDirectoryStore(root, TempFileOpener.DEFAULT, false);
    log.debug("store={} opened", store.location);
    return store;
  }

  /** {@code file:///absolute/path}, without a trailing slash. */
  @Override
  public String location() {
    return location;
  }

  Path root() {
    return root;
  }

  @Override
  public ObjectUpload create(String key) throws IOException {
    Path target = resolve(key);
    Path dir = target.getParent();
    for (int attempt = 1; ; attempt++) {
      Path temp = dir.resolve("." + target.getFileName() + ".tmp-" + randomHex()); // as TEMP_FILE matches
      try {
        ensureDirectory(dir);
        FileChannel channel = opener.open(temp);
        log.debug("store={} key={} upload started temp={}", location, key, temp.getFileName());
        return new LocalUpload(this, key, target, temp, channel);
      } catch (NoSuchFileException e) {
        if (attempt == CREATE_ATTEMPTS) {
          throw new IOException(describe(key) + ": cannot create temporary file " + temp + ": " + e.getMessage(), e);
        }
        // A delete pruned the directory after we created it: create it again.
      } catch (IOException e) {
        throw new IOException(describe(key) + ": cannot create temporary file " + temp + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public InputStream open(String key) throws IOException {
    Path path = resolve(key);
    try {
      if (!Files.readAttributes(path, BasicFileAttributes.class).isRegularFile()) {
        throw notFound(key);
      }
      return Files.newInputStream(path);
    } catch (NoSuchFileException e) {
      throw notFound(key);
    } catch (IOException e) {
      throw new IOException(describe(key) + ": cannot open: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<StoredObject> stat(String key) throws IOException {
    Path path = resolve(key);
    try {
      BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
      return attrs.isRegularFile()
          ? Optional.of(new StoredObject(key, attrs.size(), attrs.lastModifiedTime().toInstant()))
          : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new IOException(describe(key) + ": cannot stat: " + e.getMessage(), e);
    }
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    List<StoredObject> found = new ArrayList<>();
    walk(prefix, "list", (file, attrs) -> {
      if (!isHidden(file)) {
        String key = key(file);
        if (key.startsWith(prefix)) {
          found.add(new StoredObject(key, attrs.size(), attrs.lastModifiedTime().toInstant()));
        }
      }
    });
    return found;
  }

  /** {@inheritDoc} Temporary files of uploads whose target key starts with {@code prefix}. */
  @Override
  public List<IncompleteUpload> incompleteUploads(String prefix) throws IOException {
    List<IncompleteUpload> found = new ArrayList<>();
    walk(prefix, "list incomplete uploads under", (file, attrs) -> {
      Matcher temp = TEMP_FILE.matcher(file.getFileName().toString());
      if (temp.matches()) {
        String key = key(file.resolveSibling(temp.group("name")));
        if (key.startsWith(prefix)) {
          found.add(new IncompleteUpload(key, temp.group(), attrs.lastModifiedTime().toInstant()));
        }
      }
    });
    return found;
  }

  /**
   * {@inheritDoc} Deletes the temporary file, and the directories that leaves empty. Refuses an
   * upload id that is not a temporary file of the key: this never deletes anything else.
   */
  @Override
  public void abortIncomplete(IncompleteUpload upload) throws IOException {
    Path target = resolve(upload.key());
    Matcher temp = TEMP_FILE.matcher(upload.uploadId());
    if (!temp.matches() || !temp.group("name").equals(target.getFileName().toString())) {
      throw new InvalidInputException("upload id '" + upload.uploadId() + "' is not a temporary file of "
          + describe(upload.key()));
    }
    Path file = target.resolveSibling(upload.uploadId());
    try {
      if (Files.deleteIfExists(file)) {
        log.info("store={} key={} incomplete upload removed temp={} lastWritten={}", location, upload.key(),
            upload.uploadId(), upload.initiated());
      }
    } catch (IOException e) {
      throw new IOException(describe(upload.key()) + ": cannot remove incomplete upload " + file + ": "
          + e.getMessage(), e);
    }
    pruneEmptyDirectories(file.getParent());
  }

  /**
   * Calls {@code onFile} with every regular file, hidden or not, in the directories that may hold
   * keys starting with {@code prefix}: only the directory its complete segments name is walked, and
   * no hidden directory. A file deleted while we walk is passed over.
   */
  private void walk(String prefix, String operation, BiConsumer<Path, BasicFileAttributes> onFile) throws IOException {
    ObjectKeys.checkPrefix(location, prefix);
    String dirPart = prefix.substring(0, prefix.lastIndexOf('/') + 1);
    Path start = dirPart.isEmpty() ? root : root.resolve(dirPart);
    if (!Files.isDirectory(start)) {
      return;
    }
    try {
      Files.walkFileTree(start, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (dir.equals(start)) {
            return FileVisitResult.CONTINUE;
          }
          String rel = key(dir) + "/";
          boolean mayMatch = rel.startsWith(prefix) || prefix.startsWith(rel);
          return mayMatch && !isHidden(dir) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile()) {
            onFile.accept(file, attrs);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE; // deleted while we walked: not listed, which is right
          }
          throw e;
        }
      });
    } catch (IOException e) {
      throw new IOException(location + ": cannot " + operation + " prefix '" + prefix + "': " + e.getMessage(), e);
    }
  }

  /**
   * {@inheritDoc} Creates the root if missing and writes and removes a hidden probe file in it
   * (hidden: never an object, never listed), as the upload would open its temporary file.
   */
  @Override
  public void checkWritable(String prefix) throws IOException {
    ObjectKeys.checkPrefix(location, prefix);
    Path probe = root.resolve(".probe-" + randomHex());
    try {
      ensureDirectory(root);
      opener.open(probe).close();
    } catch (AccessDeniedException e) {
      throw new IOException(location + " is not writable: permission denied on " + e.getFile(), e);
    } catch (FileSystemException e) {
      throw new IOException(location + " is not writable: " + (e.getReason() != null ? e.getReason()
          : e.getClass().getSimpleName()) + " (" + e.getFile() + ")", e);
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    Path path = resolve(key);
    try {
      if (Files.isDirectory(path)) {
        return; // a directory is not an object: there is nothing under this key
      }
      if (Files.deleteIfExists(path)) {
        fsyncDirectory(path.getParent());
        log.info("store={} key={} deleted", location, key);
        pruneEmptyDirectories(path.getParent());
      }
    } catch (IOException e) {
      throw new IOException(describe(key) + ": cannot delete: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    // Nothing held open: every upload and stream owns its own file handle.
  }

  @Override
  public String toString() {
    return "LocalDirectoryStore[" + location + "]";
  }

  String describe(String key) {
    return location + "/" + key;
  }

  private NotFoundException notFound(String key) {
    return new NotFoundException("no object " + describe(key) + " (key '" + key + "')");
  }

  private Path resolve(String key) {
    ObjectKeys.check(location, key);
    Path path = root.resolve(key).normalize();
    if (!path.startsWith(root) || path.equals(root)) {
      // ObjectKeys already rules this out; kept because escaping the root would be a security bug.
      throw new InvalidInputException("object key '" + key + "' in " + location + " leaves the store");
    }
    return path;
  }

  private String key(Path path) {
    return root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
  }

  private static boolean isHidden(Path path) {
    return path.getFileName().toString().startsWith(".");
  }

  /** Creates {@code dir} and missing parents, fsyncing each new entry into its parent. */
  private void ensureDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (!dir.startsWith(root) || dir.equals(root)) {
      Files.createDirectories(dir, privateDirectory(dir)); // the root itself vanished: recreate it
      return;
    }
    ensureDirectory(dir.getParent());
    try {
      Files.createDirectory(dir, privateDirectory(dir));
    } catch (FileAlreadyExistsException e) {
      if (Files.isDirectory(dir)) {
        return; // a concurrent upload created it
      }
      throw new IOException(location + ": cannot create directory " + dir + ": an object has its name", e);
    }
    fsyncDirectory(dir.getParent());
  }

  /** Removes {@code dir} and its parents below the root while they are empty. */
  void pruneEmptyDirectories(Path dir) {
    for (Path d = dir; d != null && d.startsWith(root) && !d.equals(root); d = d.getParent()) {
      try {
        Files.delete(d);
      } catch (DirectoryNotEmptyException e) {
        return;
      } catch (NoSuchFileException e) {
        // already gone: carry on with the parent
      } catch (IOException e) {
        log.debug("store={} cannot remove empty directory {}: {}", location, d, e.toString());
        return;
      }
    }
  }

  /** Makes a new, renamed or deleted entry of {@code dir} durable (POSIX: fsync the directory). */
  static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** rw------- where the file system has POSIX permissions (the umask only takes bits away). */
  static FileAttribute<?>[] privateFile(Path path) {
    return posix(path) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_MODE)} : new FileAttribute<?>[0];
  }

  /** rwx------ where the file system has POSIX permissions. */
  static FileAttribute<?>[] privateDirectory(Path path) {
    return posix(path) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIR_MODE)} : new FileAttribute<?>[0];
  }

  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static String randomHex() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
