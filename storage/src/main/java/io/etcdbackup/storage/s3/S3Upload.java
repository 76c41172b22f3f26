package io.etcdbackup.storage.s3;

import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * One object streaming to S3.
 *
 * <p>The writer fills a part buffer; once it is full and more bytes come, the buffer goes to a
 * background thread as the next part of a multipart upload, and the writer continues in another
 * buffer. At most {@code maxInFlight} parts upload at once; when that many are in flight the writer
 * blocks (back-pressure), so at most {@code maxInFlight + 1} buffers exist. Each part carries its
 * SHA-256, computed here from the buffer, which S3 checks before it stores the part; a part that
 * fails with a retryable error is sent again a few times with backoff.
 *
 * <p>The first failure wins: it is recorded, the multipart upload is aborted, and the writer gets
 * the failure on its next write or on commit. {@link #abort()}, and {@link #close()} without a
 * commit, abort the multipart upload too, so no incomplete upload is left behind to be billed.
 * An object that fits in one buffer never starts a multipart upload: commit sends it with one
 * {@code PutObject}.
 */
final class S3Upload implements ObjectUpload {
  private static final Logger log = LoggerFactory.getLogger(S3Upload.class);

  /** S3 numbers parts 1 to 10,000. */
  static final int MAX_PARTS = 10_000;
  /** Our attempts per part; each is itself a call with the SDK's standard retries. */
  static final int PART_ATTEMPTS = 4;
  private static final long BACKOFF_MILLIS = 250;
  /** How long an abort waits for parts on the wire to finish, before aborting the upload anyway. */
  private static final Duration STOP_WAIT = Duration.ofMinutes(2);
  private static final AtomicInteger UPLOADS = new AtomicInteger();

  private enum State { OPEN, COMMITTED, ABORTED, FAILED }

  /** The Object Lock retention the object is created with. */
  record Retention(ObjectLockMode mode, Instant retainUntil) {
    Retention {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(retainUntil, "retainUntil");
    }
  }

  private final S3Store store;
  private final String key;
  private final String objectKey;
  private final String object;
  private final PartBuffers buffers;
  private final int maxInFlight;
  /** Permits for parts in flight: the writer takes one per part, the part's thread returns it. */
  private final Semaphore inFlight;
  private final AtomicReference<IOException> failure = new AtomicReference<>();
  private final List<Future<CompletedPart>> parts = new ArrayList<>();
  private final OutputStream stream = new UploadStream();
  /** Null: no lock headers. */
  private final Retention retention;

  /** Written by the writer; read by part threads, which stop retrying once the upload is over. */
  private volatile State state = State.OPEN;
  private byte[] current;
  private int filled;
  private long size;
  private String uploadId;
  private ExecutorService executor;

  S3Upload(S3Store store, String key, PartBuffers buffers, int maxInFlight, Retention retention) {
    this.store = store;
    this.retention = retention;
    this.key = key;
    this.objectKey = store.objectKey(key);
    this.object = store.describe(key);
    this.buffers = buffers;
    this.maxInFlight = maxInFlight;
    this.inFlight = new Semaphore(maxInFlight);
  }

  @Override
  public OutputStream stream() {
    return stream;
  }

  @Override
  public StoredObject commit() throws IOException {
    ensureOpen();
    int partCount;
    if (uploadId == null) {
      putWholeObject();
      partCount = 0;
    } else {
      if (filled > 0) {
        submitPart();
      }
      List<CompletedPart> done = awaitParts();
      try {
        store.client().completeMultipartUpload(b -> b.bucket(store.bucket()).key(objectKey).uploadId(uploadId)
            .multipartUpload(m -> m.parts(done)));
      } catch (SdkException e) {
        throw fail("CompleteMultipartUpload", e);
      }
      partCount = done.size();
      executor.shutdown();
    }
    state = State.COMMITTED;
    buffers.release();
    current = null;
    log.info("store={} key={} committed size={} parts={} retainUntil={}", store.location(), key, size, partCount,
        retention == null ? "none" : retention.retainUntil());
    // Neither PutObject nor CompleteMultipartUpload returns the server's time, and a HeadObject
    // would cost a request and s3:GetObject: the local clock at commit it is (stat has the server's).
    return new StoredObject(key, size, Instant.now());
  }

  @Override
  public void abort() throws IOException {
    if (state != State.OPEN) {
      return;
    }
    state = State.ABORTED;
    stopAndAbortMultipart();
    log.info("store={} key={} upload aborted after {} bytes", store.location(), key, size);
  }

  @Override
  public void close() throws IOException {
    abort();
  }

  private void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    while (len > 0) {
      ensureRoom();
      int n = Math.min(len, current.length - filled);
      System.arraycopy(b, off, current, filled, n);
      filled += n;
      size += n;
      off += n;
      len -= n;
    }
  }

  private void write(int b) throws IOException {
    ensureOpen();
    ensureRoom();
    current[filled++] = (byte) b;
    size++;
  }

  /** Makes sure the current buffer can take at least one byte, sending a full one as a part. */
  private void ensureRoom() throws IOException {
    if (current == null) {
      current = takeBuffer();
    } else if (filled == current.length) {
      submitPart();
      current = takeBuffer();
    }
  }

  /** Hands the current buffer to a background thread as the next part; blocks while the window is full. */
  private void submitPart() throws IOException {
    if (parts.size() == MAX_PARTS) {
      throw fail(new IOException(object + ": the object is larger than " + MAX_PARTS + " parts of "
          + buffers.size() + " bytes; raise --s3-part-size"));
    }
    if (uploadId == null) {
      startMultipart();
    }
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw fail("waiting for a part upload slot", e);
    }
    IOException earlier = failure.get();
    if (earlier != null) {
      inFlight.release();
      throw fail(new IOException(earlier.getMessage(), earlier));
    }
    int number = parts.size() + 1;
    byte[] data = current;
    int length = filled;
    current = null;
    filled = 0;
    try {
      parts.add(executor.submit(() -> uploadPart(number, data, length)));
    } catch (RejectedExecutionException e) {
      inFlight.release();
      buffers.give(data);
      throw fail("submitting part " + number, e);
    }
  }

  private void startMultipart() throws IOException {
    CreateMultipartUploadRequest.Builder create = store.withEncryption(CreateMultipartUploadRequest.builder()
        .bucket(store.bucket()).key(objectKey).checksumAlgorithm(ChecksumAlgorithm.SHA256));
    if (retention != null) {
      // S3 requires a checksum on every part of a locked object: each part carries its SHA-256.
      create.objectLockMode(retention.mode()).objectLockRetainUntilDate(retention.retainUntil());
    }
    CreateMultipartUploadRequest request = create.build();
    try {
      uploadId = store.client().createMultipartUpload(request).uploadId();
    } catch (SdkException e) {
      throw fail("CreateMultipartUpload", e);
    }
    int n = UPLOADS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(maxInFlight, maxInFlight, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "s3-upload-" + n + "-part-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    // An upload its caller forgot to commit or close must not pin threads for the life of the JVM.
    pool.allowCoreThreadTimeOut(true);
    executor = pool;
    log.debug("store={} key={} multipart upload started uploadId={}", store.location(), key, uploadId);
  }

  /** Runs on a background thread; the buffer and the slot go back whatever happens. */
  private CompletedPart uploadPart(int number, byte[] data, int length) throws IOException {
    try {
      String sha256 = sha256(data, length);
      UploadPartRequest request = UploadPartRequest.builder()
          .bucket(store.bucket()).key(objectKey).uploadId(uploadId).partNumber(number)
          .contentLength((long) length)
          .checksumAlgorithm(ChecksumAlgorithm.SHA256).checksumSHA256(sha256)
          .build();
      UploadPartResponse response = withRetries("part " + number,
          () -> store.client().uploadPart(request, body(data, length)));
      return CompletedPart.builder().partNumber(number).eTag(response.eTag()).checksumSHA256(sha256).build();
    } catch (InterruptedException | RuntimeException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      IOException error = S3Errors.io(object, "upload of part " + number, e);
      if (failure.compareAndSet(null, error) && state == State.OPEN) {
        log.warn("store={} key={} part={} failed: {}", store.location(), key, number, error.getMessage());
      }
      throw error;
    } finally {
      // The buffer first, so that a writer woken by the permit finds it free.
      buffers.give(data);
      inFlight.release();
    }
  }

  private void putWholeObject() throws IOException {
    byte[] data = current == null ? new byte[0] : current;
    int length = filled;
    PutObjectRequest.Builder put = store.withEncryption(PutObjectRequest.builder()
        .bucket(store.bucket()).key(objectKey).contentLength((long) length)
        .checksumAlgorithm(ChecksumAlgorithm.SHA256).checksumSHA256(sha256(data, length)));
    if (retention != null) {
      // S3 requires Content-MD5 or a checksum header with a lock: the SHA-256 above is one.
      put.objectLockMode(retention.mode()).objectLockRetainUntilDate(retention.retainUntil());
    }
    PutObjectRequest request = put.build();
    try {
      withRetries("PutObject", () -> store.client().putObject(request, body(data, length)));
    } catch (SdkException e) {
      throw fail("PutObject", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw fail("PutObject", e);
    }
  }

  private List<CompletedPart> awaitParts() throws IOException {
    List<CompletedPart> done = new ArrayList<>(parts.size());
    for (Future<CompletedPart> part : parts) {
      try {
        done.add(part.get());
      } catch (ExecutionException e) {
        // Report the first failure, which may be another part's than this one's.
        IOException first = failure.get();
        Throwable cause = first != null ? first : e.getCause();
        throw fail(new IOException(cause.getMessage(), cause));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw fail("waiting for part uploads", e);
      }
    }
    return done;
  }

  private <T> T withRetries(String what, Supplier<T> call) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (SdkException e) {
        if (attempt >= PART_ATTEMPTS || !S3Errors.isRetryable(e) || state != State.OPEN) {
          throw e;
        }
        long delay = (BACKOFF_MILLIS << (attempt - 1)) + ThreadLocalRandom.current().nextLong(BACKOFF_MILLIS);
        log.warn("store={} key={} {} attempt {} of {} failed, retrying in {} ms: {}", store.location(), key, what,
            attempt, PART_ATTEMPTS, delay, S3Errors.message(object, what, e));
        Thread.sleep(delay);
      }
    }
  }

  private void ensureOpen() throws IOException {
    if (state != State.OPEN) {
      throw new IOException(object + ": upload already " + state.name().toLowerCase());
    }
    IOException earlier = failure.get();
    if (earlier != null) {
      throw fail(new IOException(earlier.getMessage(), earlier));
    }
  }

  private byte[] takeBuffer() throws IOException {
    try {
      return buffers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw fail("waiting for a part buffer", e);
    }
  }

  private IOException fail(String operation, Throwable cause) {
    return fail(S3Errors.io(object, operation, cause));
  }

  /** Records the end of this upload by {@code error}: aborts it, and returns the error to throw. */
  private IOException fail(IOException error) {
    if (state == State.OPEN) {
      state = State.FAILED;
      String aborted = "was aborted";
      try {
        stopAndAbortMultipart();
      } catch (IOException e) {
        error.addSuppressed(e);
        // An outage that failed the upload usually fails its abort too: the parts stay until a prune's
        // leftover clean-up (or a lifecycle rule) removes them, and the log must not claim otherwise.
        aborted = "could not be aborted (" + e.getMessage() + ")";
      }
      log.warn("store={} key={} upload failed after {} bytes and {}: {}", store.location(), key, size, aborted,
          error.getMessage());
    }
    return error;
  }

  /** Stops the part threads, then aborts the multipart upload so that S3 frees its parts. */
  private void stopAndAbortMultipart() throws IOException {
    // The SDK refuses to send anything from an interrupted thread; abort first, restore the flag after.
    boolean interrupted = Thread.interrupted();
    try {
      if (executor != null) {
        executor.shutdownNow();
        // A part still on the wire could land after the abort and be kept: wait for it to end.
        if (!awaitQuietly(executor, STOP_WAIT)) {
          interrupted = true;
        }
      }
      if (uploadId != null) {
        abortMultipart();
      }
    } finally {
      buffers.release();
      current = null;
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void abortMultipart() throws IOException {
    // false: NoSuchUpload, already gone (a clean-up of incomplete uploads may have aborted it)
    if (store.abortMultipart(key, uploadId)) {
      log.debug("store={} key={} multipart upload aborted uploadId={}", store.location(), key, uploadId);
    }
  }

  /** False if interrupted while waiting; logs when parts are still running after {@code wait}. */
  private boolean awaitQuietly(ExecutorService executor, Duration wait) {
    try {
      if (!executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("store={} key={} part uploads still running after {}; aborting the upload anyway",
            store.location(), key, wait);
      }
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private static RequestBody body(byte[] data, int length) {
    // A provider rather than fromBytes, which would copy the buffer; the SDK calls it again to retry.
    return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, length), length,
        "application/octet-stream");
  }

  private static String sha256(byte[] data, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(data, 0, length);
      return Base64.getEncoder().encodeToString(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private final class UploadStream extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      S3Upload.this.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      S3Upload.this.write(b, off, len);
    }

    @Override
    public void close() {
      // Closing the stream neither commits nor aborts (ObjectUpload's contract).
    }
  }
}
