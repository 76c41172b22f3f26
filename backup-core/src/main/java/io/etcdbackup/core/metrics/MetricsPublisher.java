package io.etcdbackup.core.metrics;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.Layout;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a one-shot run's metrics go when it ends, success or failure: a Pushgateway group
 * ({@code --pushgateway}) and a node-exporter textfile ({@code --metrics-file}). Publishing never
 * fails the run: a committed backup stays exit 0 when the Pushgateway is down; the failure is
 * logged.
 *
 * <p><b>Pushgateway</b>: a plain {@code java.net.http} POST of the registry's text format to
 * {@code /metrics/job/<job>/cluster/<cluster>} rather than the Prometheus client's exporter
 * (1.5.1 is the newest that resolves here, behind Micrometer's 1.7 client): one fewer dependency
 * with a version skew, and the method is ours to choose. POST, not PUT: it replaces only the
 * metric names this run carries, so a failed run (which carries no {@code last_success}) leaves
 * the last success of an earlier run in the group, and the Pushgateway's own
 * {@code push_time_seconds} tells a stopped job from a failing one.
 *
 * <p><b>Textfile</b>: the same merge, by metric name, with what the file held (so a failure keeps
 * the last success there too), written to a temporary file in the same directory and renamed over
 * the old one: the collector never reads half a file.
 */
public final class MetricsPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsPublisher.class);
  public static final String DEFAULT_JOB = "etcd-backup";
  static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

  /**
   * Where to publish, validated once.
   *
   * @param pushgateway the Pushgateway's base URL ({@code http://pushgateway:9091})
   * @param job the group's {@code job} label
   * @param metricsFile a {@code .prom} file for node-exporter's textfile collector
   * @param timeout how long a push may take
   */
  public record Target(Optional<URI> pushgateway, String job, Optional<Path> metricsFile, Duration timeout) {
    public Target {
      pushgateway = Objects.requireNonNullElse(pushgateway, Optional.empty());
      pushgateway.ifPresent(u -> {
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
          throw new InvalidInputException("--pushgateway (" + u + ") must be an http:// or https:// URL with a host");
        }
        if (u.getUserInfo() != null) {
          throw new InvalidInputException("--pushgateway must not carry credentials in the URL");
        }
      });
      Objects.requireNonNull(job, "job");
      if (!job.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
        throw new InvalidInputException("--pushgateway-job (" + job + ") must be 1 to 63 letters, digits, '.', '_' or '-'");
      }
      metricsFile = Objects.requireNonNullElse(metricsFile, Optional.empty());
      metricsFile.ifPresent(p -> {
        if (!p.getFileName().toString().endsWith(".prom")) {
          throw new InvalidInputException("--metrics-file (" + p + ") must end in .prom: node-exporter's textfile "
              + "collector reads only those");
        }
      });
      Objects.requireNonNull(timeout, "timeout");
    }

    public boolean any() {
      return pushgateway.isPresent() || metricsFile.isPresent();
    }
  }

  private final Target target;
  private final HttpClient http;

  public MetricsPublisher(Target target) {
    this.target = target;
    this.http = target.pushgateway().isEmpty() ? null
        : HttpClient.newBuilder().connectTimeout(target.timeout()).build();
  }

  /** Pushes and writes {@code registry} for {@code cluster}; logs what fails, never throws. */
  public void publish(PrometheusMeterRegistry registry, String cluster) {
    Layout.checkClusterName(cluster);
    String text = registry.scrape();
    target.pushgateway().ifPresent(u -> {
      try {
        push(u, cluster, text);
      } catch (IOException e) {
        LOG.warn("cannot push metrics cluster={} pushgateway={}: {}", cluster, u, e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        LOG.warn("metrics push interrupted cluster={} pushgateway={}", cluster, u);
      }
    });
    target.metricsFile().ifPresent(p -> {
      try {
        write(p, text);
        LOG.info("metrics written cluster={} file={}", cluster, p);
      } catch (IOException e) {
        LOG.warn("cannot write metrics cluster={} file={}: {}", cluster, p, e.getMessage());
      }
    });
  }

  /** The group's URL: {@code <base>/metrics/job/<job>/cluster/<cluster>} (both are URL-safe by their checks). */
  static URI groupUri(URI base, String job, String cluster) {
    String b = base.toString();
    while (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    return URI.create(b + "/metrics/job/" + job + "/cluster/" + cluster);
  }

  private void push(URI base, String cluster, String text) throws IOException, InterruptedException {
    URI uri = groupUri(base, target.job(), cluster);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(target.timeout())
        .header("Content-Type", TEXT_FORMAT)
        .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException("HTTP " + response.statusCode() + " from " + uri + ": " + firstLine(response.body()));
    }
    LOG.info("metrics pushed cluster={} job={} pushgateway={}", cluster, target.job(), base);
  }

  private static String firstLine(String body) {
    String s = body == null ? "" : body.strip();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Replaces the families in {@code file} that {@code text} has, keeps the others, atomically. */
  static void write(Path file, String text) throws IOException {
    Map<String, String> families = new LinkedHashMap<>();
    try {
      families.putAll(families(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (NoSuchFileException e) {
      // the first run
    }
    families.putAll(families(text));
    StringBuilder out = new StringBuilder();
    families.values().forEach(out::append);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.writeString(temp, out, StandardCharsets.UTF_8);
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * The text format cut into families: each starts at its {@code # HELP} (or {@code # TYPE})
   * line, and holds the lines up to the next family's. Keyed by the family's name.
   */
  static Map<String, String> families(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    String name = null;
    StringBuilder block = new StringBuilder();
    List<String> lines = new ArrayList<>(text.lines().toList());
    for (String line : lines) {
      String header = headerName(line);
      if (header != null && !header.equals(name)) {
        if (name != null) {
          out.put(name, block.toString());
        }
        name = header;
        block = new StringBuilder();
      }
      if (name != null && !line.isBlank()) {
        block.append(line).append('\n');
      }
    }
    if (name != null) {
      out.put(name, block.toString());
    }
    return out;
  }

  private static String headerName(String line) {
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
      String rest = line.substring(7);
      int sp = rest.indexOf(' ');
      return sp < 0 ? rest : rest.substring(0, sp);
    }
    return null;
  }
}
