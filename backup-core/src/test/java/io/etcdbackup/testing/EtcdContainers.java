package io.etcdbackup.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The container backend of {@link EtcdCluster} ({@code -Dtests.containers=true}): one container of
 * the official etcd image per member, on a network of its own.
 *
 * <p>Addresses, and why: members reach each other by network alias ({@code https://m1:2380}), so
 * the peer URLs are only meaningful inside that network. Clients run on this host, and etcd hands
 * its advertised client URLs to them (member list, endpoint discovery), so each member listens
 * inside on the same port number the process backend would use, published on {@code 127.0.0.1}
 * of this host, and advertises {@code https://127.0.0.1:<port>}: one URL valid for every client
 * here. Members never dial each other's client URLs, so that URL need not work between them.
 * Hence a local Docker engine only: with a remote one, 127.0.0.1 is the wrong host.
 *
 * <p>Stop, kill and restart act on the same container ({@code docker stop}, {@code docker kill},
 * {@code docker start}), which keeps its data dir; etcd ignores the {@code --initial-cluster*}
 * flags once a data dir exists, as it does for a restarted process.
 */
final class EtcdContainers implements AutoCloseable {
  static final String PKI_DIR = "/pki";
  private static final String DATA_ROOT = "/var/lib/etcd";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final EtcdVersion version;
  private final Network network;
  private final Map<String, GenericContainer<?>> containers = new LinkedHashMap<>();

  private EtcdContainers(EtcdVersion version, Network network) {
    this.version = version;
    this.network = network;
  }

  /** Checks for a local Docker engine, then creates the network; no container yet. */
  static EtcdContainers create(EtcdVersion version) {
    Containers.requireDocker();
    String host = DockerClientFactory.instance().dockerHostIpAddress();
    if (!Set.of("localhost", "127.0.0.1").contains(host)) {
      throw Containers.unavailable("EtcdCluster on a remote Docker engine (" + host + ")",
          "members advertise client URLs on 127.0.0.1 of this host");
    }
    return new EtcdContainers(version, Network.newNetwork());
  }

  /** The official image of a release; the 3.4 and 3.5 images both hold {@code /usr/local/bin/etcd}. */
  static String image(EtcdVersion version) {
    return "gcr.io/etcd-development/etcd:v" + version.version();
  }

  static String etcdBinary() {
    return "/usr/local/bin/etcd";
  }

  static String dataDir(String member) {
    return DATA_ROOT + "/" + member + ".etcd";
  }

  /** Where a file of the cluster's PKI directory appears inside the containers. */
  static String inContainer(Path pkiDir, Path file) {
    return PKI_DIR + "/" + pkiDir.relativize(file).toString().replace('\\', '/');
  }

  /**
   * Creates and starts member {@code name}'s container with {@code command} (etcd and its flags),
   * {@code pkiDir} copied to {@link #PKI_DIR}, its client port published on 127.0.0.1. Returns
   * once the container runs; the caller waits until etcd serves, as for a process.
   */
  synchronized void start(String name, int clientPort, Path pkiDir, List<String> command) {
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image(version)))
        .withNetwork(network)
        .withNetworkAliases(name)
        .withCopyFileToContainer(MountableFile.forHostPath(pkiDir), PKI_DIR)
        .withCommand(command.toArray(String[]::new))
        // etcd's own /version probe decides when a member serves: a first member cannot become
        // ready before the others join, so Testcontainers must not wait for it.
        .waitingFor(new AbstractWaitStrategy() {
          @Override
          protected void waitUntilReady() {
            // nothing: see above
          }
        })
        .withStartupTimeout(START_TIMEOUT);
    c.addExposedPort(clientPort);
    c.setPortBindings(List.of("127.0.0.1:" + clientPort + ":" + clientPort));
    containers.put(name, c);
    c.start();
  }

  boolean isRunning(String name) {
    GenericContainer<?> c = container(name);
    return c != null && c.getContainerId() != null && c.isRunning();
  }

  /** {@code docker kill} (SIGKILL); returns once the container has stopped. */
  void kill(String name) {
    GenericContainer<?> c = container(name);
    if (c != null && isRunning(name)) {
      c.getDockerClient().killContainerCmd(c.getContainerId()).exec();
      awaitStopped(name);
    }
  }

  /** {@code docker stop} (SIGTERM, SIGKILL after 30 s). */
  void stop(String name) {
    GenericContainer<?> c = container(name);
    if (c != null && isRunning(name)) {
      c.getDockerClient().stopContainerCmd(c.getContainerId()).withTimeout(30).exec();
      awaitStopped(name);
    }
  }

  /** {@code docker start} of the stopped container: same data dir, flags and published port. */
  void restart(String name) {
    GenericContainer<?> c = container(name);
    if (c == null || c.getContainerId() == null) {
      throw new IllegalStateException(name + " has no container to restart");
    }
    c.getDockerClient().startContainerCmd(c.getContainerId()).exec();
  }

  /** The last {@code lines} lines the member's container wrote (etcd logs to stderr). */
  String logTail(String name, int lines) {
    GenericContainer<?> c = container(name);
    if (c == null || c.getContainerId() == null) {
      return "(no container)";
    }
    try {
      List<String> all = c.getLogs().lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (RuntimeException e) {
      return "(cannot read the logs of " + name + "'s container: " + e + ")";
    }
  }

  /** Removes every container and the network; the first failure wins, the rest still go. */
  @Override
  public synchronized void close() {
    RuntimeException failure = null;
    for (GenericContainer<?> c : new ArrayList<>(containers.values())) {
      try {
        c.stop();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    containers.clear();
    try {
      network.close();
    } catch (RuntimeException e) {
      failure = failure == null ? e : failure;
    }
    if (failure != null) {
      throw failure;
    }
  }

  private synchronized GenericContainer<?> container(String name) {
    return containers.get(name);
  }

  private void awaitStopped(String name) {
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    while (isRunning(name)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + "'s container is still running 40 s after it was told to stop");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
