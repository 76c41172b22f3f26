package io.etcdbackup.restore;

import java.nio.file.Path;
import java.util.List;

/**
 * What a restore wrote: the members (with the flags each must start with), where the snapshot
 * came from, its revision, the old directories moved aside by {@code --force}, and the keys this
 * tool wrote into the source cluster that the snapshot holds ({@code --lock}: they expire with
 * their lease once the restored cluster runs).
 */
public record RestoreResult(String source, long snapshotRevision, List<RestoredMember> members, List<Path> movedAside,
    RestoreRequest.Engine engine, List<String> toolKeys) {
  public RestoreResult {
    members = List.copyOf(members);
    movedAside = List.copyOf(movedAside);
    toolKeys = List.copyOf(toolKeys);
  }
}
