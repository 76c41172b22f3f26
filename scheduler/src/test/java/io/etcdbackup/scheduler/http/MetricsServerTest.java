package io.etcdbackup.scheduler.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The endpoints over real HTTP, on a free loopback port. */
class MetricsServerTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicReference<Optional<String>> refresh = new AtomicReference<>(Optional.empty());
  private MetricsServer server;

  @BeforeEach
  void start() {
    Gauge.builder("etcd_backup_store_backups", () -> 12).description("Committed backups")
        .tags("cluster", "prod", "store", "s3").register(registry);
    server = MetricsServer.start(ListenAddress.parse("--listen", "127.0.0.1:0"), registry,
        Map.of("refresh", () -> refresh.get()));
  }

  @AfterEach
  void stop() {
    server.close();
    registry.close();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)));
  }

  @Test
  void metricsAreInTheTextFormat() throws Exception {
    HttpResponse<String> r = get("/metrics");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(r.body()).contains("# HELP etcd_backup_store_backups Committed backups\n",
        "# TYPE etcd_backup_store_backups gauge\n", "etcd_backup_store_backups{cluster=\"prod\",store=\"s3\"} 12.0\n");
    assertThat(r.body()).doesNotContain("# EOF");
  }

  @Test
  void openMetricsWhenTheScraperAsksForIt() throws Exception {
    // what Prometheus 2.42 sends
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics")).header("Accept",
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
            + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(r.body()).contains("etcd_backup_store_backups{cluster=\"prod\",store=\"s3\"} 12.0\n").endsWith("# EOF\n");
  }

  @Test
  void anyOtherAcceptGetsTheTextFormat() throws Exception {
    for (String accept : List.of("*/*", "text/plain", "application/json")) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics")).header("Accept", accept));
      assertThat(r.headers().firstValue("Content-Type")).as(accept).hasValue(MetricsServer.TEXT_FORMAT);
    }
  }

  @Test
  void aQueryStringIsIgnored() throws Exception {
    assertThat(get("/metrics?name[]=x").statusCode()).isEqualTo(200);
  }

  @Test
  void headHasTheHeadersAndNoBody() throws Exception {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics")).method("HEAD", HttpRequest.BodyPublishers.noBody()));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(MetricsServer.TEXT_FORMAT);
    assertThat(r.body()).isEmpty();
  }

  @Test
  void healthzIsOkWhileEveryCheckPasses() throws Exception {
    HttpResponse<String> r = get("/healthz");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
    assertThat(r.body()).isEqualTo("ok\n");
  }

  @Test
  void healthzIs503WithTheFailingChecks() throws Exception {
    refresh.set(Optional.of("no refresh finished in the last 3m"));

    HttpResponse<String> r = get("/healthz");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("refresh: no refresh finished in the last 3m\n");
    refresh.set(Optional.empty());
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void aCheckThatThrowsIsAFailingCheck() throws Exception {
    try (MetricsServer other = MetricsServer.start(ListenAddress.parse("--listen", "127.0.0.1:0"), registry,
        Map.of("broken", () -> {
          throw new IllegalStateException("boom");
        }, "fine", Optional::empty))) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + other.address().getPort() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("broken: the check failed: java.lang.IllegalStateException: boom\n");
    }
  }

  @Test
  void otherPathsAre404() throws Exception {
    for (String path : List.of("/", "/metricsx", "/metrics/", "/metrics/x", "/healthz/x", "/readyz", "/favicon.ico")) {
      HttpResponse<String> r = get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).as(path).startsWith("not found: " + path);
    }
  }

  @Test
  void otherMethodsAre405() throws Exception {
    for (String method : List.of("POST", "PUT", "DELETE", "OPTIONS")) {
      for (String path : List.of("/metrics", "/healthz")) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.ofString("x")));
        assertThat(r.statusCode()).as(method + " " + path).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
      }
    }
  }

  @Test
  void manyScrapesAtOnceAreAllServed() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(http.sendAsync(HttpRequest.newBuilder(uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      assertThat(f.get().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aPortInUseIsAnUnusableListenValue() {
    String taken = "127.0.0.1:" + server.address().getPort();

    assertThatThrownBy(() -> MetricsServer.start(ListenAddress.parse("--listen", taken), registry, Map.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("cannot listen on /" + taken + " (--listen " + taken + "): ");
  }

  @Test
  void afterCloseNothingListens() {
    URI metrics = uri("/metrics");
    server.close();

    assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(ConnectException.class);
  }
}
