package io.etcdbackup.restore;

import java.nio.file.Path;
import java.util.List;

/**
 * What a restore wrote: the members (with the flags each must start with), where the snapshot
 * came from, its revision, and the old directories moved aside by {@code --force}.
 */
public record RestoreResult(String source, long snapshotRevision, List<RestoredMember> members, List<Path> movedAside,
    RestoreRequest.Engine engine) {
  public RestoreResult {
    members = List.copyOf(members);
    movedAside = List.copyOf(movedAside);
  }
}
