package io.etcdbackup.charts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The chart README is kept by hand (issue 12 allows it, if complete): every key of values.yaml
 * must appear in its table, so that a key added to the chart without a line there fails here.
 */
class ChartReadmeTest {

  @Test
  void everyValueKeyIsInTheReadme() throws Exception {
    String readme = Files.readString(Chart.DIR.resolve("README.md"));
    List<String> missing = new ArrayList<>();
    collect("", Chart.YAML.readTree(Chart.DIR.resolve("values.yaml").toFile()), readme, missing);
    assertThat(missing).as("values.yaml keys the chart README does not name").isEmpty();
  }

  /**
   * The README's table names a key in full ({@code `store.s3.bucket`}), or after a sibling by the
   * rest of its path ({@code `.prefix`}, {@code `keepHourly`}, {@code `.recipientsFrom.key`}), or
   * a whole subtree ({@code `resources.*`}, {@code `.serviceAccount.*`}).
   */
  private static void collect(String prefix, JsonNode node, String readme, List<String> missing) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().isObject() && !e.getValue().isEmpty()) {
        if (!named(readme, path + ".*")) {
          collect(path, e.getValue(), readme, missing);
        }
      } else if (!named(readme, path)) {
        missing.add(path);
      }
    }
  }

  private static boolean named(String readme, String path) {
    String[] parts = path.split("\\.");
    for (int i = 0; i < parts.length; i++) {
      String rest = String.join(".", java.util.Arrays.copyOfRange(parts, i, parts.length));
      if (readme.contains("`" + rest + "`") || readme.contains("`." + rest + "`")) {
        return true;
      }
    }
    return false;
  }
}
