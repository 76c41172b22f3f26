package io.etcdbackup.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/** {@code -Dtests.containers=true} without a Docker engine: S3Server fails at once, with the harness's one line. */
class S3ServerContainersTest {

  @AfterEach
  void clearFlag() {
    System.clearProperty(Containers.FLAG);
  }

  @Test
  void withTheFlagS3ServerNeedsADockerEngineAndSaysSoInOneLine() {
    System.setProperty(Containers.FLAG, "true");
    S3Server s3 = S3Server.http();
    Throwable t = catchThrowable(s3::start);
    try {
      if (DockerClientFactory.instance().isDockerAvailable()) {
        assertThat(t).as("with a Docker engine MinIO starts").isNull();
        assertThat(s3.endpoint().getScheme()).isEqualTo("http");
      } else {
        assertThat(t).isExactlyInstanceOf(IllegalStateException.class).hasNoCause()
            .hasMessageMatching(ContainersTest.NO_DOCKER);
      }
    } finally {
      s3.close();
    }
  }
}
