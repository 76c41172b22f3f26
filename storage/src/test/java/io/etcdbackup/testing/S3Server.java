package io.etcdbackup.testing;

import io.etcdbackup.storage.StoreOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * A real S3 endpoint for tests: S3Proxy in this JVM on a free loopback port, storing objects in a
 * temporary directory, with an access key, a secret and one bucket. Over plain HTTP by default, or
 * HTTPS with a certificate from {@link TestPki}.
 *
 * <pre>{@code
 * @RegisterExtension static final S3Server S3 = S3Server.http();   // a static field: started before all tests
 * try (S3Server s3 = S3Server.https(pki).start()) { ... }           // or by hand
 * }</pre>
 *
 * <p>With {@code -Dtests.containers=true} the endpoint is a MinIO container instead
 * ({@link MinioContainer}, docs/testing.md), with the same accessors; {@link #backendFiles()} is
 * not available there.
 *
 * <p>A module using it from storage's test-jar declares {@code org.gaul:s3proxy} (test scope, with
 * logback excluded as in storage's pom) itself: a test-jar brings no dependencies along.
 */
public final class S3Server implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  public static final String REGION = "us-east-1";
  private static final String KEYSTORE_PASSWORD = "s3server";

  private final TestPki pki;
  private final String accessKey = "AKIDTEST" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toUpperCase();
  private final String secretKey = "secret-" + UUID.randomUUID();
  private final String bucket = "etcd-backups-" + UUID.randomUUID().toString().substring(0, 8);
  private Path baseDir;
  private S3Proxy proxy;
  private BlobStore blobStore;
  private URI endpoint;
  private S3Client client;
  /** Null unless -Dtests.containers=true. */
  private MinioContainer minio;

  private S3Server(TestPki pki) {
    this.pki = pki;
  }

  /** An unstarted server over plain HTTP. */
  public static S3Server http() {
    return new S3Server(null);
  }

  /** An unstarted server over HTTPS, with a certificate for 127.0.0.1 issued by {@code pki}. */
  public static S3Server https(TestPki pki) {
    return new S3Server(pki);
  }

  /** Starts S3Proxy and creates the bucket; returns this. */
  public synchronized S3Server start() {
    if (proxy != null || minio != null) {
      return this;
    }
    if (Containers.enabled()) {
      return startMinio();
    }
    try {
      baseDir = Files.createTempDirectory("s3server-");
      Properties props = new Properties();
      props.setProperty("jclouds.filesystem.basedir", baseDir.toString());
      blobStore = BlobStores.create("filesystem", props);
      S3Proxy.Builder builder = S3Proxy.builder()
          .blobStore(blobStore)
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey);
      if (pki == null) {
        builder.endpoint(URI.create("http://127.0.0.1:0"));
      } else {
        Path keyStore = pki.serverKeyStore("s3proxy", KEYSTORE_PASSWORD);
        builder.secureEndpoint(URI.create("https://127.0.0.1:0")).keyStore(keyStore.toString(), KEYSTORE_PASSWORD);
      }
      proxy = builder.build();
      proxy.start();
      if (!"STARTED".equals(proxy.getState())) {
        throw new IllegalStateException("S3Proxy did not start: state " + proxy.getState());
      }
      int port = pki == null ? proxy.getPort() : proxy.getSecurePort();
      endpoint = URI.create((pki == null ? "http" : "https") + "://127.0.0.1:" + port);
      client = newClientBuilder().build();
      client.createBucket(b -> b.bucket(bucket));
      return this;
    } catch (Exception e) {
      close();
      throw new IllegalStateException("cannot start S3Proxy", e);
    }
  }

  private S3Server startMinio() {
    Containers.requireDocker(); // outside the try: that one line is the whole message
    try {
      minio = MinioContainer.start(accessKey, secretKey, pki);
      endpoint = minio.endpoint();
      client = newClientBuilder().build();
      client.createBucket(b -> b.bucket(bucket));
      return this;
    } catch (RuntimeException e) {
      close();
      throw new IllegalStateException("cannot start MinIO (" + MinioContainer.IMAGE + ")", e);
    }
  }

  public URI endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  public String bucket() {
    return bucket;
  }

  public boolean isHttps() {
    return pki != null;
  }

  /** The CA file that signed the server's certificate; null over plain HTTP. */
  public Path caFile() {
    return pki == null ? null : pki.caFile();
  }

  /** {@code s3://bucket/prefix} in this server's bucket. */
  public URI storeUri(String prefix) {
    return URI.create("s3://" + bucket + "/" + prefix);
  }

  /** A fresh, unused prefix, so that each test sees an empty store. */
  public String newPrefix(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Options reaching this server: endpoint, path style, region, credentials, and the CA over HTTPS. */
  public StoreOptions storeOptions() {
    return storeOptionsBuilder().build();
  }

  public StoreOptions.Builder storeOptionsBuilder() {
    return StoreOptions.builder()
        .endpoint(endpoint)
        .pathStyle(true)
        .region(REGION)
        .credentials(accessKey, secretKey)
        .caBundle(caFile());
  }

  /** A client builder for this server, independent of the store under test; add interceptors to it. */
  public S3ClientBuilder newClientBuilder() {
    Apache5HttpClient.Builder http = Apache5HttpClient.builder();
    if (pki != null) {
      var trust = pki.trustManagers().getTrustManagers();
      http.tlsTrustManagersProvider(() -> trust);
    }
    return S3Client.builder()
        .httpClientBuilder(http)
        .endpointOverride(endpoint)
        .forcePathStyle(true)
        .region(Region.of(REGION))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)));
  }

  /** This server's own client, for looking behind a store's back. */
  public S3Client client() {
    return client;
  }

  /** Multipart uploads started and neither completed nor aborted, under {@code keyPrefix}. */
  public List<MultipartUpload> incompleteMultipartUploads(String keyPrefix) {
    List<MultipartUpload> uploads = new ArrayList<>();
    String keyMarker = null;
    String uploadIdMarker = null;
    while (true) {
      String km = keyMarker;
      String um = uploadIdMarker;
      ListMultipartUploadsResponse page = client.listMultipartUploads(b -> b.bucket(bucket).prefix(keyPrefix)
          .keyMarker(km).uploadIdMarker(um));
      uploads.addAll(page.uploads());
      if (!Boolean.TRUE.equals(page.isTruncated())) {
        return uploads;
      }
      keyMarker = page.nextKeyMarker();
      uploadIdMarker = page.nextUploadIdMarker();
    }
  }

  /** Files the backend holds under its base directory, for checks that no stray part remains. */
  public List<Path> backendFiles() {
    if (Containers.enabled()) {
      throw Containers.unavailable("S3Server.backendFiles()", "MinIO keeps its objects inside its container");
    }
    List<Path> files = new ArrayList<>();
    try (var s = Files.walk(baseDir)) {
      s.filter(Files::isRegularFile).forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public synchronized void close() {
    RuntimeException failure = null;
    if (client != null) {
      client.close();
      client = null;
    }
    if (proxy != null) {
      try {
        proxy.stop();
      } catch (Exception e) {
        failure = new IllegalStateException("cannot stop S3Proxy", e);
      }
      proxy = null;
    }
    if (minio != null) {
      try {
        minio.close();
      } catch (RuntimeException e) {
        failure = new IllegalStateException("cannot stop MinIO", e);
      }
      minio = null;
    }
    if (blobStore != null) {
      blobStore.close();
      blobStore = null;
    }
    if (baseDir != null) {
      try {
        deleteRecursively(baseDir);
      } catch (IOException e) {
        if (failure == null) {
          failure = new UncheckedIOException(e);
        }
      }
      baseDir = null;
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
