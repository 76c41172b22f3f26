package io.etcdbackup.core.store;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.UserText;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where things live in a store (ARCHITECTURE.md, storage layout):
 * <pre>
 * v2/&lt;cluster-name&gt;/full/&lt;backup id&gt;/snapshot.db[.zst][.age]   the data object, uploaded as the snapshot streams
 * v2/&lt;cluster-name&gt;/full/&lt;backup id&gt;/manifest.json             written last: the commit marker, with the revision
 * v1/&lt;cluster-name&gt;/&lt;backup id&gt;/...                             the same two objects as versions before v2 wrote them
 * </pre>
 * This version writes v2 and reads both. A v2 backup id is the run's id (no revision: it is chosen
 * before the snapshot streams); a v1 id holds the revision. Under {@code v2/<cluster-name>/} each
 * kind of object has a directory of its own ({@link #FULL} for full backups), so that a later kind
 * (a revision log) can live in a series without this version's listing, clean-up or retention even
 * seeing it; and versions that know only v1 never list {@code v2/} at all.
 */
public final class Layout {
  public static final String V1 = "v1/";
  public static final String V2 = "v2/";
  /** The directory of full backups in a v2 series. */
  public static final String FULL = "full/";
  /** The roots this version reads, oldest first. */
  public static final List<String> ROOTS = List.of(V1, V2);
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

  /**
   * Where a series' full backups are, in every layout this version reads: each prefix is listed on
   * its own, and nothing of the series outside them (another kind of object) is ever listed.
   */
  public static List<String> seriesPrefixes(String cluster) {
    return List.of(V1 + cluster + "/", writePrefix(cluster));
  }

  /** Where new backups of {@code cluster} go (v2). */
  public static String writePrefix(String cluster) {
    return V2 + cluster + "/" + FULL;
  }

  /** A backup's directory: v2 for a v2 id, v1 for anything else (a v1 id as older versions wrote it). */
  public static String backupPrefix(String cluster, String id) {
    return BackupId.looksLikeV2(id) ? writePrefix(cluster) + id + "/" : V1 + cluster + "/" + id + "/";
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

  /**
   * A key's parts, when it has the form of a backup's object in one of the layouts: cluster,
   * backup id (not yet checked to be one) and the name in the backup's directory.
   */
  public record Parsed(String cluster, String id, String name, boolean v1) {
    /** The backup id, if the directory name is one of the form its layout writes. */
    public Optional<BackupId> backupId() {
      if (!BackupId.looksLikeId(id)) {
        return Optional.empty();
      }
      BackupId b = BackupId.parse(id);
      return b.v1() == v1 ? Optional.of(b) : Optional.empty();
    }
  }

  public static Optional<Parsed> parse(String key) {
    if (key.startsWith(V1)) {
      String[] parts = key.substring(V1.length()).split("/", 3);
      if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new Parsed(parts[0], parts[1], parts[2], true));
    }
    if (key.startsWith(V2)) {
      String[] parts = key.substring(V2.length()).split("/", 4);
      if (parts.length != 4 || parts[0].isEmpty() || !(parts[1] + "/").equals(FULL) || parts[2].isEmpty()
          || parts[3].isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new Parsed(parts[0], parts[2], parts[3], false));
    }
    return Optional.empty();
  }
}
