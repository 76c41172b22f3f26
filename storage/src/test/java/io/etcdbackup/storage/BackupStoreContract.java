package io.etcdbackup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.NotFoundException;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.DeleteFailure;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link BackupStore} contract, as tests. Every provider's test extends this class and
 * supplies fresh stores; what a provider does beyond the contract is tested beside it.
 */
public abstract class BackupStoreContract {

  /** A new store that holds nothing yet (its own directory, bucket prefix...), for one test. */
  protected abstract BackupStore newStore() throws IOException;

  /**
   * The provider's unit of storage (an S3 part); tests write objects of one part, several parts
   * and a remainder. Stores without parts return a size that crosses their internal buffers.
   */
  protected abstract int partSize();

  /**
   * A new, empty store whose storage fails after the first {@link #partSize()} bytes of an
   * upload have been stored, as a full disk or a broken connection would.
   */
  protected abstract BackupStore newStoreFailingMidUpload() throws IOException;

  /** Asserts that {@code store} holds no partial data: no temporary file, no incomplete multipart upload. */
  protected abstract void assertNoPartialUploads(BackupStore store) throws IOException;

  protected BackupStore store;
  private Instant started;

  @BeforeEach
  void openStore() throws IOException {
    started = Instant.now();
    store = newStore();
  }

  @AfterEach
  void closeStore() throws IOException {
    if (store != null) {
      store.close();
    }
  }

  // --- writing and reading back ---

  @Test
  void smallObjectRoundTrips() throws IOException {
    assertRoundTrip("small", data(1000, 1));
  }

  @Test
  void emptyObjectRoundTrips() throws IOException {
    assertRoundTrip("empty", new byte[0]);
  }

  @Test
  void objectOfExactlyOnePartRoundTrips() throws IOException {
    assertRoundTrip("one-part", data(partSize(), 2));
  }

  @Test
  void objectOfOnePartAndOneByteRoundTrips() throws IOException {
    assertRoundTrip("one-part-plus-one", data(partSize() + 1, 3));
  }

  @Test
  void objectOfSeveralPartsAndARemainderRoundTrips() throws IOException {
    assertRoundTrip("dir/several-parts", data(3 * partSize() + 12_345, 4));
  }

  @Test
  void writesOfAnySizeAcrossPartBoundariesKeepEveryByte() throws IOException {
    byte[] data = data(2 * partSize() + 777, 5);
    int[] chunks = {1, 7, 4096, partSize() - 1, 1, 3, partSize() + 5, 65_536};
    try (ObjectUpload upload = store.create("mixed")) {
      OutputStream out = upload.stream();
      int pos = 0;
      for (int i = 0; pos < data.length; i++) {
        int n = Math.min(chunks[i % chunks.length], data.length - pos);
        if (n == 1) {
          out.write(data[pos]); // the single-byte path
        } else {
          out.write(data, pos, n);
        }
        pos += n;
      }
      upload.commit();
    }
    assertThat(sha256(readAll("mixed"))).isEqualTo(sha256(data));
  }

  @Test
  void commitReturnsTheStoredObjectThatStatAndListSee() throws IOException {
    byte[] data = data(partSize() + 10, 6);
    StoredObject committed = write("a/b/c", data);
    assertThat(committed.key()).isEqualTo("a/b/c");
    assertThat(committed.size()).isEqualTo(data.length);
    assertThat(committed.lastModified()).isBetween(started.minus(Duration.ofMinutes(1)), Instant.now().plus(Duration.ofMinutes(1)));

    StoredObject stat = store.stat("a/b/c").orElseThrow();
    assertThat(stat.key()).isEqualTo("a/b/c");
    assertThat(stat.size()).isEqualTo(data.length);
    assertThat(stat.lastModified()).isBetween(started.minus(Duration.ofMinutes(1)), Instant.now().plus(Duration.ofMinutes(1)));
    assertThat(store.list("a/")).extracting(StoredObject::key, StoredObject::size)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a/b/c", (long) data.length));
  }

  // --- visibility and abort ---

  @Test
  void objectIsInvisibleUntilCommitted() throws IOException {
    byte[] data = data(2 * partSize() + 1, 7);
    try (ObjectUpload upload = store.create("pending")) {
      upload.stream().write(data);
      assertInvisible("pending");

      upload.commit();
    }
    assertThat(readAll("pending")).isEqualTo(data);
  }

  @Test
  void abortLeavesNothingBehind() throws IOException {
    ObjectUpload upload = store.create("aborted");
    upload.stream().write(data(2 * partSize() + partSize() / 2, 8));
    upload.abort();

    assertInvisible("aborted");
    assertNoPartialUploads(store);
  }

  @Test
  void abortOfASmallUploadLeavesNothingBehind() throws IOException {
    ObjectUpload upload = store.create("aborted-small");
    upload.stream().write(data(10, 9));
    upload.abort();

    assertInvisible("aborted-small");
    assertNoPartialUploads(store);
  }

  @Test
  void abortIsIdempotentAndANoOpAfterCommit() throws IOException {
    ObjectUpload aborted = store.create("twice");
    aborted.stream().write(data(partSize() + 1, 10));
    aborted.abort();
    aborted.abort();
    aborted.close();

    byte[] data = data(100, 11);
    ObjectUpload committed = store.create("kept");
    committed.stream().write(data);
    committed.commit();
    committed.abort();
    committed.close();

    assertThat(readAll("kept")).isEqualTo(data);
    assertInvisible("twice");
    assertNoPartialUploads(store);
  }

  @Test
  void closeWithoutCommitAborts() throws IOException {
    assertThatThrownBy(() -> {
      try (ObjectUpload upload = store.create("half")) {
        upload.stream().write(data(partSize() + partSize() / 2, 12));
        throw new IllegalStateException("the writer failed half way");
      }
    }).isInstanceOf(IllegalStateException.class).hasNoSuppressedExceptions();

    assertInvisible("half");
    assertNoPartialUploads(store);
  }

  @Test
  void closingTheStreamDoesNotCommit() throws IOException {
    byte[] data = data(1234, 13);
    try (ObjectUpload upload = store.create("stream-closed")) {
      try (OutputStream out = upload.stream()) {
        out.write(data);
      }
      assertInvisible("stream-closed");
      upload.commit();
    }
    assertThat(readAll("stream-closed")).isEqualTo(data);
  }

  @Test
  void anUploadIsOverOnceCommittedOrAborted() throws IOException {
    ObjectUpload committed = store.create("done");
    committed.stream().write(1);
    committed.commit();
    assertThatThrownBy(() -> committed.stream().write(2)).isInstanceOf(IOException.class).hasMessageContaining("done");
    assertThatThrownBy(committed::commit).isInstanceOf(IOException.class).hasMessageContaining("done");

    ObjectUpload aborted = store.create("gone");
    aborted.stream().write(1);
    aborted.abort();
    assertThatThrownBy(() -> aborted.stream().write(2)).isInstanceOf(IOException.class).hasMessageContaining("gone");
    assertThatThrownBy(aborted::commit).isInstanceOf(IOException.class).hasMessageContaining("gone");
    assertInvisible("gone");
    assertThat(readAll("done")).containsExactly(1);
  }

  // --- overwrite, list, stat, delete, open ---

  @Test
  void committingOverAKeyReplacesItWhole() throws IOException {
    byte[] first = data(2 * partSize() + 5, 14);
    byte[] second = data(10, 15);
    write("same", first);
    write("same", second);

    assertThat(readAll("same")).isEqualTo(second);
    assertThat(store.stat("same").orElseThrow().size()).isEqualTo(second.length);
    assertThat(store.list("")).extracting(StoredObject::key).containsExactly("same");

    byte[] third = data(partSize() + 3, 16);
    write("same", third);
    assertThat(sha256(readAll("same"))).isEqualTo(sha256(third));
  }

  @Test
  void listReturnsEveryObjectWhoseKeyStartsWithThePrefix() throws IOException {
    write("a/1", data(1, 17));
    write("a/2", data(2, 18));
    write("a/deep/3", data(3, 19));
    write("ab/4", data(4, 20));
    write("b/5", data(5, 21));

    assertThat(keysAndSizes("a/")).isEqualTo(Map.of("a/1", 1L, "a/2", 2L, "a/deep/3", 3L));
    assertThat(keysAndSizes("a")).isEqualTo(Map.of("a/1", 1L, "a/2", 2L, "a/deep/3", 3L, "ab/4", 4L));
    assertThat(keysAndSizes("a/de")).isEqualTo(Map.of("a/deep/3", 3L));
    assertThat(keysAndSizes("")).hasSize(5);
    assertThat(store.list("c")).isEmpty();
    assertThat(store.list("a/1/")).isEmpty();
  }

  /** More than one page of S3's ListObjectsV2; providers may override it to add their own checks. */
  @Test
  protected void listReturnsMoreThanAThousandObjects() throws Exception {
    int count = 1005;
    List<String> keys = writeMany("many/", count);
    write("other/x", data(1, 1));

    List<StoredObject> listed = store.list("many/");
    assertThat(listed).hasSize(count);
    assertThat(keys(listed)).isEqualTo(Set.copyOf(keys));
    assertThat(store.list("")).hasSize(count + 1);
  }

  @Test
  void theCheckBeforeABackupPassesAndLeavesNothingBehind() throws IOException {
    store.checkWritable("v1/c/");
    store.checkWritable("");
    assertThat(store.list("")).isEmpty();
    assertThat(store.incompleteUploads("")).isEmpty();
    assertNoPartialUploads(store);
  }

  @Test
  void statOfAMissingKeyIsEmpty() throws IOException {
    assertThat(store.stat("nothing/here")).isEmpty();
    write("nothing/here-not", data(1, 22));
    assertThat(store.stat("nothing/here")).isEmpty();
    assertThat(store.stat("nothing")).isEmpty();
  }

  @Test
  void deleteRemovesAnObjectAndIsIdempotent() throws IOException {
    write("del/x", data(10, 23));
    write("del/y", data(10, 24));

    store.delete("del/x");
    assertInvisible("del/x");
    assertThat(store.list("del/")).extracting(StoredObject::key).containsExactly("del/y");

    assertThatCode(() -> store.delete("del/x")).doesNotThrowAnyException();
    assertThatCode(() -> store.delete("never/was")).doesNotThrowAnyException();
    assertThat(store.stat("del/y")).isPresent();
  }

  @Test
  void deleteAllRemovesPresentKeysAndCountsMissingOnesAsGone() throws IOException {
    write("all/a", data(10, 26));
    write("all/b", data(partSize() + 1, 27));
    write("all/deep/c", data(0, 28));
    write("all/kept", data(1, 29));

    List<DeleteFailure> failed = store.deleteAll(List.of("all/a", "all/b", "all/deep/c", "all/never", "all/a"));

    assertThat(failed).isEmpty();
    assertThat(store.list("")).extracting(StoredObject::key).containsExactly("all/kept");
    assertInvisible("all/deep/c");
    assertThat(store.deleteAll(List.of("all/a", "all/b"))).as("idempotent").isEmpty();
    assertThat(store.deleteAll(List.of())).isEmpty();
    assertThatThrownBy(() -> store.deleteAll(List.of("all/kept", "../x"))).isInstanceOf(InvalidInputException.class);
  }

  /** More than one request of S3's DeleteObjects; providers may override it to add their own checks. */
  @Test
  protected void deleteAllOfMoreThanAThousandKeysRemovesThemAll() throws Exception {
    List<String> keys = new ArrayList<>(writeMany("bulk/", 1005));
    write("bulk-not/x", data(1, 1));
    keys.add("bulk/missing-1");
    keys.add("bulk/missing-2");

    assertThat(store.deleteAll(keys)).isEmpty();
    assertThat(store.list("")).extracting(StoredObject::key).containsExactly("bulk-not/x");
  }

  @Test
  void anUploadNeitherCommittedNorAbortedIsIncompleteUntilAbortedAsSuch() throws IOException {
    write("inc/done", data(10, 30));
    ObjectUpload upload = store.create("inc/pending");
    try {
      // More than a part: on S3 a multipart upload exists from here on; locally a temporary file does.
      upload.stream().write(data(2 * partSize(), 31));

      List<IncompleteUpload> found = store.incompleteUploads("inc/");
      assertThat(found).singleElement().satisfies(u -> {
        assertThat(u.key()).isEqualTo("inc/pending");
        assertThat(u.uploadId()).isNotBlank();
        assertThat(u.initiated()).isBetween(started.minus(Duration.ofMinutes(1)), Instant.now().plus(Duration.ofMinutes(1)));
      });
      assertThat(store.incompleteUploads("")).containsExactlyElementsOf(found);
      assertThat(store.incompleteUploads("inc/pe")).containsExactlyElementsOf(found);
      assertThat(store.incompleteUploads("inc/done")).isEmpty();
      assertThat(store.incompleteUploads("other/")).isEmpty();
      assertThat(store.incompleteUploads("in")).containsExactlyElementsOf(found);
      assertThat(store.list("")).extracting(StoredObject::key).containsExactly("inc/done");

      store.abortIncomplete(found.get(0));

      assertThat(store.incompleteUploads("")).isEmpty();
      assertThatCode(() -> store.abortIncomplete(found.get(0))).as("idempotent").doesNotThrowAnyException();
      // The writer's upload is gone under it: its commit must fail, never store a partial object.
      assertThatThrownBy(upload::commit).isInstanceOf(IOException.class).hasMessageContaining("inc/pending");
    } finally {
      assertThatCode(upload::close).as("close after the upload was aborted as incomplete").doesNotThrowAnyException();
    }
    assertInvisible("inc/pending");
    assertThat(readAll("inc/done")).isEqualTo(data(10, 30));
    assertNoPartialUploads(store);
  }

  @Test
  void committedAndAbortedUploadsAreNotIncomplete() throws IOException {
    write("fin/committed", data(partSize() + 1, 32));
    ObjectUpload aborted = store.create("fin/aborted");
    aborted.stream().write(data(partSize() + 1, 33));
    aborted.abort();

    assertThat(store.incompleteUploads("")).isEmpty();
  }

  @Test
  void aStoreWithoutAnObjectLockRefusesALockedUpload() {
    assertThat(store.objectLock()).isEmpty();
    assertThatThrownBy(() -> store.create("fin/locked", Instant.now().plus(Duration.ofDays(1))))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining(store.location());
  }

  @Test
  void openOfAMissingKeyThrowsNotFound() {
    assertThatThrownBy(() -> store.open("no/such/key"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no/such/key")
        .hasMessageContaining(store.location());
  }

  @Test
  void invalidKeysAreRefused() {
    for (String key : List.of("", "/abs", "../up", "a/../b", "a//b", "a/", "./a", "a/./b", ".hidden", "a\\b")) {
      assertThatThrownBy(() -> store.create(key)).as("create %s", key).isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> store.open(key)).as("open %s", key).isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> store.stat(key)).as("stat %s", key).isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> store.delete(key)).as("delete %s", key).isInstanceOf(InvalidInputException.class);
    }
    assertThatThrownBy(() -> store.list("../")).isInstanceOf(InvalidInputException.class);
  }

  // --- concurrency and failure ---

  @Test
  void concurrentUploadsOfDifferentKeysAllLand() throws Exception {
    int uploads = 4;
    List<byte[]> data = IntStream.range(0, uploads).mapToObj(i -> data(2 * partSize() + 1000 * i, 100 + i)).toList();
    runConcurrently(uploads, IntStream.range(0, uploads).<Callable<Void>>mapToObj(i -> () -> {
      try (ObjectUpload upload = store.create("concurrent/" + i)) {
        OutputStream out = upload.stream();
        byte[] d = data.get(i);
        for (int pos = 0; pos < d.length; pos += 100_000) {
          out.write(d, pos, Math.min(100_000, d.length - pos));
        }
        upload.commit();
      }
      return null;
    }).toList());

    for (int i = 0; i < uploads; i++) {
      assertThat(sha256(readAll("concurrent/" + i))).as("object %d", i).isEqualTo(sha256(data.get(i)));
    }
    assertNoPartialUploads(store);
  }

  @Test
  void aStorageFailureMidUploadReachesTheWriterAndLeavesNothing() throws IOException {
    try (BackupStore faulty = newStoreFailingMidUpload()) {
      byte[] data = data(4 * partSize(), 25);
      ObjectUpload upload = faulty.create("doomed");
      IOException failure = null;
      try {
        for (int pos = 0; pos < data.length; pos += 64 * 1024) {
          upload.stream().write(data, pos, Math.min(64 * 1024, data.length - pos));
        }
        upload.commit();
      } catch (IOException e) {
        failure = e;
      } finally {
        upload.close();
      }

      assertThat(failure).as("the writer must see the storage failure, never a success").isNotNull();
      assertThat(failure.getMessage()).contains(faulty.location()).contains("doomed");
      assertThat(faulty.stat("doomed")).isEmpty();
      assertThat(faulty.list("")).isEmpty();
      assertThatThrownBy(() -> faulty.open("doomed")).isInstanceOf(NotFoundException.class);
      assertNoPartialUploads(faulty);
    }
  }

  // --- helpers for subclasses ---

  /** Writes {@code count} tiny objects {@code prefix0000}... on eight threads; returns their keys. */
  protected List<String> writeMany(String prefix, int count) throws Exception {
    List<String> keys = IntStream.range(0, count).mapToObj(i -> String.format("%s%04d", prefix, i)).toList();
    runConcurrently(8, IntStream.range(0, count).<Callable<Void>>mapToObj(i -> () -> {
      write(keys.get(i), data(i % 7, i));
      return null;
    }).toList());
    return keys;
  }

  protected StoredObject write(String key, byte[] data) throws IOException {
    try (ObjectUpload upload = store.create(key)) {
      upload.stream().write(data);
      return upload.commit();
    }
  }

  protected byte[] readAll(String key) throws IOException {
    try (InputStream in = store.open(key)) {
      return in.readAllBytes();
    }
  }

  protected void assertRoundTrip(String key, byte[] data) throws IOException {
    StoredObject committed = write(key, data);
    assertThat(committed.size()).isEqualTo(data.length);
    assertThat(sha256(readAll(key))).as("content of %s", key).isEqualTo(sha256(data));
    assertThat(store.stat(key)).map(StoredObject::size).contains((long) data.length);
    assertNoPartialUploads(store);
  }

  protected void assertInvisible(String key) throws IOException {
    assertThat(store.stat(key)).as("stat %s", key).isEmpty();
    assertThat(store.list("")).extracting(StoredObject::key).as("list").doesNotContain(key);
    assertThatThrownBy(() -> store.open(key)).as("open %s", key).isInstanceOf(NotFoundException.class);
  }

  private Map<String, Long> keysAndSizes(String prefix) throws IOException {
    Map<String, Long> m = new TreeMap<>();
    for (StoredObject o : store.list(prefix)) {
      m.put(o.key(), o.size());
    }
    return m;
  }

  /** Deterministic bytes that do not repeat at part boundaries. */
  public static byte[] data(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  public static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs the tasks on {@code threads} threads; rethrows the first failure. */
  public static void runConcurrently(int threads, List<Callable<Void>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (Callable<Void> task : tasks) {
        futures.add(pool.submit(task));
      }
      for (Future<Void> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static Set<String> keys(List<StoredObject> objects) {
    return objects.stream().map(StoredObject::key).collect(Collectors.toSet());
  }
}
