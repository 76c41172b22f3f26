package io.etcdbackup.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Without {@code -Dtests.containers=true}, S3Server is S3Proxy in this JVM and never loads a
 * Testcontainers class; with the flag, the same run must reach for Testcontainers.
 */
class S3ServerDefaultBackendIT {

  @Test
  void s3ProxyNeverLoadsTestcontainers() throws Throwable {
    assertThat(Class.forName("org.testcontainers.DockerClientFactory")).isNotNull();
    assertThat(WithoutTestcontainers.hides("org.testcontainers.DockerClientFactory")).isTrue();

    if (Containers.enabled()) {
      assertThatThrownBy(() -> WithoutTestcontainers.run(S3ServerDefaultBackendIT.class.getName(), "putAndGet"))
          .isInstanceOf(NoClassDefFoundError.class).hasMessageContaining("org/testcontainers/");
    } else {
      WithoutTestcontainers.run(S3ServerDefaultBackendIT.class.getName(), "putAndGet");
    }
  }

  /** Runs in the loader without Testcontainers. */
  static void putAndGet() {
    try (S3Server s3 = S3Server.http().start()) {
      s3.client().putObject(b -> b.bucket(s3.bucket()).key("k"), RequestBody.fromString("v"));
      String v = s3.client().getObjectAsBytes(b -> b.bucket(s3.bucket()).key("k")).asUtf8String();
      if (!v.equals("v")) {
        throw new AssertionError("read back " + v + ", not v");
      }
    }
  }
}
