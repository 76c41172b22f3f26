package io.etcdbackup.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.DeleteFailure;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.ObjectLock;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.storage.BackupStoreContract;
import io.etcdbackup.storage.BackupStores;
import io.etcdbackup.storage.StoreOptions;
import io.etcdbackup.storage.s3.TestInterceptors.FailPart;
import io.etcdbackup.storage.s3.TestInterceptors.HoldParts;
import io.etcdbackup.storage.s3.TestInterceptors.NoBatchDelete;
import io.etcdbackup.storage.s3.TestInterceptors.Recorder;
import io.etcdbackup.storage.s3.TestInterceptors.RefuseDelete;
import io.etcdbackup.storage.s3.TestInterceptors.Sent;
import io.etcdbackup.storage.s3.TestInterceptors.UploadsPageSize;
import io.etcdbackup.storage.s3.TestInterceptors.WrongChecksum;
import io.etcdbackup.testing.S3Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;

/** The contract over S3Proxy (plain HTTP), and what is particular to S3: parts, checksums, retries, memory. */
class S3StoreIT extends BackupStoreContract {

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  /** The smallest part S3 allows, so that tests cross part boundaries with little data. */
  private static final int PART = 5 * 1024 * 1024;

  static StoreOptions options() {
    return S3.storeOptionsBuilder().partSize((long) PART).maxPartsInFlight(2).build();
  }

  @Override
  protected BackupStore newStore() throws IOException {
    // Through the public factory: the contract also covers URI parsing and client configuration.
    return BackupStores.open(S3.storeUri(S3.newPrefix("contract")), options());
  }

  @Override
  protected int partSize() {
    return PART;
  }

  @Override
  protected BackupStore newStoreFailingMidUpload() {
    return storeWith(options(), PartBuffers.Allocator.HEAP, new FailPart(2, Integer.MAX_VALUE, TestInterceptors::permanentFault));
  }

  @Override
  protected void assertNoPartialUploads(BackupStore store) {
    String prefix = ((S3Store) store).prefix();
    assertThat(S3.incompleteMultipartUploads(prefix + "/")).as("incomplete multipart uploads under %s", prefix).isEmpty();
  }

  /** A store with its own client, built as in production, plus interceptors at the SDK's edge. */
  static S3Store storeWith(StoreOptions options, PartBuffers.Allocator allocator, ExecutionInterceptor... interceptors) {
    return storeWith(options, S3.newPrefix("s3it"), allocator, interceptors);
  }

  /** Likewise, over {@code prefix}: another view of a store, to watch what it sends. */
  static S3Store storeWith(StoreOptions options, String prefix, PartBuffers.Allocator allocator,
      ExecutionInterceptor... interceptors) {
    AwsCredentialsProvider credentials = S3Clients.credentials(options);
    S3Client client = S3Clients.builder(options, credentials, "s3://" + S3.bucket() + "/" + prefix)
        .overrideConfiguration(o -> Arrays.stream(interceptors).forEach(o::addExecutionInterceptor))
        .build();
    return new S3Store(client, S3.bucket(), prefix, options, allocator, List.of(client));
  }

  // --- how objects go up ---

  @Test
  void anObjectOfUpToOnePartGoesUpInOnePutObject() throws IOException {
    Recorder recorder = new Recorder();
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, recorder)) {
      writeTo(s, "small", data(1000, 1));
      writeTo(s, "exactly-one-part", data(PART, 2));
      assertThat(recorder.operations()).containsExactly("PutObject", "PutObject");

      recorder.sent.clear();
      writeTo(s, "one-part-and-a-byte", data(PART + 1, 3));
      assertThat(recorder.operations())
          .containsExactly("CreateMultipartUpload", "UploadPart", "UploadPart", "CompleteMultipartUpload");
      assertThat(recorder.sent("UploadPart")).extracting(Sent::partNumber).containsExactlyInAnyOrder(1, 2);
    }
  }

  @Test
  void everyPartAndEverySmallObjectCarriesTheSha256OfItsBytes() throws Exception {
    Recorder recorder = new Recorder();
    byte[] data = data(2 * PART + 100, 4);
    byte[] small = data(777, 5);
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, recorder)) {
      writeTo(s, "big", data);
      writeTo(s, "small", small);
    }

    List<Sent> parts = recorder.sent("UploadPart");
    assertThat(parts).hasSize(3);
    for (Sent part : parts) {
      int n = part.partNumber();
      byte[] slice = Arrays.copyOfRange(data, (n - 1) * PART, Math.min(n * PART, data.length));
      String expected = sha256Base64(slice);
      assertThat(part.header("x-amz-sdk-checksum-algorithm")).as("part %d", n).isEqualTo("SHA256");
      assertThat(part.header("x-amz-checksum-sha256")).as("part %d sent", n).isEqualTo(expected);
      // S3Proxy answers with the SHA-256 it computed over the bytes it received.
      assertThat(part.responseHeader("x-amz-checksum-sha256")).as("part %d received", n).isEqualTo(expected);
    }
    assertThat(recorder.sent("CreateMultipartUpload").get(0).header("x-amz-checksum-algorithm")).isEqualTo("SHA256");
    Sent put = recorder.sent("PutObject").get(0);
    assertThat(put.header("x-amz-checksum-sha256")).isEqualTo(sha256Base64(small));
    assertThat(put.responseHeader("x-amz-checksum-sha256")).isEqualTo(sha256Base64(small));
  }

  @Test
  void aPartWhoseBytesDoNotMatchItsSha256IsRefusedAndTheUploadAborted() throws IOException {
    WrongChecksum corrupt = new WrongChecksum(2, sha256Base64("other bytes".getBytes()));
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, corrupt)) {
      IOException failure = writeExpectingFailure(s, "corrupted", data(3 * PART, 6));

      assertThat(failure).hasMessageContaining(s.location() + "/corrupted").hasMessageContaining("part 2")
          .hasMessageContaining("BadDigest");
      assertThat(s.stat("corrupted")).isEmpty();
      assertNoPartialUploads(s);
    }
  }

  // --- retries and failures ---

  @Test
  void aPartThatFailsOnTheWayIsSentAgain() throws IOException {
    FailPart flaky = new FailPart(2, 2, TestInterceptors::connectionReset);
    byte[] data = data(3 * PART + 10, 7);
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, flaky)) {
      writeTo(s, "flaky", data);

      assertThat(flaky.attempts).hasValue(3);
      assertThat(sha256(readFrom(s, "flaky"))).isEqualTo(sha256(data));
      assertNoPartialUploads(s);
    }
  }

  @Test
  void aPermanentFailureIsNotRetried() throws IOException {
    FailPart broken = new FailPart(1, 1, TestInterceptors::permanentFault);
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, broken)) {
      IOException failure = writeExpectingFailure(s, "broken", data(2 * PART, 8));

      assertThat(broken.attempts).hasValue(1);
      assertThat(failure).hasMessageContaining(s.location() + "/broken: upload of part 1 failed: injected: permanent fault");
      assertNoPartialUploads(s);
    }
  }

  @Test
  void aFailureThatOutlastsTheRetriesReachesTheWriter() throws IOException {
    FailPart down = new FailPart(1, Integer.MAX_VALUE, TestInterceptors::connectionReset);
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, down)) {
      IOException failure = writeExpectingFailure(s, "down", data(2 * PART, 9));

      assertThat(down.attempts).hasValue(S3Upload.PART_ATTEMPTS);
      assertThat(failure).hasMessageContaining("part 1").hasMessageContaining("connection reset");
      assertNoPartialUploads(s);
    }
  }

  @Test
  void anInterruptedWriterAbortsTheUploadAndKeepsItsInterruptFlag() throws Exception {
    HoldParts hold = new HoldParts();
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, hold)) {
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicReference<Boolean> flagAfter = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try (ObjectUpload upload = s.create("interrupted")) {
          upload.stream().write(data(4 * PART, 10)); // parts 1 and 2 are held; part 3 must wait
          upload.commit();
        } catch (Throwable t) {
          thrown.set(t);
        }
        flagAfter.set(Thread.currentThread().isInterrupted());
      });
      writer.start();
      // Both slots are taken once two parts are held: then the writer can only be waiting for a slot.
      while (hold.held.get() < 2 || writer.getState() != Thread.State.WAITING) {
        Thread.onSpinWait();
      }
      writer.interrupt();
      writer.join();

      assertThat(thrown.get()).isInstanceOf(InterruptedIOException.class).hasMessageContaining("interrupted");
      assertThat(flagAfter.get()).as("interrupt flag restored").isTrue();
      assertThat(s.stat("interrupted")).isEmpty();
      assertNoPartialUploads(s);
    } finally {
      hold.release();
    }
  }

  @Test
  void aTruncatedDownloadIsAnErrorNotAShorterObject() throws IOException {
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, new TestInterceptors.TruncateDownloads(600))) {
      writeTo(s, "whole", data(1000, 20));
      writeTo(s, "parts", data(PART + 1000, 21));

      // One PutObject: the store returns its SHA-256, which the SDK checks as the bytes arrive.
      assertThatThrownBy(() -> readFrom(s, "whole"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(s.location() + "/whole: read failed after 600 bytes")
          .hasMessageContaining("checksum");
      // Multipart: a composite checksum the SDK does not check; the length does it.
      assertThatThrownBy(() -> readFrom(s, "parts"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(s.location() + "/parts: the download ended after 600 of " + (PART + 1000) + " bytes");
    }
  }

  // --- memory ---

  @Test
  void aLargeObjectStreamsThroughAtMostPartsInFlightPlusOneBuffers() throws IOException {
    AtomicInteger allocated = new AtomicInteger();
    PartBuffers.Allocator counting = size -> {
      allocated.incrementAndGet();
      return new byte[size];
    };
    Recorder recorder = new Recorder();
    long total = 200L * 1024 * 1024;
    MessageDigest written = sha256Digest();
    try (S3Store s = storeWith(options(), counting, recorder)) {
      try (ObjectUpload upload = s.create("large")) {
        OutputStream out = upload.stream();
        Random random = new Random(11);
        byte[] chunk = new byte[1024 * 1024 + 3]; // not a divisor of the part size
        for (long left = total; left > 0; ) {
          int n = (int) Math.min(chunk.length, left);
          random.nextBytes(chunk);
          out.write(chunk, 0, n);
          written.update(chunk, 0, n);
          left -= n;
        }
        assertThat(upload.commit().size()).isEqualTo(total);
      }

      assertThat(allocated.get()).as("part buffers allocated").isBetween(1, 3);
      assertThat(recorder.maxPartsRunning()).as("parts uploading at once").isBetween(1, 2);
      assertThat(recorder.calls("UploadPart")).isEqualTo(40);
      assertThat(s.stat("large")).map(StoredObject::size).contains(total);
      MessageDigest read = sha256Digest();
      try (InputStream in = new DigestInputStream(s.open("large"), read)) {
        in.transferTo(OutputStream.nullOutputStream());
      }
      assertThat(read.digest()).isEqualTo(written.digest());
    }
  }

  // --- listing, prefixes, addressing ---

  @Override
  @Test
  protected void listReturnsMoreThanAThousandObjects() throws Exception {
    Recorder recorder = new Recorder();
    watchingTheStore(recorder, super::listReturnsMoreThanAThousandObjects);

    // Two listings of 1005 and 1006 keys, at most 1000 a page (S3Proxy's page, as S3's).
    assertThat(recorder.calls("ListObjectsV2")).isEqualTo(4);
  }

  @Override
  @Test
  protected void deleteAllOfMoreThanAThousandKeysRemovesThemAll() throws Exception {
    Recorder recorder = new Recorder();
    watchingTheStore(recorder, super::deleteAllOfMoreThanAThousandKeysRemovesThemAll);

    List<DeleteObjectsRequest> requests = recorder.requests(DeleteObjectsRequest.class);
    assertThat(requests).extracting(r -> r.delete().objects().size()).containsExactlyInAnyOrder(1000, 7);
    assertThat(requests).allSatisfy(r -> assertThat(r.delete().quiet()).isTrue());
    assertThat(recorder.calls("DeleteObject")).isZero();
    // Content-MD5 (LegacyMd5Plugin) besides the SDK's CRC32, for stores that predate flexible checksums.
    assertThat(recorder.sent("DeleteObjects")).hasSize(2).allSatisfy(sent -> {
      assertThat(sent.header("Content-MD5")).isNotBlank();
      assertThat(sent.header("x-amz-checksum-crc32")).isNotBlank();
    });
  }

  /**
   * Runs a contract test with {@link #store} replaced by a view of the same bucket and prefix
   * whose client goes through {@code interceptors}.
   */
  private void watchingTheStore(Recorder recorder, ContractTest test) throws Exception {
    BackupStore original = store;
    try (S3Store watched = storeWith(options(), ((S3Store) original).prefix(), PartBuffers.Allocator.HEAP, recorder)) {
      store = watched;
      test.run();
    } finally {
      store = original;
    }
  }

  private interface ContractTest {
    void run() throws Exception;
  }

  // --- deleting many, incomplete uploads ---

  @Test
  void aKeyTheStoreRefusesToDeleteIsReportedAndTheOthersGo() throws IOException {
    try (S3Store plain = storeWith(options(), PartBuffers.Allocator.HEAP)) {
      for (String key : List.of("v1/a", "v1/denied", "v1/c")) {
        writeTo(plain, key, data(10, 40));
      }
      RefuseDelete refuse = new RefuseDelete(plain.objectKey("v1/denied"), "AccessDenied");
      try (S3Store s = storeWith(options(), plain.prefix(), PartBuffers.Allocator.HEAP, refuse)) {
        List<DeleteFailure> failed = s.deleteAll(List.of("v1/a", "v1/denied", "v1/c", "v1/missing"));

        assertThat(failed).containsExactly(new DeleteFailure("v1/denied", "AccessDenied", "injected: AccessDenied"));
        assertThat(s.list("")).extracting(StoredObject::key).containsExactly("v1/denied");
      }
    }
  }

  @Test
  void aStoreWithoutDeleteObjectsGetsOneDeletePerKey() throws IOException {
    Recorder recorder = new Recorder();
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, new NoBatchDelete(), recorder)) {
      writeTo(s, "x/1", data(1, 41));
      writeTo(s, "x/2", data(2, 42));

      assertThat(s.deleteAll(List.of("x/1", "x/2", "x/missing"))).isEmpty();
      assertThat(s.list("")).isEmpty();
      assertThat(recorder.calls("DeleteObjects")).isEqualTo(1);
      assertThat(recorder.calls("DeleteObject")).isEqualTo(3);

      writeTo(s, "x/3", data(3, 43));
      assertThat(s.deleteAll(List.of("x/3"))).isEmpty();
      assertThat(recorder.calls("DeleteObjects")).as("asked once per store").isEqualTo(1);
      assertThat(s.stat("x/3")).isEmpty();
    }
  }

  @Test
  void incompleteUploadsOfKilledRunsArePagedAndStayWithinThePrefix() throws IOException {
    Recorder recorder = new Recorder();
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, new UploadsPageSize(2), recorder)) {
      // Started by "runs" that died before they completed or aborted, and one of a sibling store.
      List<String> ids = new ArrayList<>();
      for (String key : List.of("v1/c/b1/snapshot.db", "v1/c/b2/snapshot.db", "v1/c/b2/snapshot.db", "v1/d/x", "v2/y")) {
        ids.add(S3.client().createMultipartUpload(b -> b.bucket(S3.bucket()).key(s.objectKey(key))).uploadId());
      }
      S3.client().createMultipartUpload(b -> b.bucket(S3.bucket()).key(s.prefix() + "-sibling/v1/c/z"));

      List<IncompleteUpload> all = s.incompleteUploads("");
      assertThat(all).extracting(IncompleteUpload::uploadId).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(recorder.calls("ListMultipartUploads")).as("pages of two").isEqualTo(3);
      assertThat(s.incompleteUploads("v1/c/")).extracting(IncompleteUpload::key)
          .containsExactlyInAnyOrder("v1/c/b1/snapshot.db", "v1/c/b2/snapshot.db", "v1/c/b2/snapshot.db");

      for (IncompleteUpload u : s.incompleteUploads("v1/")) {
        s.abortIncomplete(u);
      }
      assertThat(s.incompleteUploads("")).extracting(IncompleteUpload::key).containsExactly("v2/y");
      assertThat(S3.incompleteMultipartUploads(s.prefix() + "-sibling/")).hasSize(1);
    }
  }

  // --- object lock ---

  @Test
  void aLockedUploadAsksS3ForTheRetentionOnPutAndOnCreateMultipartUpload() throws IOException {
    // S3Proxy implements no Object Lock and answers 501 to its headers: the requests are what we check.
    StoreOptions locked = options().toBuilder().objectLockDays(30).objectLockMode("compliance").build();
    Instant until = Instant.parse("2031-02-03T04:05:06Z");
    Recorder recorder = new Recorder();
    try (S3Store s = storeWith(locked, PartBuffers.Allocator.HEAP, recorder)) {
      assertThat(s.objectLock()).contains(new ObjectLock(ObjectLock.Mode.COMPLIANCE, Duration.ofDays(30)));

      IOException small = writeExpectingFailure(s.create("locked-small", until), "locked-small", data(10, 44));
      assertThat(small).hasMessageContaining(s.location() + "/locked-small: PutObject failed: NotImplemented (HTTP 501)");
      Sent put = recorder.sent("PutObject").get(0);
      assertThat(put.header("x-amz-object-lock-mode")).isEqualTo("COMPLIANCE");
      assertThat(Instant.parse(put.header("x-amz-object-lock-retain-until-date"))).isEqualTo(until);
      assertThat(put.header("x-amz-checksum-sha256")).as("S3 wants a checksum with a lock").isNotBlank();

      IOException large = writeExpectingFailure(s.create("locked-large", until), "locked-large", data(PART + 1, 45));
      assertThat(large).hasMessageContaining("CreateMultipartUpload failed: NotImplemented (HTTP 501)");
      Sent create = recorder.sent("CreateMultipartUpload").get(0);
      assertThat(create.header("x-amz-object-lock-mode")).isEqualTo("COMPLIANCE");
      assertThat(Instant.parse(create.header("x-amz-object-lock-retain-until-date"))).isEqualTo(until);
      assertNoPartialUploads(s);

      // create(key) on the same store: no lock of ours (the bucket's default retention would apply).
      recorder.sent.clear();
      writeTo(s, "unlocked", data(PART + 1, 46));
      writeTo(s, "unlocked-small", data(1, 47));
      assertThat(recorder.sent).isNotEmpty().allSatisfy(sent -> assertThat(sent.header("x-amz-object-lock-mode")).isNull());
    }
  }

  @Test
  void theLockModeIsGovernanceUnlessComplianceIsAskedFor() throws IOException {
    Recorder recorder = new Recorder();
    try (S3Store s = storeWith(options().toBuilder().objectLockDays(1).build(), PartBuffers.Allocator.HEAP, recorder)) {
      assertThat(s.objectLock()).map(ObjectLock::mode).contains(ObjectLock.Mode.GOVERNANCE);
      writeExpectingFailure(s.create("gov", Instant.now().plus(Duration.ofDays(1))), "gov", data(5, 48));
      assertThat(recorder.sent("PutObject").get(0).header("x-amz-object-lock-mode")).isEqualTo("GOVERNANCE");
    }
  }

  @Test
  void keysLiveUnderThePrefixAndASiblingPrefixStaysInvisible() throws IOException {
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP)) {
      writeTo(s, "x/y", data(5, 12));
      S3.client().putObject(b -> b.bucket(S3.bucket()).key(s.prefix() + "-sibling/z"), RequestBody.fromString("z"));
      S3.client().putObject(b -> b.bucket(S3.bucket()).key(s.prefix() + "/folder/"), RequestBody.empty());

      assertThat(S3.client().headObject(b -> b.bucket(S3.bucket()).key(s.prefix() + "/x/y")).contentLength()).isEqualTo(5);
      assertThat(s.list("")).extracting(StoredObject::key).containsExactly("x/y");
      assertThat(s.location()).isEqualTo("s3://" + S3.bucket() + "/" + s.prefix());
    }
  }

  @Test
  void aStoreWithoutPrefixUsesTheWholeBucket() throws IOException {
    String bucket = "whole-" + S3.newPrefix("bucket");
    S3.client().createBucket(b -> b.bucket(bucket));
    try (BackupStore s = BackupStores.open("s3://" + bucket, options())) {
      assertThat(s.location()).isEqualTo("s3://" + bucket);
      writeTo(s, "a/b", data(3, 13));

      assertThat(s.list("")).extracting(StoredObject::key).containsExactly("a/b");
      assertThat(S3.client().headObject(b -> b.bucket(bucket).key("a/b")).contentLength()).isEqualTo(3);
    }
  }

  // --- encryption and errors ---

  @Test
  void serverSideEncryptionIsRequestedOnPutAndOnCreateMultipartUpload() throws IOException {
    // S3Proxy implements no SSE and answers 501 NotImplemented: the request is what we check.
    Recorder aes = new Recorder();
    try (S3Store s = storeWith(options().toBuilder().sse("AES256").build(), PartBuffers.Allocator.HEAP, aes)) {
      IOException failure = writeExpectingFailure(s, "sse-s3", data(10, 14));
      assertThat(failure).hasMessageContaining(s.location() + "/sse-s3: PutObject failed: NotImplemented (HTTP 501)");
      assertThat(aes.sent("PutObject").get(0).header("x-amz-server-side-encryption")).isEqualTo("AES256");
      assertThat(aes.calls("PutObject")).as("501 is an answer, not an outage: no retry of ours").isEqualTo(1);
    }

    Recorder kms = new Recorder();
    StoreOptions withKms = options().toBuilder().sse("aws:kms").kmsKeyId("alias/etcd-backups").build();
    try (S3Store s = storeWith(withKms, PartBuffers.Allocator.HEAP, kms)) {
      IOException failure = writeExpectingFailure(s, "sse-kms", data(PART + 1, 15));
      assertThat(failure).hasMessageContaining("CreateMultipartUpload failed: NotImplemented");
      Sent create = kms.sent("CreateMultipartUpload").get(0);
      assertThat(create.header("x-amz-server-side-encryption")).isEqualTo("aws:kms");
      assertThat(create.header("x-amz-server-side-encryption-aws-kms-key-id")).isEqualTo("alias/etcd-backups");
      assertNoPartialUploads(s);
    }

    Recorder none = new Recorder();
    try (S3Store s = storeWith(options(), PartBuffers.Allocator.HEAP, none)) {
      writeTo(s, "plain", data(PART + 1, 16));
      writeTo(s, "plain-small", data(1, 17));
      assertThat(none.sent).allSatisfy(sent -> assertThat(sent.header("x-amz-server-side-encryption")).isNull());
    }
  }

  @Test
  void errorsNameTheObjectAndTheS3ErrorCodeButNoCredential() throws IOException {
    String wrongSecret = "wrong-secret-" + S3.newPrefix("x");
    StoreOptions badKey = options().toBuilder().credentials(S3.accessKey(), wrongSecret).build();
    try (BackupStore s = BackupStores.open(S3.storeUri(S3.newPrefix("denied")), badKey)) {
      IOException put = writeExpectingFailure(s, "k", data(10, 18));
      assertThat(put).hasMessageContaining(s.location() + "/k: PutObject failed: SignatureDoesNotMatch (HTTP 403)");
      assertNoSecretIn(put, wrongSecret);

      IOException list = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> s.list("v1/"));
      assertThat(list).hasMessageContaining(s.location() + "/v1/*: ListObjectsV2 failed: SignatureDoesNotMatch");
      assertNoSecretIn(list, wrongSecret);

      IOException stat = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> s.stat("k"));
      assertThat(stat).hasMessageContaining(s.location() + "/k: HeadObject failed: ").hasMessageContaining("403");
      assertNoSecretIn(stat, wrongSecret);

      IOException deleteAll = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
          () -> s.deleteAll(List.of("k", "l")));
      assertThat(deleteAll).hasMessageContaining(s.location() + ": DeleteObjects of 2 keys failed: SignatureDoesNotMatch");
      assertNoSecretIn(deleteAll, wrongSecret);

      IOException check = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> s.checkWritable("v1/c/"));
      assertThat(check).hasMessageContaining(s.location() + "/v1/c/*: ListObjectsV2 failed: SignatureDoesNotMatch");
      assertNoSecretIn(check, wrongSecret);

      IOException uploads = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
          () -> s.incompleteUploads("v1/"));
      assertThat(uploads).hasMessageContaining(s.location() + "/v1/*: ListMultipartUploads failed: SignatureDoesNotMatch");
      assertNoSecretIn(uploads, wrongSecret);
    }
  }

  @Test
  void aMissingBucketIsNamedInTheError() throws IOException {
    try (BackupStore s = BackupStores.open("s3://no-such-bucket-" + S3.newPrefix("x") + "/p", options())) {
      IOException failure = writeExpectingFailure(s, "k", data(10, 19));
      assertThat(failure).hasMessageContaining(s.location() + "/k: PutObject failed: NoSuchBucket (HTTP 404)");
    }
  }

  // --- helpers ---

  private static void writeTo(BackupStore s, String key, byte[] data) throws IOException {
    try (ObjectUpload upload = s.create(key)) {
      upload.stream().write(data);
      upload.commit();
    }
  }

  private static byte[] readFrom(BackupStore s, String key) throws IOException {
    try (InputStream in = s.open(key)) {
      return in.readAllBytes();
    }
  }

  /** Writes and commits, expecting an IOException from either; closes the upload in any case. */
  private static IOException writeExpectingFailure(BackupStore s, String key, byte[] data) throws IOException {
    return writeExpectingFailure(s.create(key), key, data);
  }

  private static IOException writeExpectingFailure(ObjectUpload upload, String key, byte[] data) throws IOException {
    try {
      upload.stream().write(data);
      upload.commit();
    } catch (IOException e) {
      return e;
    } finally {
      upload.close();
    }
    throw new AssertionError("upload of " + key + " succeeded, but a failure was expected");
  }

  private static void assertNoSecretIn(Throwable failure, String wrongSecret) {
    List<String> messages = new ArrayList<>();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      messages.add(String.valueOf(t.getMessage()));
      Arrays.stream(t.getSuppressed()).forEach(x -> messages.add(String.valueOf(x.getMessage())));
    }
    assertThat(messages).noneMatch(m -> m.contains(wrongSecret) || m.contains(S3.secretKey()));
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256Base64(byte[] data) {
    return Base64.getEncoder().encodeToString(sha256Digest().digest(data));
  }
}
