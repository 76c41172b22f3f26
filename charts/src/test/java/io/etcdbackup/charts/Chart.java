package io.etcdbackup.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.etcdbackup.testing.ProjectPaths;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1CronJob;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The chart under test: rendered with helm-java (helm 3.21 in-process), each object parsed with
 * the official Kubernetes models, whose {@code fromJson} rejects unknown fields, missing required
 * fields and wrong types ({@link ChartTest#theModelsRejectUnknownFieldsAtEveryDepth} checks that
 * they still do).
 */
final class Chart {
  static final Path DIR = ProjectPaths.root().resolve("charts/etcd-backup");
  static final Path EXAMPLES = DIR.resolve("examples");
  static final String RELEASE = "eb";
  static final String NAMESPACE = "etcd-backup";
  /** helm-java's default is 1.20, below the chart's kubeVersion; the oldest version the chart supports. */
  static final String KUBE_VERSION = "1.25.0";

  static final YAMLMapper YAML = YAMLMapper.builder().build();
  static final JsonMapper JSON = JsonMapper.builder().build();

  /** The kinds the chart renders that have official models, and each one's strict parser. */
  private static final Map<String, java.util.function.Function<String, Object>> MODELS = Map.of(
      "CronJob", j -> parse(() -> V1CronJob.fromJson(j)),
      "Deployment", j -> parse(() -> V1Deployment.fromJson(j)),
      "Service", j -> parse(() -> V1Service.fromJson(j)),
      "ServiceAccount", j -> parse(() -> V1ServiceAccount.fromJson(j)),
      "ConfigMap", j -> parse(() -> V1ConfigMap.fromJson(j)),
      "PersistentVolumeClaim", j -> parse(() -> V1PersistentVolumeClaim.fromJson(j)),
      "PodDisruptionBudget", j -> parse(() -> V1PodDisruptionBudget.fromJson(j)));

  /** The Prometheus Operator's kinds have no official models: their metadata is parsed, their spec keys checked. */
  private static final Map<String, Set<String>> OPERATOR_SPEC_KEYS = Map.of(
      "ServiceMonitor", Set.of("selector", "namespaceSelector", "endpoints", "jobLabel"),
      "PrometheusRule", Set.of("groups"));

  private Chart() {}

  /** What one render gave: the objects, in helm's order. */
  record Rendered(List<JsonNode> objects) {
    List<JsonNode> ofKind(String kind) {
      return objects.stream().filter(o -> kind.equals(o.path("kind").asString())).toList();
    }

    JsonNode one(String kind) {
      List<JsonNode> all = ofKind(kind);
      if (all.size() != 1) {
        throw new AssertionError("expected one " + kind + ", found " + all.size() + " in " + kinds());
      }
      return all.get(0);
    }

    JsonNode named(String kind, String name) {
      return ofKind(kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asString())).findFirst()
          .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + kinds()));
    }

    List<String> kinds() {
      return objects.stream().map(o -> o.path("kind").asString() + "/" + o.path("metadata").path("name").asString()).toList();
    }

    /** Every object through the official models (or the operator kinds' checks); returns this. */
    Rendered parseStrictly() {
      for (JsonNode o : objects) {
        strict(o);
      }
      return this;
    }
  }

  /** Values that render: the mandatory ones for an external etcd and an S3 bucket. */
  static Map<String, Object> minimal() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("clusterName", "prod");
    v.put("etcd.endpoints[0]", "https://10.0.0.1:2379");
    v.put("etcd.tls.existingSecret", "etcd-client");
    v.put("store.s3.bucket", "etcd-backups");
    v.put("encryption.recipients[0]", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p");
    return v;
  }

  static Rendered render(Map<String, Object> set) {
    return render(null, set);
  }

  /** helm template with {@code valuesFile} (may be null) and {@code --set}s; a schema or template error throws. */
  static Rendered render(Path valuesFile, Map<String, Object> set) {
    TemplateCommand t = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
    if (valuesFile != null) {
      t = t.withValuesFile(valuesFile);
    }
    for (Map.Entry<String, Object> e : set.entrySet()) {
      t = t.set(e.getKey(), e.getValue());
    }
    return new Rendered(documents(t.call()));
  }

  /** The error helm reports for these values (schema or template), or an AssertionError if they render. */
  static String renderError(Map<String, Object> set) {
    try {
      Rendered r = render(set);
      throw new AssertionError("rendered, but should have been refused: " + r.kinds());
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
  }

  static List<JsonNode> documents(String yaml) {
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode n = (JsonNode) it.next();
        if (n != null && !n.isNull() && !n.isMissingNode() && n.size() > 0) {
          docs.add(n);
        }
      }
    }
    return docs;
  }

  static List<Path> examples() {
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void strict(JsonNode o) {
    String kind = o.path("kind").asString();
    String json = JSON.writeValueAsString(o);
    var model = MODELS.get(kind);
    if (model != null) {
      model.apply(json);
      return;
    }
    Set<String> specKeys = OPERATOR_SPEC_KEYS.get(kind);
    if (specKeys == null) {
      throw new AssertionError("the chart renders " + kind + ", which the tests do not know how to check");
    }
    if (!"monitoring.coreos.com/v1".equals(o.path("apiVersion").asString())) {
      throw new AssertionError(kind + " with apiVersion " + o.path("apiVersion"));
    }
    parse(() -> V1ObjectMeta.fromJson(JSON.writeValueAsString(o.path("metadata"))));
    Set<String> top = Set.copyOf(((ObjectNode) o).propertyNames());
    if (!Set.of("apiVersion", "kind", "metadata", "spec").containsAll(top)) {
      throw new AssertionError(kind + " has unknown top-level fields: " + top);
    }
    Set<String> spec = Set.copyOf(((ObjectNode) o.path("spec")).propertyNames());
    if (!specKeys.containsAll(spec)) {
      throw new AssertionError(kind + " spec has unknown fields: " + spec);
    }
  }

  private static Object parse(IoSupplier s) {
    try {
      return s.get();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FunctionalInterface
  private interface IoSupplier {
    Object get() throws IOException;
  }
}
