package io.etcdbackup.storage.s3;

import io.etcdbackup.core.NotFoundException;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.DeleteFailure;
import io.etcdbackup.core.store.IncompleteUpload;
import io.etcdbackup.core.store.ObjectLock;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.storage.ObjectKeys;
import io.etcdbackup.storage.StoreOptions;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Objects in an S3 bucket under a prefix: key {@code k} of store {@code s3://bucket/prefix} is
 * object {@code prefix/k}. Uploads stream as multipart uploads with bounded memory (see
 * {@link S3Upload}); objects smaller than one part go up in one {@code PutObject} on commit.
 * Every object and part carries a SHA-256 checksum that S3 verifies before storing it.
 *
 * <p>With an object lock ({@code --s3-object-lock-days}), {@link #create(String, Instant)} asks S3
 * to lock the new object ({@code x-amz-object-lock-mode} and {@code -retain-until-date} on the
 * {@code PutObject} or {@code CreateMultipartUpload}); {@link #create(String)} sends no lock, so the
 * bucket's default retention, if any, applies. docs/storage.md says what the bucket needs.
 */
public final class S3Store implements BackupStore {
  private static final Logger log = LoggerFactory.getLogger(S3Store.class);
  /** S3's limit on the keys of one {@code DeleteObjects} request. */
  static final int MAX_KEYS_PER_DELETE = 1000;

  private final S3Client client;
  private final String bucket;
  private final String prefix;
  private final StoreOptions options;
  private final String location;
  private final PartBuffers.Allocator allocator;
  private final List<AutoCloseable> owned;
  /** Set once the store answered {@code DeleteObjects} with 501: from then on, one delete per key. */
  private volatile boolean batchDeleteUnsupported;

  /**
   * A store over {@code client}; {@code owned} (the client, its credentials provider) is closed
   * with the store. Tests pass a client of their own and count buffers through {@code allocator}.
   */
  S3Store(S3Client client, String bucket, String prefix, StoreOptions options,
      PartBuffers.Allocator allocator, List<AutoCloseable> owned) {
    this.client = Objects.requireNonNull(client, "client");
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.prefix = Objects.requireNonNull(prefix, "prefix");
    this.options = Objects.requireNonNull(options, "options");
    this.allocator = Objects.requireNonNull(allocator, "allocator");
    this.owned = List.copyOf(owned);
    this.location = prefix.isEmpty() ? "s3://" + bucket : "s3://" + bucket + "/" + prefix;
  }

  /**
   * A store over {@code s3://bucket/prefix} ({@code prefix} without leading or trailing slash,
   * possibly empty). Nothing is sent until the first operation.
   */
  public static S3Store open(String bucket, String prefix, StoreOptions options) {
    String location = prefix.isEmpty() ? "s3://" + bucket : "s3://" + bucket + "/" + prefix;
    AwsCredentialsProvider credentials = S3Clients.credentials(options);
    S3Client client;
    try {
      client = S3Clients.builder(options, credentials, location).build();
    } catch (RuntimeException e) {
      closeQuietly(credentials, e);
      throw e;
    }
    List<AutoCloseable> owned = new ArrayList<>();
    owned.add(client);
    if (credentials instanceof AutoCloseable c) {
      owned.add(c);
    }
    S3Store store = new S3Store(client, bucket, prefix, options, PartBuffers.Allocator.HEAP, owned);
    log.info("store={} opened endpoint={} region={} pathStyle={} sse={} partSize={} maxPartsInFlight={} objectLock={}",
        location, options.endpoint() == null ? "aws" : options.endpoint(), client.serviceClientConfiguration().region(),
        options.pathStyle(), options.sse().value(), options.partSize(), options.maxPartsInFlight(),
        StoreOptions.describe(options.objectLock()));
    return store;
  }

  /** {@code s3://bucket/prefix}, or {@code s3://bucket} when the prefix is empty. */
  @Override
  public String location() {
    return location;
  }

  @Override
  public ObjectUpload create(String key) {
    return newUpload(key, null);
  }

  /** {@inheritDoc} The lock's mode is this store's {@code --s3-object-lock-mode}. */
  @Override
  public ObjectUpload create(String key, Instant retainUntil) {
    Objects.requireNonNull(retainUntil, "retainUntil");
    ObjectLock lock = options.objectLock();
    if (lock == null) {
      throw new UnsupportedOperationException(location + " has no object lock (--s3-object-lock-days)");
    }
    ObjectLockMode mode = switch (lock.mode()) {
      case GOVERNANCE -> ObjectLockMode.GOVERNANCE;
      case COMPLIANCE -> ObjectLockMode.COMPLIANCE;
    };
    return newUpload(key, new S3Upload.Retention(mode, retainUntil));
  }

  @Override
  public Optional<ObjectLock> objectLock() {
    return Optional.ofNullable(options.objectLock());
  }

  private ObjectUpload newUpload(String key, S3Upload.Retention retention) {
    ObjectKeys.check(location, key);
    PartBuffers buffers = new PartBuffers(Math.toIntExact(options.partSize()), options.maxPartsInFlight() + 1, allocator);
    log.debug("store={} key={} upload started retainUntil={}", location, key,
        retention == null ? "none" : retention.retainUntil());
    return new S3Upload(this, key, buffers, options.maxPartsInFlight(), retention);
  }

  @Override
  public InputStream open(String key) throws IOException {
    String objectKey = objectKey(key);
    try {
      ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket(bucket).key(objectKey)
          // The SDK verifies a whole-object SHA-256 while streaming, when the store returns one.
          .checksumMode(ChecksumMode.ENABLED));
      return new ObjectInputStream(in, describe(key));
    } catch (SdkException e) {
      if (S3Errors.isNotFound(e)) {
        throw new NotFoundException("no object " + describe(key) + " (key '" + key + "')");
      }
      throw S3Errors.io(describe(key), "GetObject", e);
    }
  }

  @Override
  public Optional<StoredObject> stat(String key) throws IOException {
    String objectKey = objectKey(key);
    try {
      HeadObjectResponse head = client.headObject(b -> b.bucket(bucket).key(objectKey));
      return Optional.of(new StoredObject(key, orZero(head.contentLength()), orEpoch(head.lastModified())));
    } catch (SdkException e) {
      if (S3Errors.isNotFound(e)) {
        return Optional.empty();
      }
      throw S3Errors.io(describe(key), "HeadObject", e);
    }
  }

  @Override
  public List<StoredObject> list(String keyPrefix) throws IOException {
    ObjectKeys.checkPrefix(location, keyPrefix);
    String strip = keyBase();
    List<StoredObject> found = new ArrayList<>();
    try {
      for (ListObjectsV2Response page : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(strip + keyPrefix))) {
        for (S3Object o : page.contents()) {
          if (o.key().endsWith("/")) {
            continue; // a "folder" marker some consoles create, not an object of ours
          }
          found.add(new StoredObject(o.key().substring(strip.length()), orZero(o.size()), orEpoch(o.lastModified())));
        }
      }
    } catch (SdkException e) {
      throw S3Errors.io(location + "/" + keyPrefix + "*", "ListObjectsV2", e);
    }
    return found;
  }

  /**
   * {@inheritDoc} One ListObjectsV2 of at most one key: it reaches the endpoint, proves the bucket
   * and the credentials (a wrong secret is 403 SignatureDoesNotMatch). Whether PutObject is allowed
   * cannot be learnt without writing: an IAM policy that lists but does not write still fails at
   * the upload.
   */
  @Override
  public void checkWritable(String keyPrefix) throws IOException {
    ObjectKeys.checkPrefix(location, keyPrefix);
    try {
      client.listObjectsV2(b -> b.bucket(bucket).prefix(keyBase() + keyPrefix).maxKeys(1));
    } catch (SdkException e) {
      throw S3Errors.io(location + "/" + keyPrefix + "*", "ListObjectsV2", e);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    String objectKey = objectKey(key);
    try {
      client.deleteObject(b -> b.bucket(bucket).key(objectKey));
      log.info("store={} key={} deleted", location, key);
    } catch (SdkException e) {
      if (S3Errors.isNotFound(e)) {
        return; // S3 answers 204 for a missing key; some compatible stores answer 404
      }
      throw S3Errors.io(describe(key), "DeleteObject", e);
    }
  }

  /**
   * {@inheritDoc} Batches of {@value #MAX_KEYS_PER_DELETE} keys in quiet {@code DeleteObjects}
   * requests, which answer only with the keys they could not delete. A store that answers 501
   * (S3-compatible stores without the batch API) gets one {@code DeleteObject} per key instead.
   */
  @Override
  public List<DeleteFailure> deleteAll(Collection<String> keys) throws IOException {
    // S3 refuses a request that names a key twice; and every key is checked before the first request.
    Map<String, String> keyOf = new LinkedHashMap<>();
    for (String key : new LinkedHashSet<>(keys)) {
      keyOf.put(objectKey(key), key);
    }
    List<String> objectKeys = List.copyOf(keyOf.keySet());
    List<DeleteFailure> failed = new ArrayList<>();
    for (int from = 0; from < objectKeys.size(); from += MAX_KEYS_PER_DELETE) {
      List<String> batch = objectKeys.subList(from, Math.min(from + MAX_KEYS_PER_DELETE, objectKeys.size()));
      failed.addAll(batchDeleteUnsupported ? deleteEach(batch, keyOf) : deleteBatch(batch, keyOf));
    }
    if (!keyOf.isEmpty()) {
      log.info("store={} deleted keys={} refused={}", location, keyOf.size() - failed.size(), failed.size());
    }
    return failed;
  }

  private List<DeleteFailure> deleteBatch(List<String> batch, Map<String, String> keyOf) throws IOException {
    List<ObjectIdentifier> ids = batch.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
    DeleteObjectsResponse response;
    try {
      response = client.deleteObjects(b -> b.bucket(bucket).delete(d -> d.quiet(true).objects(ids)));
    } catch (SdkException e) {
      if (S3Errors.isNotImplemented(e)) {
        batchDeleteUnsupported = true;
        log.warn("store={} does not implement DeleteObjects ({}); deleting one key at a time", location,
            S3Errors.message(location, "DeleteObjects", e));
        return deleteEach(batch, keyOf);
      }
      throw S3Errors.io(location, "DeleteObjects of " + batch.size() + " keys", e);
    }
    List<DeleteFailure> failed = new ArrayList<>();
    for (S3Error error : response.errors()) {
      // S3 counts a missing key as deleted; a compatible store may report it instead.
      if (!"NoSuchKey".equals(error.code())) {
        String key = keyOf.getOrDefault(error.key(), String.valueOf(error.key()));
        String code = error.code() == null ? "unknown" : error.code();
        failed.add(new DeleteFailure(key, code, error.message()));
      }
    }
    return failed;
  }

  /** The fallback: the store's refusals per key; no answer at all is an IOException, as in a batch. */
  private List<DeleteFailure> deleteEach(List<String> batch, Map<String, String> keyOf) throws IOException {
    List<DeleteFailure> failed = new ArrayList<>();
    for (String objectKey : batch) {
      try {
        client.deleteObject(b -> b.bucket(bucket).key(objectKey));
      } catch (AwsServiceException e) {
        if (!S3Errors.isNotFound(e)) {
          String detail = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
          failed.add(new DeleteFailure(keyOf.get(objectKey), S3Errors.codeOrStatus(e), detail));
        }
      } catch (SdkException e) {
        throw S3Errors.io(describe(keyOf.get(objectKey)), "DeleteObject", e);
      }
    }
    return failed;
  }

  /** {@inheritDoc} Multipart uploads, from {@code ListMultipartUploads}, page by page. */
  @Override
  public List<IncompleteUpload> incompleteUploads(String keyPrefix) throws IOException {
    ObjectKeys.checkPrefix(location, keyPrefix);
    String strip = keyBase();
    List<IncompleteUpload> found = new ArrayList<>();
    String keyMarker = null;
    String uploadIdMarker = null;
    try {
      while (true) {
        String km = keyMarker;
        String um = uploadIdMarker;
        ListMultipartUploadsResponse page = client.listMultipartUploads(b -> b.bucket(bucket)
            .prefix(strip + keyPrefix).keyMarker(km).uploadIdMarker(um));
        for (MultipartUpload u : page.uploads()) {
          if (u.initiated() == null) {
            // Without a start we cannot tell it from a running upload, which must not be aborted.
            log.warn("store={} key={} uploadId={} incomplete upload without an initiation time: not reported",
                location, u.key(), u.uploadId());
          } else if (u.key().startsWith(strip)) {
            found.add(new IncompleteUpload(u.key().substring(strip.length()), u.uploadId(), u.initiated()));
          }
        }
        if (!Boolean.TRUE.equals(page.isTruncated())) {
          return found;
        }
        keyMarker = page.nextKeyMarker();
        uploadIdMarker = page.nextUploadIdMarker();
        if (keyMarker == null || (keyMarker.equals(km) && Objects.equals(uploadIdMarker, um))) {
          throw new IOException(location + "/" + keyPrefix + "*: ListMultipartUploads is truncated but names no "
              + "next page (key marker " + keyMarker + ", upload id marker " + uploadIdMarker + ")");
        }
      }
    } catch (SdkException e) {
      throw S3Errors.io(location + "/" + keyPrefix + "*", "ListMultipartUploads", e);
    }
  }

  @Override
  public void abortIncomplete(IncompleteUpload upload) throws IOException {
    if (abortMultipart(upload.key(), upload.uploadId())) {
      log.info("store={} key={} incomplete upload aborted uploadId={} initiated={}", location, upload.key(),
          upload.uploadId(), upload.initiated());
    }
  }

  @Override
  public void close() throws IOException {
    Exception first = null;
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw new IOException(location + ": cannot close the S3 client: " + first.getMessage(), first);
    }
  }

  @Override
  public String toString() {
    return "S3Store[" + location + "]";
  }

  // --- for S3Upload ---

  S3Client client() {
    return client;
  }

  String bucket() {
    return bucket;
  }

  String prefix() {
    return prefix;
  }

  String objectKey(String key) {
    ObjectKeys.check(location, key);
    return keyBase() + key;
  }

  /**
   * What every object key of this store starts with: {@code prefix/}, or nothing. "p/" rather than
   * "p", so that store s3://b/p never sees objects of s3://b/pq.
   */
  private String keyBase() {
    return prefix.isEmpty() ? "" : prefix + "/";
  }

  /**
   * Aborts multipart upload {@code uploadId} of {@code key}, so that S3 frees its parts; false if
   * it was gone already ({@code NoSuchUpload}).
   */
  boolean abortMultipart(String key, String uploadId) throws IOException {
    String objectKey = objectKey(key);
    try {
      client.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId));
      return true;
    } catch (SdkException e) {
      if (S3Errors.isNotFound(e)) {
        return false;
      }
      throw S3Errors.io(describe(key), "AbortMultipartUpload of upload " + uploadId
          + " (remove it with 'aws s3api abort-multipart-upload' or a lifecycle rule)", e);
    }
  }

  /** {@code s3://bucket/prefix/key}: the object, for messages and logs. */
  String describe(String key) {
    return location + "/" + key;
  }

  PutObjectRequest.Builder withEncryption(PutObjectRequest.Builder b) {
    switch (options.sse()) {
      case NONE -> { }
      case AES256 -> b.serverSideEncryption(ServerSideEncryption.AES256);
      case AWS_KMS -> b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(options.kmsKeyId());
    }
    return b;
  }

  CreateMultipartUploadRequest.Builder withEncryption(CreateMultipartUploadRequest.Builder b) {
    switch (options.sse()) {
      case NONE -> { }
      case AES256 -> b.serverSideEncryption(ServerSideEncryption.AES256);
      case AWS_KMS -> b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(options.kmsKeyId());
    }
    return b;
  }

  private static long orZero(Long n) {
    return n == null ? 0 : n;
  }

  private static Instant orEpoch(Instant t) {
    return t == null ? Instant.EPOCH : t;
  }

  private static void closeQuietly(Object resource, Exception into) {
    if (resource instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        into.addSuppressed(e);
      }
    }
  }

  /**
   * Names the object in read errors, turns the SDK's unchecked checksum failure into an
   * IOException, refuses to end early (a truncated body must never look like a whole object),
   * and aborts rather than drains the connection when closed before the end.
   */
  private static final class ObjectInputStream extends FilterInputStream {
    private final ResponseInputStream<GetObjectResponse> response;
    private final String object;
    private final long length;
    private long read;

    ObjectInputStream(ResponseInputStream<GetObjectResponse> in, String object) {
      super(in);
      this.response = in;
      this.object = object;
      Long contentLength = in.response().contentLength();
      this.length = contentLength == null ? -1 : contentLength;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n;
      try {
        n = super.read(b, off, len);
      } catch (IOException | SdkException e) {
        throw new IOException(object + ": read failed after " + read + " bytes: " + e.getMessage(), e);
      }
      if (n < 0 && length >= 0 && read < length) {
        throw new IOException(object + ": the download ended after " + read + " of " + length + " bytes");
      }
      if (n > 0) {
        read += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      read += skipped;
      return skipped;
    }

    @Override
    public void close() throws IOException {
      if (length < 0 || read < length) {
        response.abort(); // do not download the rest of a large object just to reuse a connection
      }
      super.close();
    }
  }
}
