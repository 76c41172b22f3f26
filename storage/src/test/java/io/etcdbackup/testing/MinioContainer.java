package io.etcdbackup.testing;

import java.net.URI;
import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The container backend of {@link S3Server} ({@code -Dtests.containers=true}): MinIO with the
 * server's access key and secret as its root credentials (MinIO enforces only their minimum
 * lengths, 3 and 8), path-style, one published port. Over HTTPS it serves a certificate for
 * 127.0.0.1 and localhost from the test PKI, so it must run on a local Docker engine.
 */
final class MinioContainer implements AutoCloseable {
  /** Pinned: a release on Docker Hub; later community releases ship no image there. */
  static final String IMAGE = "minio/minio:RELEASE.2025-04-22T22-12-26Z";
  private static final int PORT = 9000;

  private final GenericContainer<?> container;
  private final boolean https;

  private MinioContainer(GenericContainer<?> container, boolean https) {
    this.container = container;
    this.https = https;
  }

  /** Starts MinIO and waits until it is live; {@code pki} null for plain HTTP. */
  static MinioContainer start(String accessKey, String secretKey, TestPki pki) {
    Containers.requireDocker();
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(IMAGE))
        .withEnv("MINIO_ROOT_USER", accessKey)
        .withEnv("MINIO_ROOT_PASSWORD", secretKey)
        .withExposedPorts(PORT)
        .withStartupTimeout(Duration.ofSeconds(120));
    if (pki == null) {
      c.withCommand("server", "/data").waitingFor(Wait.forHttp("/minio/health/live").forPort(PORT));
    } else {
      TestPki.CertFiles cert = pki.server("minio");
      c.withCopyFileToContainer(MountableFile.forHostPath(cert.cert()), "/certs/public.crt")
          .withCopyFileToContainer(MountableFile.forHostPath(cert.key()), "/certs/private.key")
          .withCommand("server", "/data", "--certs-dir", "/certs")
          .waitingFor(Wait.forHttps("/minio/health/live").forPort(PORT).allowInsecure());
    }
    MinioContainer m = new MinioContainer(c, pki != null);
    try {
      c.start();
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    return m;
  }

  /** The published endpoint on this host. */
  URI endpoint() {
    return URI.create((https ? "https" : "http") + "://" + container.getHost() + ":" + container.getMappedPort(PORT));
  }

  @Override
  public void close() {
    container.stop();
  }
}
