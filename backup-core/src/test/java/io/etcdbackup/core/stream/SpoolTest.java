package io.etcdbackup.core.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.Exec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spool ownership and the clean-up of killed runs' spools, with real second processes: a JVM
 * killed with SIGKILL while it holds a spool, one that is alive, one that sweeps.
 */
class SpoolTest {
  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @TempDir Path dir;

  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void killChildren() throws InterruptedException {
    for (Process p : children) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSpoolOfAProcessKilledWithSigkillIsRemovedWithItsOwnerFile() throws Exception {
    Process holder = start("hold");
    Path spool = spoolOf(holder);
    holder.destroyForcibly(); // SIGKILL: no finally, no shutdown hook runs
    assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(spool).as("what the killed run left").exists().hasSize(4096);
    assertThat(owner(spool)).exists();

    assertThat(Spool.removeLeftovers(dir)).containsExactly(spool, owner(spool));
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void aLiveProcesssSpoolStaysAndGoesOnceItIsKilled() throws Exception {
    Process holder = start("hold");
    Path spool = spoolOf(holder);

    assertThat(Spool.removeLeftovers(dir)).as("its owner is alive").isEmpty();
    assertThat(spool).exists().hasSize(4096);

    holder.destroyForcibly();
    assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Spool.removeLeftovers(dir)).containsExactly(spool, owner(spool));
  }

  @Test
  void aLiveProcesssKeptSpoolStays() throws Exception {
    Process holder = start("keep");
    Path kept = spoolOf(holder);

    assertThat(Spool.removeLeftovers(dir)).isEmpty();
    assertThat(kept).exists().hasSize(4096);
    holder.getOutputStream().close(); // the restore is done: its owner closes the handle
    assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(holder.exitValue()).isZero();
    assertThat(dir).as("deleted by its owner").isEmptyDirectory();
  }

  @Test
  void thisJvmsSpoolStaysThroughSweepsHereAndElsewhereAfterItsFileIsReadByPath() throws Exception {
    try (Spool spool = Spool.create(dir, "raw")) {
      try (OutputStream w = spool.writer()) {
        w.write(new byte[] {1, 2, 3});
      }
      // The checks read a spool by its path; closing that descriptor must not end the protection.
      assertThat(Files.readAllBytes(spool.path())).containsExactly(1, 2, 3);

      assertThat(Spool.removeLeftovers(dir)).as("a sweep in this JVM").isEmpty();
      assertThat(sweepInAnotherProcess()).as("a sweep in another process, after the one here").isEmpty();
      assertThat(spool.path()).exists();
      assertThat(Files.readAllBytes(spool.path())).containsExactly(1, 2, 3);
    }
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void aKeptSpoolIsProtectedUntilItsHandleIsClosed() throws Exception {
    Spool spool = Spool.create(dir, "fetch");
    try (OutputStream w = spool.writer()) {
      w.write(new byte[] {4, 5});
    }
    Spool.Kept kept = spool.keep();
    spool.close(); // does nothing: the handle owns the file now
    assertThat(Files.readAllBytes(kept.path())).containsExactly(4, 5);

    assertThat(Spool.removeLeftovers(dir)).isEmpty();
    assertThat(sweepInAnotherProcess()).isEmpty();
    assertThat(kept.path()).exists();

    kept.close();
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void onlyRegularFilesWithSpoolNamesAreTouchedAndLinksAreNeverFollowed(@TempDir Path outside) throws Exception {
    Path target = Files.writeString(outside.resolve("precious.db"), "keep me");
    Path targetLock = Files.writeString(outside.resolve("precious.lock"), "keep me too");
    List<Path> others = new ArrayList<>();
    for (String name : List.of("notes.txt", "etcd-backup-raw-12.txt", "etcd-backup-raw-x1.spool", "backup.spool",
        "etcd-backup-RAW-1.spool", "etcd-backup-raw-1.spool.old", "etcd-backup-drill-3", "etcd-backup-raw-7.spool")) {
      others.add(Files.writeString(dir.resolve(name), name));
    }
    others.add(Files.createDirectory(dir.resolve("etcd-backup-raw-5.spool")));
    others.add(Files.createSymbolicLink(dir.resolve("etcd-backup-raw-6.spool"), target));
    // An owner file that is a link: nothing to judge the spool beside it by, so both stay.
    others.add(Files.createSymbolicLink(dir.resolve("etcd-backup-raw-7.spool.lock"), targetLock));
    // Left by a version before owner files (never locked: no live owner), and an owner file alone
    // (a run killed between removing its spool and its owner file).
    Path legacy = Files.writeString(dir.resolve("etcd-backup-raw-8.spool"), "x".repeat(100));
    Path loneOwner = Files.createFile(dir.resolve("etcd-backup-stored-9.spool.lock"));

    assertThat(Spool.removeLeftovers(dir)).containsExactlyInAnyOrder(legacy, loneOwner);

    for (Path p : others) {
      assertThat(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).as(p.toString()).isTrue();
    }
    assertThat(target).hasContent("keep me");
    assertThat(targetLock).hasContent("keep me too");
  }

  @Test
  void aSweepOfAMissingDirectoryRemovesNothingAndCreatesNothing() {
    assertThat(Spool.removeLeftovers(dir.resolve("absent"))).isEmpty();
    assertThat(dir.resolve("absent")).doesNotExist();
  }

  @Test
  void directoriesTheSpoolCreatesAre0700AndItsFiles0600() throws Exception {
    Path spoolDir = dir.resolve("a").resolve("b");
    try (Spool spool = Spool.create(spoolDir, "raw")) {
      assertThat(mode(dir.resolve("a"))).isEqualTo("rwx------");
      assertThat(mode(spoolDir)).isEqualTo("rwx------");
      assertThat(mode(spool.path())).isEqualTo("rw-------");
      assertThat(mode(owner(spool.path()))).isEqualTo("rw-------");
      assertThat(spool.path().getFileName().toString()).matches("etcd-backup-raw-[0-9]+\\.spool");
    }
  }

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static Path owner(Path spool) {
    return spool.resolveSibling(spool.getFileName() + ".lock");
  }

  private Process start(String mode) throws Exception {
    Process p = new ProcessBuilder(JAVA, "-cp", System.getProperty("java.class.path"), SpoolHolder.class.getName(),
        mode, dir.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    children.add(p);
    return p;
  }

  /** The spool path the holder prints once its spool exists. */
  private static Path spoolOf(Process holder) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("the holder's spool (it exited %s)", holder.isAlive() ? "not" : holder.exitValue()).isNotNull();
    return Path.of(line);
  }

  private List<String> sweepInAnotherProcess() {
    Exec.Result r = Exec.run(List.of(JAVA, "-cp", System.getProperty("java.class.path"), SpoolHolder.class.getName(),
        "sweep", dir.toString()), dir, Duration.ofMinutes(1));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    return r.stdout().lines().toList();
  }
}
