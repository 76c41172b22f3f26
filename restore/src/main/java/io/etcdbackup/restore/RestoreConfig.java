package io.etcdbackup.restore;

import io.etcdbackup.core.InvalidInputException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What one restored member is made of: the flags of {@code etcdutl snapshot restore}, validated
 * once, when the record is built, the way etcdutl 3.5.30 validates them
 * ({@code etcdutl/etcdutl/snapshot_command.go}, {@code etcdutl/snapshot/v3_snapshot.go Restore}).
 *
 * <p>Build it with {@link #builder()}, which applies etcdutl's defaults. Invalid input throws
 * {@link InvalidInputException} whose message names the flag, its value and the rule.
 *
 * @param name {@code --name}, default {@code default}
 * @param initialCluster {@code --initial-cluster}, default {@code <name>=http://localhost:2380}
 *     (etcdutl's literal default is {@code default=http://localhost:2380} whatever {@code --name}
 *     says, so {@code etcdutl --name x} without {@code --initial-cluster} fails there; the etcd
 *     server derives the default from the name, and so does this tool)
 * @param initialClusterToken {@code --initial-cluster-token}, default {@code etcd-cluster}
 * @param initialAdvertisePeerUrls {@code --initial-advertise-peer-urls} (comma-separated),
 *     default {@code http://localhost:2380}; must list the same URLs as this member's
 *     {@code --initial-cluster} entry
 * @param dataDir {@code --data-dir}, default {@code <name>.etcd}
 * @param walDir {@code --wal-dir}, default {@code <data-dir>/member/wal}
 * @param skipHashCheck {@code --skip-hash-check}: for the layer that verifies the snapshot's
 *     SHA-256 trailer before the db reaches the writer (the writer itself takes a verified raw db)
 * @param bumpRevision {@code --bump-revision}, 0 = off
 * @param markCompacted {@code --mark-compacted}; required with a bump, refused without one
 * @param preallocateWal extend the WAL segment to etcd's 64,000,000 bytes with a sparse zero tail
 *     (see {@link DataDirWriter})
 * @param authOff the restored db with etcd's auth turned off ({@code auth/authEnabled} = 0): for
 *     restore drills only, whose own etcd must answer without the source cluster's credentials
 *     (users and roles stay as they were; HashKV and the key count do not cover the auth bucket)
 */
public record RestoreConfig(
    String name,
    String initialCluster,
    String initialClusterToken,
    String initialAdvertisePeerUrls,
    Path dataDir,
    Path walDir,
    boolean skipHashCheck,
    long bumpRevision,
    boolean markCompacted,
    boolean preallocateWal,
    boolean authOff) {

  public static final String DEFAULT_NAME = "default";
  public static final String DEFAULT_PEER_URL = "http://localhost:2380";
  public static final String DEFAULT_TOKEN = "etcd-cluster";

  /** Validates every flag and their couplings. */
  public RestoreConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(initialCluster, "initialCluster");
    Objects.requireNonNull(initialClusterToken, "initialClusterToken");
    Objects.requireNonNull(initialAdvertisePeerUrls, "initialAdvertisePeerUrls");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(walDir, "walDir");
    if (bumpRevision < 0) {
      throw new InvalidInputException("--bump-revision (" + bumpRevision + ") must not be negative");
    }
    if ((bumpRevision > 0) != markCompacted) {
      // etcdutl 3.5.30: "--mark-compacted required if --revision-bump > 0", checked both ways.
      throw new InvalidInputException(markCompacted
          ? "--mark-compacted needs --bump-revision > 0 (got --bump-revision " + bumpRevision + ")"
          : "--bump-revision (" + bumpRevision + ") needs --mark-compacted: a bumped revision must be marked compacted");
    }
    ClusterPlan.parse(initialCluster, initialClusterToken).verifyBootstrap(name, initialAdvertisePeerUrls);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The cluster these flags describe (cheap to compute: hashes only). */
  public ClusterPlan plan() {
    return ClusterPlan.parse(initialCluster, initialClusterToken);
  }

  /** The member this config restores. */
  public PlannedMember localMember() {
    return plan().forMember(name);
  }

  /** {@code <data-dir>/member/wal}: where etcd looks for the WAL without {@code --wal-dir}. */
  public Path defaultWalDir() {
    return dataDir.resolve("member").resolve("wal");
  }

  /** Whether the WAL lives somewhere else than {@link #defaultWalDir()}, so etcd needs {@code --wal-dir}. */
  public boolean hasDedicatedWalDir() {
    return !walDir.toAbsolutePath().normalize().equals(defaultWalDir().toAbsolutePath().normalize());
  }

  /**
   * The config of another member of the same {@code --initial-cluster}: its name, its own peer
   * URLs as advertised URLs, {@code dataDir} and the default WAL dir; everything else copied.
   */
  public RestoreConfig forMember(String memberName, Path memberDataDir) {
    PlannedMember m = plan().forMember(memberName);
    return new RestoreConfig(memberName, initialCluster, initialClusterToken, m.peerUrlsFlag(), memberDataDir,
        memberDataDir.resolve("member").resolve("wal"), skipHashCheck, bumpRevision, markCompacted, preallocateWal, authOff);
  }

  private static Path defaultDataDir(String name) {
    try {
      return Path.of(name + ".etcd");
    } catch (InvalidPathException e) {
      throw new InvalidInputException("--name " + GoJson.quote(name)
          + " cannot form the default --data-dir <name>.etcd (" + e.getReason() + "): give --data-dir");
    }
  }

  /** Collects flags; {@link #build()} fills in etcdutl's defaults and validates. */
  public static final class Builder {
    private String name = DEFAULT_NAME;
    private String initialCluster;
    private String initialClusterToken = DEFAULT_TOKEN;
    private String initialAdvertisePeerUrls = DEFAULT_PEER_URL;
    private Path dataDir;
    private Path walDir;
    private boolean skipHashCheck;
    private long bumpRevision;
    private boolean authOff;
    private boolean markCompacted;
    private boolean preallocateWal;

    private Builder() {}

    public Builder name(String v) { this.name = Objects.requireNonNull(v); return this; }
    public Builder initialCluster(String v) { this.initialCluster = v; return this; }
    public Builder initialClusterToken(String v) { this.initialClusterToken = Objects.requireNonNull(v); return this; }
    public Builder initialAdvertisePeerUrls(String v) { this.initialAdvertisePeerUrls = Objects.requireNonNull(v); return this; }
    public Builder dataDir(Path v) { this.dataDir = v; return this; }
    public Builder walDir(Path v) { this.walDir = v; return this; }
    public Builder skipHashCheck(boolean v) { this.skipHashCheck = v; return this; }
    public Builder bumpRevision(long v) { this.bumpRevision = v; return this; }
    public Builder markCompacted(boolean v) { this.markCompacted = v; return this; }
    public Builder preallocateWal(boolean v) { this.preallocateWal = v; return this; }
    /** Drills only (see {@link RestoreConfig#authOff()}): not a restore flag. */
    Builder authOff(boolean v) { this.authOff = v; return this; }

    /**
     * A config for {@link DataDirWriter#writeCluster}: the cluster flags set here, with
     * {@code --name} and {@code --initial-advertise-peer-urls} taken from the member with the
     * smallest id, since every member is written anyway.
     */
    public RestoreConfig buildClusterTemplate() {
      String cluster = initialCluster != null ? initialCluster : name + "=" + DEFAULT_PEER_URL;
      PlannedMember first = ClusterPlan.parse(cluster, initialClusterToken).members().get(0);
      return new Builder().name(first.name()).initialCluster(cluster).initialClusterToken(initialClusterToken)
          .initialAdvertisePeerUrls(first.peerUrlsFlag()).skipHashCheck(skipHashCheck).bumpRevision(bumpRevision)
          .markCompacted(markCompacted).preallocateWal(preallocateWal).build();
    }

    public RestoreConfig build() {
      String cluster = initialCluster != null ? initialCluster : name + "=" + DEFAULT_PEER_URL;
      Path data = dataDir != null ? dataDir : defaultDataDir(name);
      Path wal = walDir != null ? walDir : data.resolve("member").resolve("wal");
      return new RestoreConfig(name, cluster, initialClusterToken, initialAdvertisePeerUrls, data, wal,
          skipHashCheck, bumpRevision, markCompacted, preallocateWal, authOff);
    }
  }
}
