package io.etcdbackup.storage.s3;

import io.etcdbackup.core.NotFoundException;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.storage.ObjectKeys;
import io.etcdbackup.storage.StoreOptions;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Objects in an S3 bucket under a prefix: key {@code k} of store {@code s3://bucket/prefix} is
 * object {@code prefix/k}. Uploads stream as multipart uploads with bounded memory (see
 * {@link S3Upload}); objects smaller than one part go up in one {@code PutObject} on commit.
 * Every object and part carries a SHA-256 checksum that S3 verifies before storing it.
 */
public final class S3Store implements BackupStore {
  private static final Logger log = LoggerFactory.getLogger(S3Store.class);

  private final S3Client client;
  private final String bucket;
  private final String prefix;
  private final StoreOptions options;
  private final String location;
  private final PartBuffers.Allocator allocator;
  private final List<AutoCloseable> owned;

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
    log.info("store={} opened endpoint={} region={} pathStyle={} sse={} partSize={} maxPartsInFlight={}",
        location, options.endpoint() == null ? "aws" : options.endpoint(), client.serviceClientConfiguration().region(),
        options.pathStyle(), options.sse().value(), options.partSize(), options.maxPartsInFlight());
    return store;
  }

  /** {@code s3://bucket/prefix}, or {@code s3://bucket} when the prefix is empty. */
  @Override
  public String location() {
    return location;
  }

  @Override
  public ObjectUpload create(String key) {
    ObjectKeys.check(location, key);
    PartBuffers buffers = new PartBuffers(Math.toIntExact(options.partSize()), options.maxPartsInFlight() + 1, allocator);
    log.debug("store={} key={} upload started", location, key);
    return new S3Upload(this, key, buffers, options.maxPartsInFlight());
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
    // "p/" rather than "p", so that store s3://b/p never sees objects of s3://b/pq.
    String strip = prefix.isEmpty() ? "" : prefix + "/";
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
    return prefix.isEmpty() ? key : prefix + "/" + key;
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
