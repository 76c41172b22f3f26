package io.etcdbackup.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Debian's {@code prometheus} on a loopback port, scraping the given targets every second and
 * evaluating the given rule files every second, for end-to-end alerting tests. Fails, never
 * skips, when the package is not installed (scripts/test.sh installs it).
 */
public final class Prometheus implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/prometheus");
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  /** One scrape job: its name, its targets ({@code host:port}), and whether pushed labels win. */
  public record Job(String name, List<String> targets, boolean honorLabels) {}

  private final Process process;
  private final URI url;
  private final HttpClient http = HttpClient.newHttpClient();

  private Prometheus(Process process, URI url) {
    this.process = process;
    this.url = url;
  }

  public static Prometheus start(Path dir, List<Job> jobs, List<Path> ruleFiles) throws IOException,
      InterruptedException {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is missing: install Debian's prometheus (scripts/test.sh does)");
    }
    Files.createDirectories(dir);
    StringBuilder config = new StringBuilder("""
        global:
          scrape_interval: 1s
          scrape_timeout: 900ms
          evaluation_interval: 1s
        """);
    if (!ruleFiles.isEmpty()) {
      config.append("rule_files:\n");
      ruleFiles.forEach(r -> config.append("  - ").append(r.toAbsolutePath()).append('\n'));
    }
    config.append("scrape_configs:\n");
    for (Job j : jobs) {
      config.append("  - job_name: ").append(j.name()).append('\n')
          .append("    honor_labels: ").append(j.honorLabels()).append('\n')
          .append("    static_configs:\n      - targets: [")
          .append(String.join(", ", j.targets().stream().map(t -> "'" + t + "'").toList())).append("]\n");
    }
    Path configFile = dir.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    int port = EtcdCluster.freePorts(1)[0];
    List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--config.file=" + configFile,
        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
        // the console templates of the Debian package are not needed, and not always installed
        "--web.console.templates=" + dir, "--web.console.libraries=" + dir));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
    Prometheus prom = new Prometheus(p, URI.create("http://127.0.0.1:" + port));
    prom.awaitReady(Duration.ofSeconds(60), dir.resolve("prometheus.log"));
    return prom;
  }

  private void awaitReady(Duration max, Path log) throws IOException, InterruptedException {
    Instant until = Instant.now().plus(max);
    while (Instant.now().isBefore(until)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("prometheus exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        if (http.send(HttpRequest.newBuilder(url.resolve("/-/ready")).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    close();
    throw new IllegalStateException("prometheus not ready within " + max + ":\n" + Files.readString(log));
  }

  public URI url() {
    return url;
  }

  private JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(url.resolve(pathAndQuery)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("prometheus " + pathAndQuery + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** An instant query's result vector ({@code data.result}). */
  public JsonNode query(String promql) throws IOException, InterruptedException {
    return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).get("data").get("result");
  }

  /** The alerts Prometheus holds now (pending and firing), as {@code /api/v1/alerts} gives them. */
  public JsonNode alerts() throws IOException, InterruptedException {
    return get("/api/v1/alerts").get("data").get("alerts");
  }

  /** The state of alert {@code name} for {@code cluster}: "firing", "pending" or "inactive". */
  public String alertState(String name, String cluster) throws IOException, InterruptedException {
    for (JsonNode a : alerts()) {
      if (a.get("labels").get("alertname").asString().equals(name) && a.get("labels").has("cluster")
          && a.get("labels").get("cluster").asString().equals(cluster)) {
        return a.get("state").asString();
      }
    }
    return "inactive";
  }

  /** Polls {@code probe} until it holds or {@code max} passes; returns whether it held. */
  public static boolean await(Duration max, Check probe) throws Exception {
    Instant until = Instant.now().plus(max);
    while (Instant.now().isBefore(until)) {
      if (probe.holds()) {
        return true;
      }
      Thread.sleep(250);
    }
    return probe.holds();
  }

  /** A condition a test waits for. */
  @FunctionalInterface
  public interface Check {
    boolean holds() throws Exception;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
