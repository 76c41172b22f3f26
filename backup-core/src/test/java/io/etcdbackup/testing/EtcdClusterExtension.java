package io.etcdbackup.testing;

import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * JUnit 5 glue for {@link EtcdCluster}.
 *
 * <p>Registered on a static field with a builder, it starts that cluster before the class's tests
 * and closes it after them: {@code @RegisterExtension static EtcdClusterExtension etcd =
 * new EtcdClusterExtension(EtcdCluster.builder().members(3));}. Registered with
 * {@code @ExtendWith(EtcdClusterExtension.class)}, it manages nothing and only reports. Either
 * way, a failed test prints the logs of every etcd it ran against.
 */
public final class EtcdClusterExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, TestWatcher {

  private final EtcdCluster.Builder builder;
  private EtcdCluster cluster;

  /** Reports logs of clusters the tests create themselves. */
  public EtcdClusterExtension() {
    this.builder = null;
  }

  /** Starts the cluster {@code builder} describes before all tests of the class. */
  public EtcdClusterExtension(EtcdCluster.Builder builder) {
    this.builder = builder;
  }

  public EtcdCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException("the cluster starts in beforeAll; register this extension on a static field");
    }
    return cluster;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (builder != null) {
      cluster = builder.start();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    EtcdCluster.forgetClosedLogs();
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    String logs = EtcdCluster.allRecentLogs();
    if (!logs.isEmpty()) {
      System.err.println("===== etcd logs for failed test " + context.getDisplayName() + " =====\n" + logs);
    }
  }

  @Override
  public void testDisabled(ExtensionContext context, Optional<String> reason) {
    // nothing to report
  }
}
