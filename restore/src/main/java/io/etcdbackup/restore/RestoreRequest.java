package io.etcdbackup.restore;

import io.etcdbackup.core.InvalidInputException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What to restore into, validated once.
 *
 * @param config the etcdutl-style flags: one member's, or with {@code allMembers} the cluster's
 * @param allMembers write {@code <outputDir>/<name>.etcd} for every member of {@code --initial-cluster}
 * @param outputDir the parent of the member data dirs, with {@code allMembers}
 * @param force move a non-empty target aside to {@code <dir>.old-<UTC time>} instead of refusing
 * @param engine who writes the data dirs
 * @param spoolDir where a downloaded backup is spooled
 */
public record RestoreRequest(RestoreConfig config, boolean allMembers, Optional<Path> outputDir, boolean force,
    Engine engine, Path spoolDir) {

  /** Who writes the data dirs once the snapshot passed every check. */
  public enum Engine {
    /** This tool's own writer (no etcd binary needed). */
    NATIVE,
    /** {@code etcdutl snapshot restore} from PATH, for operators who want etcd's own code path. */
    ETCDUTL
  }

  public RestoreRequest {
    Objects.requireNonNull(config, "config");
    outputDir = Objects.requireNonNullElse(outputDir, Optional.empty());
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(spoolDir, "spoolDir");
    if (allMembers && outputDir.isEmpty()) {
      throw new InvalidInputException("--all-members needs --output-dir DIR: each member's data dir is written as DIR/<name>.etcd");
    }
    if (!allMembers && outputDir.isPresent()) {
      throw new InvalidInputException("--output-dir is for --all-members; for one member use --data-dir");
    }
  }
}
