package io.etcdbackup.core.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcdbackup.testing.Exec;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EtcdClients#stopTransportForExit()} ends gRPC's event loop threads, which would otherwise
 * hold the JVM's exit for 300 ms. In a JVM of its own ({@link #main}): the call breaks channels
 * built in the second after it, so it must not run inside the test JVM.
 */
class TransportExitTest {

  @Test
  void afterTheCallNoEventLoopThreadIsLeft(@TempDir Path tmp) {
    Exec.Result r = Exec.run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), TransportExitTest.class.getName()), tmp, Duration.ofMinutes(1));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    List<String> lines = r.stdout().lines().toList();
    // The loop ran (the client tried to connect), and is gone once the call returns.
    assertThat(lines.get(0)).startsWith("before: ").contains("ELG");
    assertThat(lines.get(1)).isEqualTo("after: []");
  }

  /** One client that tries a closed port, closed; the event loop's threads before and after the call. */
  public static void main(String[] args) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    EtcdConnectionConfig config = new EtcdConnectionConfig(List.of(URI.create("http://127.0.0.1:" + port)),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false,
        Duration.ofSeconds(2), Duration.ofSeconds(2));
    try (EtcdClients clients = new EtcdClients(config)) {
      try {
        clients.shared(config.endpoints().get(0)).getKVClient()
            .get(ByteSequence.from("k", StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
      } catch (Exception expected) {
        // connection refused: the event loop has run
      }
    }
    System.out.println("before: " + eventLoopThreads());
    EtcdClients.stopTransportForExit();
    System.out.println("after: " + eventLoopThreads());
    System.exit(0);
  }

  private static List<String> eventLoopThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.contains("-ELG-")).sorted().toList();
  }
}
