package io.etcdbackup.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Debian's {@code prometheus-pushgateway} on a loopback port, as a real process, for the tests that
 * push metrics. It has no persistence: each instance starts empty. Fails, never skips, when the
 * package is not installed (scripts/test.sh installs it).
 */
public final class Pushgateway implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/prometheus-pushgateway");

  private final Process process;
  private final URI url;
  private final HttpClient http = HttpClient.newHttpClient();

  private Pushgateway(Process process, URI url) {
    this.process = process;
    this.url = url;
  }

  public static Pushgateway start(Path logDir) throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is missing: install Debian's prometheus-pushgateway (scripts/test.sh "
          + "does)");
    }
    int port = EtcdCluster.freePorts(1)[0];
    Files.createDirectories(logDir);
    // Debian's build keeps the groups in a persistence file by default (across instances): each
    // instance gets a file of its own, so that it starts empty.
    Path data = Files.createTempFile(logDir, "pushgateway-", ".data");
    Files.delete(data);
    Process p = new ProcessBuilder(List.of(BINARY.toString(), "--web.listen-address=127.0.0.1:" + port,
        "--persistence.file=" + data))
        .redirectErrorStream(true).redirectOutput(logDir.resolve("pushgateway.log").toFile()).start();
    Pushgateway g = new Pushgateway(p, URI.create("http://127.0.0.1:" + port));
    g.awaitReady(Duration.ofSeconds(30));
    return g;
  }

  private void awaitReady(Duration max) throws IOException, InterruptedException {
    Instant until = Instant.now().plus(max);
    while (Instant.now().isBefore(until)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("prometheus-pushgateway exited with " + process.exitValue());
      }
      try {
        if (http.send(HttpRequest.newBuilder(url.resolve("/-/ready")).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    close();
    throw new IllegalStateException("prometheus-pushgateway not ready within " + max);
  }

  public URI url() {
    return url;
  }

  /** Everything the Pushgateway exposes, in the text format, as Prometheus would scrape it. */
  public String metrics() throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(url.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
