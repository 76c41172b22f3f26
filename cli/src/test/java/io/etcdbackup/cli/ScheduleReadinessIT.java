package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.S3Server;
import io.etcdbackup.testing.TcpProxy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's /readyz follows its store: S3Proxy behind a loopback proxy that the test cuts and
 * restores. Ready while the store answers; 503 naming the store once it does not; ready again when
 * it is back. A store that does not answer at start-up is exit 9 before anything is scheduled.
 */
class ScheduleReadinessIT {
  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @TempDir
  Path tmp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ExecutorService runner = Executors.newCachedThreadPool();
  private Cancellation cancel;

  @AfterEach
  void stopDaemon() {
    if (cancel != null) {
      cancel.cancel("test over");
    }
    runner.shutdownNow();
  }

  private Path config(TcpProxy proxy, String prefix) throws IOException {
    EtcdCluster c = ETCD.cluster();
    Path secret = Files.writeString(tmp.resolve("s3-secret"), S3.secretKey() + "\n");
    return Files.writeString(tmp.resolve("schedule.yaml"), """
        cluster-name: ready
        etcd:
          endpoints: %s
          cacert: %s
          cert: %s
          key: %s
        store:
          uri: %s
          s3-endpoint: http://127.0.0.1:%d
          s3-path-style: true
          s3-region: %s
          s3-access-key-id: %s
          s3-secret-access-key-file: %s
        jobs:
          - name: backup
            kind: backup
            cron: "*/2 * * * * ?"
        """.formatted(c.endpoints(), c.caFile(), c.clientCert().cert(), c.clientCert().key(), S3.storeUri(prefix),
        proxy.port(), S3Server.REGION, S3.accessKey(), secret));
  }

  @Test
  void readyzFollowsTheStoreAwayAndBack() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(S3.endpoint().getHost(), S3.endpoint().getPort())) {
      int port = freePort();
      cancel = Cancellation.create();
      String[] args = {"schedule", "--config", config(proxy, S3.newPrefix("ready")).toString(),
          "--listen", "127.0.0.1:" + port, "--max-backup-age", "1h"};
      CompletableFuture<Cli.Result> result = CompletableFuture.supplyAsync(() -> new Cli().cancellation(cancel).run(args), runner);

      assertThat(awaitReadyz(result, port, 200)).isEqualTo("ok\n"); // a backup made, the store answers

      proxy.cut();
      String down = awaitReadyz(result, port, 503);
      assertThat(down).contains("store: the store s3://").contains("does not answer");

      proxy.restore();
      assertThat(awaitReadyz(result, port, 200)).isEqualTo("ok\n");

      cancel.cancel("SIGTERM received");
      Cli.Result r = result.get(30, TimeUnit.SECONDS);
      assertThat(r.exitCode()).as(r.toString()).isZero();
    }
  }

  @Test
  void aStoreThatDoesNotAnswerAtStartIsExitNineBeforeAnythingRuns() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(S3.endpoint().getHost(), S3.endpoint().getPort())) {
      Path file = config(proxy, S3.newPrefix("unreachable"));
      proxy.cut();
      Cli.Result r = new Cli().run("schedule", "--config", file.toString(), "--listen", "127.0.0.1:" + freePort());
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(ExitCodes.STORE).isEqualTo(9);
      assertThat(r.err().strip()).startsWith("etcd-backup: ").doesNotContain("\n").doesNotContain("job start");
    }
  }

  private String awaitReadyz(CompletableFuture<Cli.Result> result, int port, int status) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    String last = "";
    while (System.nanoTime() < end) {
      assertThat(result).as("the daemon ended early: %s", result.getNow(null)).isNotDone();
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == status) {
          return r.body();
        }
      } catch (IOException e) {
        last = e.toString(); // not listening yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError("/readyz never answered " + status + "; the last: " + last);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
