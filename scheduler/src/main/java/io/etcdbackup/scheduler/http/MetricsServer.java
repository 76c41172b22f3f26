package io.etcdbackup.scheduler.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.etcdbackup.core.InvalidInputException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoints of a long-running etcd-backup process (the store exporter, the scheduler
 * daemon), on the JDK's own server:
 * <ul>
 *   <li>{@code GET /metrics}: the registry in Prometheus' text format 0.0.4, or OpenMetrics 1.0.0
 *       when the scraper's {@code Accept} asks for it (Prometheus does);
 *   <li>{@code GET /healthz}: 200 {@code ok} while every {@link HealthCheck} passes, else 503 with
 *       one line per failing check;
 *   <li>{@code GET /readyz} (when readiness checks are given): likewise over those checks;
 *   <li>{@code GET /status} (when a status is given): its JSON;
 *   <li>404 for any other path, 405 (with {@code Allow}) for a method other than GET or HEAD.
 * </ul>
 * A few worker threads and a short queue; when both are full the accepting thread serves the
 * request itself, so a flood of scrapes slows down accepting instead of piling up. Nothing here
 * reads a store or etcd: a scrape only formats what the registry's gauges hold.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

  /** The text format every Prometheus understands. */
  static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
  /** OpenMetrics, for a scraper that asks for it in {@code Accept}. */
  static final String OPENMETRICS_FORMAT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final String PLAIN = "text/plain; charset=utf-8";
  private static final String JSON = "application/json";
  private static final int THREADS = 4;
  private static final int QUEUE = 16;
  /** How long {@link #close} lets requests under way finish. */
  private static final int STOP_GRACE_SECONDS = 1;

  private final HttpServer server;
  private final ThreadPoolExecutor workers;
  private final PrometheusMeterRegistry registry;
  /** By name, in name order. */
  private final Map<String, HealthCheck> health;
  /** By name; null: no {@code /readyz}. */
  private final Map<String, HealthCheck> ready;
  /** null: no {@code /status}. */
  private final Supplier<String> status;

  private MetricsServer(HttpServer server, ThreadPoolExecutor workers, PrometheusMeterRegistry registry,
      Map<String, HealthCheck> health, Map<String, HealthCheck> ready, Supplier<String> status) {
    this.server = server;
    this.workers = workers;
    this.registry = registry;
    this.health = health;
    this.ready = ready;
    this.status = status;
  }

  /**
   * Binds {@code address} and starts serving {@code registry} and the {@code health} checks (by
   * name; none: {@code /healthz} is 200 while the process serves).
   *
   * @throws InvalidInputException when the address cannot be bound (in use, not an address of
   *     this host, a privileged port): the option's value is unusable here
   */
  public static MetricsServer start(ListenAddress address, PrometheusMeterRegistry registry, Map<String, HealthCheck> health) {
    return start(address, registry, health, null, null);
  }

  /**
   * As {@link #start(ListenAddress, PrometheusMeterRegistry, Map)}, plus {@code /readyz} over
   * {@code ready} (checks that may read a cached figure, never block on I/O) and {@code /status}
   * serving {@code status}' JSON; either null leaves its path out (404).
   */
  public static MetricsServer start(ListenAddress address, PrometheusMeterRegistry registry, Map<String, HealthCheck> health,
      Map<String, HealthCheck> ready, Supplier<String> status) {
    HttpServer server;
    try {
      server = HttpServer.create(address.socket(), 0);
    } catch (BindException e) {
      throw new InvalidInputException("cannot listen on " + address.socket() + " (" + address + "): " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + address.socket() + " (" + address + "): " + e.getMessage(), e);
    }
    ThreadPoolExecutor workers = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE), daemonThreads(), new ThreadPoolExecutor.CallerRunsPolicy());
    workers.allowCoreThreadTimeOut(true);
    MetricsServer s = new MetricsServer(server, workers, registry, Collections.unmodifiableSortedMap(new TreeMap<>(health)),
        ready == null ? null : Collections.unmodifiableSortedMap(new TreeMap<>(ready)), status);
    server.createContext("/", s::handle);
    server.setExecutor(workers);
    server.start();
    return s;
  }

  /** The address bound (with the port chosen, for port 0). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /**
   * Lets the requests under way finish (a second at most), then closes every connection and stops.
   * The JDK's own {@code HttpServer.stop(delay)} waits the whole delay on Java 17 even when idle
   * (JDK-8304065, fixed in 21), so the workers are drained first and the server stopped at once;
   * a request that arrives meanwhile is dropped with its connection.
   */
  @Override
  public void close() {
    workers.shutdown();
    try {
      if (!workers.awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      server.stop(0);
    }
  }

  private void handle(HttpExchange ex) {
    try {
      String path = ex.getRequestURI().getPath();
      boolean known = path.equals("/metrics") || path.equals("/healthz") || (path.equals("/readyz") && ready != null)
          || (path.equals("/status") && status != null);
      if (!known) {
        respond(ex, 404, PLAIN, "not found: " + path + " (try " + paths() + ")\n");
        return;
      }
      String method = ex.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(ex, 405, PLAIN, "method " + method + " not allowed: use GET or HEAD\n");
        return;
      }
      switch (path) {
        case "/metrics" -> metrics(ex);
        case "/readyz" -> checks(ex, ready);
        case "/status" -> respond(ex, 200, JSON, status.get() + "\n");
        default -> checks(ex, health);
      }
    } catch (IOException e) {
      // the scraper went away mid-response: nothing to tell it
      LOG.debug("response not sent path={}: {}", ex.getRequestURI().getPath(), e.toString());
    } catch (RuntimeException e) {
      LOG.warn("request failed path={}", ex.getRequestURI().getPath(), e);
      try {
        respond(ex, 500, PLAIN, "internal error: " + e.getClass().getSimpleName() + "\n");
      } catch (IOException | RuntimeException again) {
        LOG.debug("error response not sent: {}", again.toString());
      }
    } finally {
      ex.close();
    }
  }

  private void metrics(HttpExchange ex) throws IOException {
    String format = wantsOpenMetrics(ex.getRequestHeaders().getFirst("Accept")) ? OPENMETRICS_FORMAT : TEXT_FORMAT;
    ByteArrayOutputStream body = new ByteArrayOutputStream(8192);
    registry.scrape(body, format);
    respond(ex, 200, format, body.toByteArray());
  }

  /**
   * OpenMetrics only when asked by name: Prometheus puts it first in {@code Accept}, curl sends
   * {@code *}{@code /*} and gets the text format.
   */
  static boolean wantsOpenMetrics(String accept) {
    return accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text");
  }

  private String paths() {
    return "/metrics, /healthz" + (ready != null ? ", /readyz" : "") + (status != null ? ", /status" : "");
  }

  private void checks(HttpExchange ex, Map<String, HealthCheck> checks) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, HealthCheck> c : checks.entrySet()) {
      Optional<String> p;
      try {
        p = c.getValue().problem();
      } catch (RuntimeException e) {
        p = Optional.of("the check failed: " + e);
      }
      p.ifPresent(text -> problems.add(c.getKey() + ": " + text));
    }
    if (problems.isEmpty()) {
      respond(ex, 200, PLAIN, "ok\n");
    } else {
      respond(ex, 503, PLAIN, String.join("\n", problems) + "\n");
    }
  }

  private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
    respond(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    if (ex.getRequestMethod().equals("HEAD")) {
      // a HEAD response has no body; the JDK server refuses a length with one
      ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
