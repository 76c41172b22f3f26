package io.etcdbackup.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Without {@code -Dtests.containers=true}, EtcdCluster runs local processes and never loads a
 * Testcontainers class: a cluster starts, serves, loses a member and gets it back in a class loader
 * that cannot see Testcontainers. With the flag, the same run must reach for Testcontainers.
 */
@ExtendWith(EtcdClusterExtension.class)
class DefaultBackendIT {

  @Test
  void theProcessBackendNeverLoadsTestcontainers() throws Throwable {
    // the loader hides what is really there: otherwise this test could not fail
    assertThat(Class.forName("org.testcontainers.DockerClientFactory")).isNotNull();
    assertThat(WithoutTestcontainers.hides("org.testcontainers.DockerClientFactory")).isTrue();
    assertThat(WithoutTestcontainers.hides(EtcdCluster.class.getName())).isFalse();

    if (Containers.enabled()) {
      assertThatThrownBy(() -> WithoutTestcontainers.run(DefaultBackendIT.class.getName(), "startKillRestart"))
          .isInstanceOf(NoClassDefFoundError.class).hasMessageContaining("org/testcontainers/");
    } else {
      WithoutTestcontainers.run(DefaultBackendIT.class.getName(), "startKillRestart");
    }
  }

  /** Runs in the loader without Testcontainers. */
  static void startKillRestart() {
    try (EtcdCluster c = EtcdCluster.builder().members(1).start()) {
      c.etcdctl("put", "k", "v1");
      c.kill(0);
      if (c.member(0).isRunning()) {
        throw new AssertionError("m1 still runs after kill");
      }
      c.restart(0);
      String v = c.etcdctl("get", "k", "--print-value-only").trim();
      if (!v.equals("v1")) {
        throw new AssertionError("k is " + v + " after the restart, not v1");
      }
    }
  }
}
