package io.etcdbackup.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;

/**
 * The opt-in switch of the harness: with {@code -Dtests.containers=true}, {@link EtcdCluster} runs
 * its members in the official etcd image and {@code S3Server} runs MinIO, both through
 * Testcontainers, instead of local etcd processes and an in-process S3Proxy (docs/testing.md).
 *
 * <p>Without the flag nothing here touches Testcontainers: its classes are referenced only from
 * method bodies that run when the flag is on, so they are never loaded (checked by
 * {@code DefaultBackendIT}).
 */
public final class Containers {
  public static final String FLAG = "tests.containers";

  /** Why no Docker engine answered; computed once per JVM, so every later use fails the same way, at once. */
  private static String dockerMissing;
  private static boolean dockerChecked;

  private Containers() {}

  /** Whether the tests run with {@code -Dtests.containers=true}. */
  public static boolean enabled() {
    return Boolean.getBoolean(FLAG);
  }

  /**
   * Fails with one line when no Docker engine answers. Called by each container launcher at its
   * first use, before it creates anything.
   */
  public static synchronized void requireDocker() {
    if (!dockerChecked) {
      dockerChecked = true;
      if (!DockerClientFactory.instance().isDockerAvailable()) {
        dockerMissing = reason();
      }
    }
    if (dockerMissing != null) {
      throw new IllegalStateException("-D" + FLAG + "=true needs a Docker engine (none found: " + dockerMissing
          + "); run without it to use local etcd processes and S3Proxy");
    }
  }

  /** The error for a harness feature the container backend cannot provide. */
  public static IllegalStateException unavailable(String feature, String why) {
    return new IllegalStateException(feature + " is not available with -D" + FLAG + "=true: " + why);
  }

  /**
   * What this host offers instead of an engine, in a few words. isDockerAvailable() keeps
   * Testcontainers' own cause to itself (its log lists every strategy it tried), and asking it
   * again yields only "will not retry"; so name the two places a contributor would look at.
   */
  private static String reason() {
    String dockerHost = System.getenv("DOCKER_HOST");
    if (dockerHost != null && !dockerHost.isBlank()) {
      return "DOCKER_HOST=" + dockerHost + " does not answer";
    }
    Path socket = Path.of("/var/run/docker.sock");
    return Files.exists(socket) ? socket + " does not answer" : "DOCKER_HOST is unset and " + socket + " does not exist";
  }
}
