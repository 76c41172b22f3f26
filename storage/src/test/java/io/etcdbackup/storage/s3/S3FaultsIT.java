package io.etcdbackup.storage.s3;

import static io.etcdbackup.storage.BackupStoreContract.data;
import static io.etcdbackup.storage.BackupStoreContract.sha256;
import static io.etcdbackup.storage.s3.FaultyS3Proxy.anyUploadPart;
import static io.etcdbackup.storage.s3.FaultyS3Proxy.abortMultipartUpload;
import static io.etcdbackup.storage.s3.FaultyS3Proxy.completeMultipartUpload;
import static io.etcdbackup.storage.s3.FaultyS3Proxy.createMultipartUpload;
import static io.etcdbackup.storage.s3.FaultyS3Proxy.uploadPart;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.retention.PruneRequest;
import io.etcdbackup.core.retention.PruneResult;
import io.etcdbackup.core.retention.Pruner;
import io.etcdbackup.core.retention.RetentionPolicy;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.PendingBackup;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.storage.StoreOptions;
import io.etcdbackup.storage.s3.FaultyS3Proxy.Fault;
import io.etcdbackup.testing.S3Server;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * S3 faults on the wire between an {@link S3Store} and a real S3 (S3Proxy), served by a
 * {@link FaultyS3Proxy}: an upload either commits the exact bytes written, once, or fails as a
 * store error with nothing committed and no multipart upload left that the pruner cannot remove.
 */
class S3FaultsIT {

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  /** The smallest part S3 (and --s3-part-size) allows. */
  private static final int PART = (int) StoreOptions.MIN_PART_SIZE;
  private static final String CLUSTER = "prod";

  private FaultyS3Proxy proxy;
  private String prefix;
  private S3Store store;

  @BeforeEach
  void openStoreThroughTheProxy() throws IOException {
    proxy = FaultyS3Proxy.to(S3.endpoint());
    prefix = S3.newPrefix("faults");
    store = S3Store.open(S3.bucket(), prefix,
        S3.storeOptionsBuilder().endpoint(proxy.endpoint()).partSize((long) PART).maxPartsInFlight(2).build());
  }

  @AfterEach
  void close() throws IOException {
    store.close();
    proxy.close();
  }

  @Test
  void partsAnswered500Or503AreSentAgainAndTheObjectCommitsWhole() throws IOException {
    proxy.inject(createMultipartUpload(), Fault.SLOW_DOWN, 1)
        // More 500s than one SDK call retries: S3Upload's own retry of the part takes over.
        .inject(uploadPart(2), Fault.INTERNAL_ERROR, 5)
        .inject(uploadPart(3), Fault.SLOW_DOWN, 2);
    byte[] data = data(3 * PART + 1234, 1);

    StoredObject committed = write("snapshot", data);

    assertThat(proxy.served(Fault.INTERNAL_ERROR)).as("500s served").isEqualTo(5);
    assertThat(proxy.served(Fault.SLOW_DOWN)).as("503s served").isEqualTo(3);
    assertThat(proxy.seen(createMultipartUpload())).as("CreateMultipartUpload sent").hasSize(2);
    assertThat(proxy.seen(completeMultipartUpload())).as("CompleteMultipartUpload sent").hasSize(1);
    assertThat(committed.size()).isEqualTo(data.length);
    assertCommittedOnce("snapshot", data);
  }

  @Test
  void aCompleteMultipartUploadAnswered200WithAnErrorIsSentAgainAndCommitsOnce() throws IOException {
    proxy.inject(completeMultipartUpload(), Fault.OK_WITH_ERROR, 1);
    byte[] data = data(2 * PART + 17, 2);

    write("snapshot", data);

    assertThat(proxy.served(Fault.OK_WITH_ERROR)).as("200-with-error answers served").isEqualTo(1);
    assertThat(proxy.seen(completeMultipartUpload())).as("CompleteMultipartUpload sent").hasSize(2);
    assertCommittedOnce("snapshot", data);
  }

  @Test
  void aCompleteMultipartUploadThatKeepsAnswering200WithAnErrorFailsTheUpload() throws IOException {
    proxy.inject(completeMultipartUpload(), Fault.OK_WITH_ERROR, Integer.MAX_VALUE);

    IOException failure = writeExpectingFailure("snapshot", data(PART + 1, 3));

    assertThat(failure).isNotInstanceOf(InterruptedIOException.class);
    assertThat(failure.getCause()).asInstanceOf(InstanceOfAssertFactories.type(AwsServiceException.class))
        .extracting(S3Errors::errorCode).isEqualTo("InternalError");
    assertThat(proxy.served(Fault.OK_WITH_ERROR)).as("200-with-error answers served").isGreaterThan(1);
    assertNothingLeft();
  }

  /** The completion lands but its answer never comes back: the SDK sends it again, and S3 (like S3Proxy) accepts it. */
  @Test
  void aCompletionWhoseAnswerIsLostIsSentAgainAndCommitsOnce() throws IOException {
    proxy.inject(completeMultipartUpload(), Fault.LOSE_ANSWER, 1);
    byte[] data = data(PART + 5, 6);

    write("snapshot", data);

    assertThat(proxy.served(Fault.LOSE_ANSWER)).as("answers lost").isEqualTo(1);
    assertThat(proxy.seen(completeMultipartUpload())).as("CompleteMultipartUpload sent").hasSize(2);
    assertCommittedOnce("snapshot", data);
  }

  /**
   * S3 goes down for good after part 1 went up: the abort cannot reach it either, so the multipart
   * upload outlives the run; once S3 is back, the pruner's leftover clean-up finds and removes it.
   */
  @ParameterizedTest
  // SERVICE_UNAVAILABLE rather than SLOW_DOWN: the SDK backs off throttling for seconds per attempt.
  @EnumSource(names = {"SERVICE_UNAVAILABLE", "CLOSE_CONNECTION"})
  void anOutageMidUploadFailsTheBackupAsAStoreErrorAndLeavesOnlyWhatThePrunerRemoves(Fault fault) {
    proxy.outageFrom(uploadPart(2), fault);
    BackupRepository repository = new BackupRepository(store);
    Instant start = Instant.now();
    BackupId id = BackupId.create(start);
    String objectKey = Layout.objectKey(CLUSTER, id.toString(), "snapshot.db");
    StoreException failure = backUpExpectingFailure(repository, id, data(3 * PART, 4));
    proxy.heal();

    assertThat(failure).as("the writer's failure").isNotNull();
    assertThat(failure.reason()).isEqualTo(Reason.STORE_ERROR);
    assertThat(failure.getCause()).isInstanceOf(IOException.class).isNotInstanceOf(InterruptedIOException.class);
    assertThat(failure.getCause().getSuppressed()).as("the failed abort, reported with the failure")
        .singleElement().isInstanceOf(IOException.class);
    if (fault == Fault.CLOSE_CONNECTION) {
      assertThat(cause(failure, SdkClientException.class)).as("the SDK's failure").isNotNull()
          .satisfies(e -> assertThat(cause(e, IOException.class)).as("its I/O cause").isNotNull());
    } else {
      assertThat(cause(failure, AwsServiceException.class)).as("S3's answer").isNotNull()
          .satisfies(e -> assertThat(e.statusCode()).isEqualTo(503));
    }
    assertThat(proxy.seen(abortMultipartUpload())).as("aborts tried during the outage").isNotEmpty()
        .allSatisfy(s -> assertThat(s.fault()).isEqualTo(fault));

    // Nothing half-committed: no object, no manifest; the parts wait in an incomplete upload.
    assertThat(S3.client().listObjectsV2(b -> b.bucket(S3.bucket()).prefix(prefix + "/")).contents()).isEmpty();
    assertThat(incompleteUploads()).extracting(IncompleteUpload::key).containsExactly(objectKey);

    PruneResult pruned = new Pruner(repository, Clock.fixed(start.plus(Duration.ofHours(2)), ZoneOffset.UTC))
        .prune(new PruneRequest(CLUSTER, RetentionPolicy.builder().keepLast(1).build(), Duration.ofHours(1), false),
            RunListener.NONE, Cancellation.create());

    assertThat(pruned.uploads()).extracting(IncompleteUpload::key).containsExactly(objectKey);
    assertNothingLeft();
  }

  @Test
  void anOutageFromTheStartFailsTheBackupAsAStoreErrorAndLeavesNothing() throws IOException {
    proxy.outageFrom(r -> true, Fault.CLOSE_CONNECTION);
    StoreException failure = backUpExpectingFailure(new BackupRepository(store), BackupId.create(Instant.now()),
        data(2 * PART, 5));
    proxy.heal();

    assertThat(failure).as("the writer's failure").isNotNull();
    assertThat(failure.reason()).isEqualTo(Reason.STORE_ERROR);
    assertThat(cause(failure, SdkClientException.class)).as("the SDK's failure").isNotNull();
    assertThat(proxy.seen(createMultipartUpload())).as("CreateMultipartUpload tried").isNotEmpty();
    assertThat(proxy.seen(anyUploadPart())).as("parts sent without an upload").isEmpty();
    assertNothingLeft();
  }

  // --- helpers ---

  private StoredObject write(String key, byte[] data) throws IOException {
    try (ObjectUpload upload = store.create(key)) {
      upload.stream().write(data);
      return upload.commit();
    }
  }

  /** Writes {@code data} as backup {@code id}'s data object and commits it, expecting a store error. */
  private static StoreException backUpExpectingFailure(BackupRepository repository, BackupId id, byte[] data) {
    try (PendingBackup backup = repository.begin(CLUSTER, id, "snapshot.db")) {
      return catchThrowableOfType(StoreException.class, () -> {
        backup.stream().write(data);
        backup.commitData();
      });
    }
  }

  private IOException writeExpectingFailure(String key, byte[] data) throws IOException {
    try (ObjectUpload upload = store.create(key)) {
      return catchThrowableOfType(IOException.class, () -> {
        upload.stream().write(data);
        upload.commit();
      });
    }
  }

  /** Exactly one object, {@code key}, with exactly {@code data}, and no multipart upload left. */
  private void assertCommittedOnce(String key, byte[] data) throws IOException {
    assertThat(store.list("")).extracting(StoredObject::key, StoredObject::size)
        .containsExactly(tuple(key, (long) data.length));
    try (InputStream in = store.open(key)) {
      assertThat(sha256(in.readAllBytes())).as("sha256 of the stored bytes").isEqualTo(sha256(data));
    }
    assertThat(incompleteUploads()).isEmpty();
    assertThat(S3.incompleteMultipartUploads(prefix + "/")).isEmpty();
  }

  private void assertNothingLeft() {
    assertThat(S3.client().listObjectsV2(b -> b.bucket(S3.bucket()).prefix(prefix + "/")).contents())
        .as("objects").isEmpty();
    assertThat(S3.incompleteMultipartUploads(prefix + "/")).as("incomplete multipart uploads").isEmpty();
  }

  /** The first of {@code t} and its causes that is a {@code type}, or null. */
  private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  private List<IncompleteUpload> incompleteUploads() {
    try {
      return store.incompleteUploads("");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
