package io.etcdbackup.restore;

import java.nio.file.Path;
import java.util.ArrayList;
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

  /** The member {@code cfg} describes, restored at {@code revision}, with the flags to start it with. */
  static RestoredMember of(RestoreConfig cfg, long revision) {
    ClusterPlan plan = cfg.plan();
    PlannedMember local = plan.forMember(cfg.name());
    Path dataDir = cfg.dataDir().toAbsolutePath().normalize();
    Path walDir = cfg.walDir().toAbsolutePath().normalize();
    List<String> flags = new ArrayList<>(List.of("--name", cfg.name(), "--data-dir", dataDir.toString()));
    if (cfg.hasDedicatedWalDir()) {
      flags.addAll(List.of("--wal-dir", walDir.toString()));
    }
    flags.addAll(List.of("--initial-advertise-peer-urls", local.peerUrlsFlag(),
        "--initial-cluster", cfg.initialCluster(), "--initial-cluster-token", cfg.initialClusterToken()));
    return new RestoredMember(cfg.name(), local.id(), plan.clusterId(), dataDir, walDir, revision, flags);
  }

  public String memberIdHex() {
    return Long.toHexString(memberId);
  }

  public String clusterIdHex() {
    return Long.toHexString(clusterId);
  }
}
