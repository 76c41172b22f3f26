package io.etcdbackup.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * {@code -Dtests.containers=true} without a Docker engine: the harness fails at its first use with
 * one line that says what is missing and how to run without it. On a machine with Docker the
 * same call must succeed instead, so the test holds (and can fail) on both.
 */
class ContainersTest {
  /** The whole message, the reason aside: one line, nothing before or after it. */
  static final String NO_DOCKER = "^-Dtests\\.containers=true needs a Docker engine \\(none found: [^\\n]+\\);"
      + " run without it to use local etcd processes and S3Proxy$";

  @AfterEach
  void clearFlag() {
    System.clearProperty(Containers.FLAG);
  }

  @Test
  void withTheFlagEtcdClusterNeedsADockerEngineAndSaysSoInOneLine() {
    System.setProperty(Containers.FLAG, "true");
    long start = System.nanoTime();
    Throwable t = catchThrowable(() -> EtcdCluster.builder().members(3).build().close());
    long millis = (System.nanoTime() - start) / 1_000_000;

    if (DockerClientFactory.instance().isDockerAvailable()) {
      assertThat(t).as("with a Docker engine the container backend builds").isNull();
    } else {
      assertThat(t).isExactlyInstanceOf(IllegalStateException.class).hasNoCause().hasMessageMatching(NO_DOCKER);
      if (System.getenv("DOCKER_HOST") == null && !Files.exists(Path.of("/var/run/docker.sock"))) {
        assertThat(t).hasMessage("-Dtests.containers=true needs a Docker engine (none found: DOCKER_HOST is unset and"
            + " /var/run/docker.sock does not exist); run without it to use local etcd processes and S3Proxy");
      }
      assertThat(millis).as("fails at once, not after a start timeout").isLessThan(30_000);
      // the second use fails the same way, from the cached answer
      Throwable again = catchThrowable(() -> EtcdCluster.builder().build());
      assertThat(again).hasMessage(t.getMessage());
      System.out.println("no Docker engine, as expected here: " + t.getMessage() + " (" + millis + " ms)");
    }
  }

  @Test
  void withoutTheFlagTheContainerBackendIsOff() {
    System.clearProperty(Containers.FLAG);
    assertThat(Containers.enabled()).isFalse();
    System.setProperty(Containers.FLAG, "false");
    assertThat(Containers.enabled()).isFalse();
  }

  @Test
  void anUnavailableFeatureSaysWhichAndWhy() {
    assertThat(Containers.unavailable("EtcdCluster.Member.dataDir()", "it lives in the container"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("EtcdCluster.Member.dataDir() is not available with -Dtests.containers=true: it lives in the container");
  }
}
