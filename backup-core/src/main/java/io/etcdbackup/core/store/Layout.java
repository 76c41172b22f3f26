package io.etcdbackup.core.store;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.UserText;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where things live in a store (ARCHITECTURE.md, storage layout v1):
 * <pre>
 * v1/&lt;cluster-name&gt;/&lt;backup id&gt;/snapshot.db[.zst][.age]   the data object, written first
 * v1/&lt;cluster-name&gt;/&lt;backup id&gt;/manifest.json             written last: the commit marker
 * </pre>
 */
public final class Layout {
  public static final String ROOT = "v1/";
  public static final String MANIFEST = "manifest.json";
  public static final String DATA_BASENAME = "snapshot.db";
  private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  private Layout() {}

  /** Checks a cluster name: it becomes a path segment in every store. */
  public static String checkClusterName(String name) {
    if (!CLUSTER_NAME.matcher(name).matches()) {
      throw new InvalidInputException("--cluster-name (" + UserText.shown(name)
          + ") must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }

  public static String seriesPrefix(String cluster) {
    return ROOT + cluster + "/";
  }

  public static String backupPrefix(String cluster, String id) {
    return seriesPrefix(cluster) + id + "/";
  }

  public static String manifestKey(String cluster, String id) {
    return backupPrefix(cluster, id) + MANIFEST;
  }

  public static String objectKey(String cluster, String id, String objectName) {
    return backupPrefix(cluster, id) + objectName;
  }

  /** The data object's name: {@code snapshot.db} plus one suffix per transform, in order. */
  public static String objectName(String compressionSuffix, boolean encrypted) {
    return DATA_BASENAME + compressionSuffix + (encrypted ? ".age" : "");
  }

  /** A key's parts: cluster and backup id, when it has the v1 form. */
  public record Parsed(String cluster, String id, String name) {}

  public static Optional<Parsed> parse(String key) {
    if (!key.startsWith(ROOT)) {
      return Optional.empty();
    }
    String[] parts = key.substring(ROOT.length()).split("/", 3);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Parsed(parts[0], parts[1], parts[2]));
  }
}
