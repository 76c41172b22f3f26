package io.etcdbackup.restore;

import java.nio.file.Path;
import java.util.List;

/**
 * A member data dir written by {@link DataDirWriter}, and how to start etcd on it.
 *
 * @param name the member's name
 * @param memberId the member id (unsigned 64-bit; {@code Long.toHexString} prints it as etcd does)
 * @param clusterId the cluster id (unsigned 64-bit)
 * @param dataDir the data dir, absolute
 * @param walDir the WAL dir, absolute ({@code <data-dir>/member/wal} unless {@code --wal-dir} was given)
 * @param revision the main revision of the last key in the restored {@code key} bucket: the
 *     snapshot's revision plus any {@code --bump-revision}
 * @param etcdFlags the flags this member must start with; see {@link DataDirWriter}
 */
public record RestoredMember(String name, long memberId, long clusterId, Path dataDir, Path walDir, long revision,
    List<String> etcdFlags) {

  public RestoredMember {
    etcdFlags = List.copyOf(etcdFlags);
  }

  public String memberIdHex() {
    return Long.toHexString(memberId);
  }

  public String clusterIdHex() {
    return Long.toHexString(clusterId);
  }
}
