package io.etcdbackup.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.ProjectPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * A rendered pod's only container, run on this machine as the kubelet would run it: every volume
 * a directory under {@code root} (filled from the test's cluster objects for secrets, configMaps
 * and hostPaths), each mount path in the args replaced by its directory (the only change to the
 * command line), {@code etcd-backup} the packaged jar through bin/etcd-backup, the env resolved
 * from the objects and nothing else in it but PATH and JAVA_HOME.
 *
 * <p>The cluster objects are keyed {@code secret/<name>}, {@code configmap/<name>} and
 * {@code hostPath/<path>}, each a map of file (or key) name to content, as {@code kubectl create
 * secret --from-file} would hold them.
 */
final class LocalPod {
  private final JsonNode pod;
  private final JsonNode container;
  private final Path root;
  private final Map<String, Path> mountDirs = new LinkedHashMap<>();
  /** Longest first, so that a nested mount wins over its parent. */
  private final List<String> mountPaths;

  private LocalPod(JsonNode podSpec, Path root) throws IOException {
    this.pod = podSpec;
    assertThat(podSpec.path("containers").size()).as("one container").isEqualTo(1);
    this.container = podSpec.path("containers").path(0);
    this.root = root;
    for (JsonNode m : container.path("volumeMounts")) {
      mountDirs.put(m.path("mountPath").asString(), Files.createDirectories(root.resolve(m.path("name").asString())));
    }
    List<String> paths = new ArrayList<>(mountDirs.keySet());
    paths.sort(Comparator.comparingInt(String::length).reversed());
    this.mountPaths = paths;
  }

  /** The pod of {@code podSpec} (a PodSpec: a Job's or a Deployment's template spec), its volumes under {@code root}. */
  static LocalPod of(JsonNode podSpec, Path root) throws IOException {
    return new LocalPod(podSpec, root);
  }

  JsonNode container() {
    return container;
  }

  /** A path inside the container as this machine sees it: under a mount, its directory; else unchanged. */
  String mapPath(String value) {
    for (String mp : mountPaths) {
      if (value.equals(mp) || value.startsWith(mp + "/")) {
        return mountDirs.get(mp) + value.substring(mp.length());
      }
    }
    return value;
  }

  /** Every string of {@code tree} through {@link #mapPath} (a copy): the paths a config file names. */
  JsonNode mapPaths(JsonNode tree) {
    if (tree.isString()) {
      return StringNode.valueOf(mapPath(tree.asString()));
    }
    if (tree instanceof ObjectNode o) {
      ObjectNode out = o.deepCopy();
      for (String k : o.propertyNames()) {
        out.set(k, mapPaths(o.get(k)));
      }
      return out;
    }
    if (tree instanceof ArrayNode a) {
      ArrayNode out = a.arrayNode();
      a.forEach(n -> out.add(mapPaths(n)));
      return out;
    }
    return tree;
  }

  /** A port of the container, by name (as a probe names it) or number. */
  int port(JsonNode nameOrNumber) {
    if (nameOrNumber.isNumber()) {
      return nameOrNumber.asInt();
    }
    for (JsonNode p : container.path("ports")) {
      if (nameOrNumber.asString().equals(p.path("name").asString())) {
        return p.path("containerPort").asInt();
      }
    }
    throw new AssertionError("the container has no port " + nameOrNumber + ": " + container.path("ports"));
  }

  /**
   * Fills the volumes from {@code objects} and returns the container's process, not started: its
   * stdout and stderr go to {@link #stdout()} and {@link #stderr()}.
   */
  ProcessBuilder process(Map<String, Map<String, byte[]>> objects) throws IOException {
    for (JsonNode m : container.path("volumeMounts")) {
      fill(mountDirs.get(m.path("mountPath").asString()), ChartTest.volume(pod, m.path("name").asString()), objects);
    }
    List<String> command = new ArrayList<>();
    assertThat(ChartTest.strings(container.path("command"))).as("the image's etcd-backup on PATH")
        .containsExactly("etcd-backup");
    command.add(bin());
    for (String arg : ChartTest.strings(container.path("args"))) {
      int eq = arg.indexOf('=');
      command.add(eq < 0 ? mapPath(arg) : arg.substring(0, eq + 1) + mapPath(arg.substring(eq + 1)));
    }
    ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> !k.equals("PATH") && !k.equals("JAVA_HOME"));
    for (JsonNode e : container.path("env")) {
      String name = e.path("name").asString();
      JsonNode ref = e.path("valueFrom").path("secretKeyRef");
      if (ref.isMissingNode()) {
        env.put(name, e.path("value").asString());
      } else {
        byte[] value = lookup(objects, "secret/" + ref.path("name").asString(), ref.path("key").asString());
        env.put(name, new String(value, StandardCharsets.UTF_8));
      }
    }
    return pb.redirectOutput(stdout().toFile()).redirectError(stderr().toFile());
  }

  Path stdout() {
    return root.resolve("stdout");
  }

  Path stderr() {
    return root.resolve("stderr");
  }

  static String bin() {
    return ProjectPaths.root().resolve("bin/etcd-backup").toString();
  }

  private static void fill(Path dir, JsonNode volume, Map<String, Map<String, byte[]>> objects) throws IOException {
    if (volume.has("emptyDir") || volume.has("persistentVolumeClaim")) {
      return;
    }
    String source;
    JsonNode items;
    if (volume.has("secret")) {
      source = "secret/" + volume.path("secret").path("secretName").asString();
      items = volume.path("secret").path("items");
    } else if (volume.has("configMap")) {
      source = "configmap/" + volume.path("configMap").path("name").asString();
      items = volume.path("configMap").path("items");
    } else if (volume.has("hostPath")) {
      source = "hostPath/" + volume.path("hostPath").path("path").asString();
      items = null;
    } else {
      throw new AssertionError("a volume the test cannot map: " + volume);
    }
    Map<String, byte[]> data = objects.get(source);
    assertThat(data).as("the test's %s", source).isNotNull();
    if (items == null || items.isMissingNode()) {
      for (var e : data.entrySet()) {
        Files.write(dir.resolve(e.getKey()), e.getValue());
      }
    } else {
      for (JsonNode item : items) {
        Files.write(dir.resolve(item.path("path").asString()), lookup(objects, source, item.path("key").asString()));
      }
    }
  }

  private static byte[] lookup(Map<String, Map<String, byte[]>> objects, String source, String key) {
    Map<String, byte[]> data = objects.get(source);
    assertThat(data).as("the test's %s", source).isNotNull();
    assertThat(data).as("%s has key %s", source, key).containsKey(key);
    return data.get(key);
  }
}
