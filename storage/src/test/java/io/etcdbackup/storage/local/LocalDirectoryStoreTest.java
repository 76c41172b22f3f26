package io.etcdbackup.storage.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.storage.BackupStoreContract;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.storage.StoreOptions;
import io.etcdbackup.testing.FaultyFileChannel;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDirectoryStoreTest extends BackupStoreContract {
  private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

  @TempDir
  Path tempDir;

  private Path root;

  @Override
  protected BackupStore newStore() throws IOException {
    root = tempDir.resolve("store-" + UUID.randomUUID());
    return LocalDirectoryStore.open(root);
  }

  @Override
  protected int partSize() {
    // Not a storage unit here; large enough to cross the upload's 256 KiB write buffer several times.
    return 1024 * 1024 + 17;
  }

  @Override
  protected BackupStore newStoreFailingMidUpload() throws IOException {
    return new LocalDirectoryStore(tempDir.resolve("faulty-" + UUID.randomUUID()),
        path -> FaultyFileChannel.fullAfter(
            FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), partSize()), true);
  }

  @Override
  protected void assertNoPartialUploads(BackupStore store) throws IOException {
    Path storeRoot = ((LocalDirectoryStore) store).root();
    try (Stream<Path> files = Files.walk(storeRoot)) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith(".")).toList())
          .as("temporary files under %s", storeRoot).isEmpty();
    }
  }

  @Test
  void objectsArePlainFilesUnderTheRoot() throws IOException {
    byte[] data = data(5000, 1);
    write("v1/cluster/id/snapshot.db", data);

    assertThat(Files.readAllBytes(root.resolve("v1/cluster/id/snapshot.db"))).isEqualTo(data);
  }

  @Test
  void anUploadWritesAHiddenTemporaryFileBesideItsTarget() throws IOException {
    try (ObjectUpload upload = store.create("dir/obj")) {
      upload.stream().write(data(600_000, 2)); // more than the write buffer, so bytes reach the file
      try (Stream<Path> files = Files.list(root.resolve("dir"))) {
        List<String> names = files.map(p -> p.getFileName().toString()).toList();
        assertThat(names).singleElement().asString().startsWith(".obj.tmp-");
      }
      assertThat(store.list("")).isEmpty();
      upload.commit();
    }
    try (Stream<Path> files = Files.list(root.resolve("dir"))) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("obj");
    }
  }

  /** 200 MiB through an upload whose channel counts its syncs: some ran before the commit's own. */
  @Test
  void aLargeObjectIsWrittenBackWhileItGrowsAndStillCommitsWhole() throws IOException {
    FaultyFileChannel[] channel = new FaultyFileChannel[1];
    Path dir = tempDir.resolve("synced-" + UUID.randomUUID());
    LocalDirectoryStore synced = new LocalDirectoryStore(dir, path -> channel[0] = FaultyFileChannel.syncsFailAfter(
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), Integer.MAX_VALUE), true);
    byte[] chunk = data(1 << 20, 7);
    try (ObjectUpload upload = synced.create("v2/c/full/id/snapshot.db")) {
      for (int i = 0; i < 200; i++) {
        upload.stream().write(chunk);
      }
      assertThat(channel[0].syncs()).as("syncs before the commit").isGreaterThanOrEqualTo(1);
      upload.commit();
    }
    assertThat(Files.size(dir.resolve("v2/c/full/id/snapshot.db"))).isEqualTo(200L << 20);
    assertThat(syncThreads()).as("no sync thread outlives its upload").isEmpty();
  }

  /** A sync that fails on the helper thread fails the upload at its next write, and nothing stays. */
  @Test
  void aFailedBackgroundSyncFailsTheUploadAndLeavesNoFile() throws IOException {
    Path dir = tempDir.resolve("sync-fails-" + UUID.randomUUID());
    LocalDirectoryStore failing = new LocalDirectoryStore(dir, path -> FaultyFileChannel.syncsFailAfter(
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 0), true);
    byte[] chunk = data(1 << 20, 8);
    ObjectUpload upload = failing.create("v2/c/full/id/snapshot.db");
    assertThatThrownBy(() -> {
      for (int i = 0; i < 400; i++) {
        upload.stream().write(chunk);
      }
      upload.commit();
    }).isInstanceOf(IOException.class).hasMessageContaining("background sync failed");
    upload.close();
    assertThat(failing.list("")).isEmpty();
    assertNoPartialUploads(failing);
    assertThat(syncThreads()).isEmpty();
  }

  private static List<String> syncThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("sync v2/c/full/id/")).toList();
  }

  @Test
  void listSkipsForeignHiddenFiles() throws IOException {
    write("x/a", data(1, 3));
    Files.writeString(root.resolve("x/.DS_Store"), "junk");
    Files.writeString(root.resolve(".other.tmp-123"), "junk");

    assertThat(store.list("")).extracting(o -> o.key()).containsExactly("x/a");
  }

  @Test
  void deleteAndAbortRemoveDirectoriesTheyLeaveEmpty() throws IOException {
    write("v1/c/backup-1/manifest.json", data(10, 4));
    write("v1/c/backup-2/manifest.json", data(10, 5));
    ObjectUpload aborted = store.create("v1/c/backup-3/snapshot.db");
    aborted.stream().write(data(10, 6));
    aborted.abort();

    store.delete("v1/c/backup-1/manifest.json");

    assertThat(root.resolve("v1/c/backup-1")).doesNotExist();
    assertThat(root.resolve("v1/c/backup-3")).doesNotExist();
    assertThat(root.resolve("v1/c/backup-2/manifest.json")).exists();

    store.delete("v1/c/backup-2/manifest.json");
    assertThat(root.resolve("v1")).doesNotExist();
    assertThat(root).isDirectory();
  }

  @Test
  void theTemporaryFileOfAKilledRunIsAnIncompleteUploadOfItsTarget() throws IOException {
    Files.createDirectories(root.resolve("v1/c/b1"));
    Path temp = Files.writeString(root.resolve("v1/c/b1/.snapshot.db.tmp-0123456789abcdef"), "partial");
    Instant written = Instant.parse("2024-05-06T07:08:09Z");
    Files.setLastModifiedTime(temp, FileTime.from(written));
    // Hidden files that are no upload of ours.
    Files.writeString(root.resolve("v1/c/b1/.DS_Store"), "junk");
    Files.writeString(root.resolve("v1/c/b1/.snapshot.db.tmp-xyz"), "junk");
    Files.writeString(root.resolve("v1/c/.tmp-0123456789abcdef"), "junk");

    assertThat(store.incompleteUploads("v1/")).containsExactly(
        new IncompleteUpload("v1/c/b1/snapshot.db", ".snapshot.db.tmp-0123456789abcdef", written));
    assertThat(store.list("")).isEmpty();

    store.abortIncomplete(store.incompleteUploads("").get(0));

    assertThat(temp).doesNotExist();
    assertThat(root.resolve("v1/c/b1/.DS_Store")).exists();
    assertThat(store.incompleteUploads("")).isEmpty();
  }

  @Test
  void abortIncompleteRemovesTheDirectoriesItLeavesEmpty() throws IOException {
    write("v1/c/kept", data(1, 9));
    ObjectUpload upload = store.create("v1/c/b2/x/snapshot.db");
    IncompleteUpload incomplete = store.incompleteUploads("v1/c/b2/").get(0);

    store.abortIncomplete(incomplete);
    upload.close();

    assertThat(root.resolve("v1/c/b2")).doesNotExist();
    assertThat(root.resolve("v1/c/kept")).exists();
  }

  @Test
  void abortIncompleteDeletesNothingButATemporaryFileOfTheKey() throws IOException {
    write("v1/a", data(1, 10));
    write("v1/b", data(1, 11));
    Instant now = Instant.now();
    for (String forged : List.of("b", "../b", ".b.tmp-0123456789abcdef", ".a.tmp-0123456789abcdef/../b",
        ".a.tmp-0123456789ABCDEF")) {
      assertThatThrownBy(() -> store.abortIncomplete(new IncompleteUpload("v1/a", forged, now)))
          .as(forged).isInstanceOf(InvalidInputException.class).hasMessageContaining("v1/a");
    }
    assertThatThrownBy(() -> store.abortIncomplete(new IncompleteUpload("../a", ".a.tmp-0123456789abcdef", now)))
        .isInstanceOf(InvalidInputException.class);
    assertThat(store.list("")).extracting(o -> o.key()).containsExactlyInAnyOrder("v1/a", "v1/b");
  }

  @Test
  void aKeyBelowAnObjectFailsWithItsName() throws IOException {
    write("file", data(1, 7));

    assertThatThrownBy(() -> store.create("file/child"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(store.location())
        .hasMessageContaining("file/child");
  }

  @Test
  void locationIsAFileUriThatOpensTheSameStore() throws IOException {
    assertThat(store.location()).startsWith("file:///").doesNotEndWith("/");
    write("k", data(3, 8));

    try (BackupStore again = BackupStores.open(store.location(), StoreOptions.defaults())) {
      assertThat(again.location()).isEqualTo(store.location());
      assertThat(again.stat("k")).isPresent();
    }
  }

  @Test
  void aRootThatIsAFileIsRefused() throws IOException {
    Path file = Files.writeString(tempDir.resolve("not-a-dir"), "x");

    assertThatThrownBy(() -> LocalDirectoryStore.open(file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("not-a-dir")
        .hasMessageContaining("not a directory");
  }

  /** Issue 13, defect 2: objects were 0644 in 0755 directories, an unencrypted snapshot readable by any local user. */
  @Test
  void everyFileIsPrivateToItsUserAndEveryDirectoryToo() throws IOException {
    Path fresh = tempDir.resolve("fresh/store");
    try (BackupStore s = LocalDirectoryStore.open(fresh)) {
      ObjectUpload u = s.create("v1/c/backup-1/snapshot.db.zst");
      u.stream().write(data(100, 1));
      try (Stream<Path> files = Files.list(fresh.resolve("v1/c/backup-1"))) {
        Path temp = files.filter(p -> p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        assertThat(Files.getPosixFilePermissions(temp)).as("the temporary file").isEqualTo(PRIVATE_FILE);
      }
      u.commit();
    }
    assertThat(Files.getPosixFilePermissions(fresh.resolve("v1/c/backup-1/snapshot.db.zst"))).isEqualTo(PRIVATE_FILE);
    for (Path dir : List.of(fresh.getParent(), fresh, fresh.resolve("v1"), fresh.resolve("v1/c"),
        fresh.resolve("v1/c/backup-1"))) {
      assertThat(Files.getPosixFilePermissions(dir)).as("%s", dir).isEqualTo(PRIVATE_DIR);
    }
  }

  /** A read-only store said "exit 1" after the whole snapshot had streamed; the check names the cause. */
  @Test
  void theCheckBeforeABackupNamesAStoreThatRefusesWrites() throws IOException {
    Path dir = tempDir.resolve("readonly");
    LocalDirectoryStore s = new LocalDirectoryStore(dir, path -> {
      // as a read-only mount answers (EROFS); the tests run as root, whom permissions do not stop
      throw new java.nio.file.FileSystemException(path.toString(), null, "Read-only file system");
    }, true);
    assertThatThrownBy(() -> s.checkWritable("v1/c/"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(dir.toUri().toString().replaceAll("/$", "") + " is not writable: Read-only file system");
    LocalDirectoryStore denied = new LocalDirectoryStore(dir, path -> {
      throw new java.nio.file.AccessDeniedException(path.toString());
    }, true);
    assertThatThrownBy(() -> denied.checkWritable("v1/c/")).hasMessageContaining("is not writable: permission denied on");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  /** Issue 13, defect 5: a mistyped --from was created, then answered "no backups". */
  @Test
  void aReaderOfAMissingRootFailsNamingItAndCreatesNothing() {
    Path missing = tempDir.resolve("typo/store");
    assertThatThrownBy(() -> LocalDirectoryStore.openExisting(missing))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(missing.toUri().toString().replaceAll("/$", ""))
        .hasMessageContaining("does not exist (no such directory)");
    assertThat(tempDir.resolve("typo")).doesNotExist();
  }

  /** Not by open: a snapshot that fails before it writes (etcd unreachable) leaves no directory. */
  @Test
  void aMissingRootIsCreatedByTheFirstWriteNotByOpen() throws IOException {
    Path missing = tempDir.resolve("a/b/c");
    try (BackupStore s = LocalDirectoryStore.open(missing)) {
      assertThat(tempDir.resolve("a")).doesNotExist();
      assertThat(s.list("")).isEmpty();
      s.checkWritable("v1/c/");
      assertThat(missing).isDirectory();
      assertThat(Files.getPosixFilePermissions(tempDir.resolve("a"))).isEqualTo(PRIVATE_DIR);
    }
  }
}
