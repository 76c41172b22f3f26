package io.etcdbackup.restore;

import io.etcdbackup.core.InvalidInputException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The membership of the cluster a restore creates, derived from {@code --initial-cluster} and
 * {@code --initial-cluster-token} exactly as etcd derives it.
 *
 * <p>Sources (etcd v3.5.30): {@code client/pkg/types/urlsmap.go} (parsing),
 * {@code server/etcdserver/api/membership/member.go} ({@code computeMemberId}: SHA-1 over the
 * member's sorted peer URLs concatenated without separator, then the token; the id is the first
 * 8 bytes big-endian), {@code membership/cluster.go} ({@code genID}: SHA-1 over every member id,
 * ascending as unsigned, 8 bytes big-endian each), {@code server/config/config.go}
 * ({@code VerifyBootstrap}). No timestamp enters the hash when bootstrapping, so ids are stable:
 * the same flags always give the same ids, here and in {@code etcdutl snapshot restore}.
 */
public final class ClusterPlan {
  private final String initialCluster;
  private final String token;
  private final List<PlannedMember> members;
  private final long clusterId;

  private ClusterPlan(String initialCluster, String token, List<PlannedMember> members) {
    this.initialCluster = initialCluster;
    this.token = token;
    this.members = List.copyOf(members);
    this.clusterId = clusterId(members.stream().map(PlannedMember::id).toList());
  }

  /**
   * Parses {@code --initial-cluster} ({@code name=url,name=url,...}; a name may repeat to give a
   * member several URLs) and computes every id.
   *
   * @throws InvalidInputException naming the flag, the value and the broken rule
   */
  public static ClusterPlan parse(String initialCluster, String token) {
    Map<String, List<String>> raw = splitNameUrls(initialCluster);
    if (raw.isEmpty()) {
      throw new InvalidInputException("--initial-cluster " + GoJson.quote(initialCluster)
          + " names no member: it must list at least the restored member as name=peer-url");
    }
    Set<String> seenUrls = new HashSet<>();
    List<PlannedMember> members = new ArrayList<>();
    Map<Long, String> byId = new TreeMap<>();
    for (Map.Entry<String, List<String>> e : raw.entrySet()) {
      String name = e.getKey();
      if (name.isEmpty()) {
        throw new InvalidInputException("--initial-cluster " + GoJson.quote(initialCluster)
            + " has a member with an empty name: every entry must be name=peer-url");
      }
      List<String> urls;
      try {
        urls = PeerUrls.parse(e.getValue());
      } catch (IllegalArgumentException ex) {
        throw new InvalidInputException("--initial-cluster " + GoJson.quote(initialCluster) + ": member "
            + GoJson.quote(name) + ": " + ex.getMessage());
      }
      for (String u : urls) {
        if (!seenUrls.add(u)) {
          throw new InvalidInputException("--initial-cluster " + GoJson.quote(initialCluster)
              + " has duplicate url " + u + ": every peer URL must belong to one member, once");
        }
      }
      long id = memberId(urls, token);
      if (id == 0) {
        throw new InvalidInputException("--initial-cluster " + GoJson.quote(initialCluster) + ": member "
            + GoJson.quote(name) + " hashes to id 0, which raft reserves: change its URLs or the token");
      }
      String clash = byId.put(id, name);
      if (clash != null) {
        throw new InvalidInputException("--initial-cluster " + GoJson.quote(initialCluster) + ": members "
            + GoJson.quote(clash) + " and " + GoJson.quote(name) + " have the identical id " + Long.toHexString(id));
      }
      members.add(new PlannedMember(name, id, urls));
    }
    members.sort(Comparator.comparing(PlannedMember::id, Long::compareUnsigned));
    return new ClusterPlan(initialCluster, token, members);
  }

  /**
   * etcd's split of {@code --initial-cluster}: items separated by commas (empty items skipped),
   * each split at its first {@code =}; repeated names accumulate URLs. Kept in first-seen order so
   * that errors are reported deterministically (etcd iterates a Go map).
   */
  private static Map<String, List<String>> splitNameUrls(String s) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String item : s.split(",", -1)) {
      if (item.isEmpty()) {
        continue;
      }
      int eq = item.indexOf('=');
      String name = eq < 0 ? item : item.substring(0, eq);
      String value = eq < 0 ? "" : item.substring(eq + 1);
      m.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return m;
  }

  /** SHA-1 of the sorted peer URLs concatenated, then the token; first 8 bytes big-endian. */
  static long memberId(List<String> sortedPeerUrls, String token) {
    MessageDigest sha1 = sha1();
    for (String u : sortedPeerUrls) {
      sha1.update(u.getBytes(StandardCharsets.UTF_8));
    }
    sha1.update(token.getBytes(StandardCharsets.UTF_8));
    return ByteBuffer.wrap(sha1.digest()).getLong();
  }

  /** SHA-1 of the member ids sorted as unsigned, 8 bytes big-endian each; first 8 bytes big-endian. */
  static long clusterId(List<Long> ids) {
    ByteBuffer b = ByteBuffer.allocate(8 * ids.size());
    ids.stream().sorted(Long::compareUnsigned).forEach(b::putLong);
    return ByteBuffer.wrap(sha1().digest(b.array())).getLong();
  }

  private static MessageDigest sha1() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK provides SHA-1", e);
    }
  }

  /**
   * etcd's {@code VerifyBootstrap} for the member {@code name}: it must be in the cluster, and
   * {@code advertisePeerUrls} (comma-separated) must list the same URLs as its
   * {@code --initial-cluster} entry. As in etcd, a DNS-resolving comparison is tried when the
   * strings differ ({@code pkg/netutil.URLStringsEqual}). The advertised URLs are only checked:
   * ids come from {@code --initial-cluster}.
   */
  void verifyBootstrap(String name, String advertisePeerUrls) {
    List<String> advertised;
    try {
      advertised = PeerUrls.parse(List.of(advertisePeerUrls.split(",", -1)));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--initial-advertise-peer-urls " + GoJson.quote(advertisePeerUrls)
          + ": " + e.getMessage());
    }
    PlannedMember local = forMember(name);
    if (!advertised.equals(local.peerUrls()) && !sameResolved(advertised, local.peerUrls())) {
      throw new InvalidInputException("--initial-advertise-peer-urls " + GoJson.quote(advertisePeerUrls)
          + " does not match the peer URLs of member " + GoJson.quote(name) + " in --initial-cluster "
          + GoJson.quote(initialCluster) + " (" + local.peerUrlsFlag() + "): both must list the same URLs");
    }
  }

  /** etcd's fallback: host names resolved to addresses, then compared as sorted lists. */
  private static boolean sameResolved(List<String> a, List<String> b) {
    if (a.size() != b.size()) {
      return false;
    }
    try {
      return resolved(a).equals(resolved(b));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static List<String> resolved(List<String> urls) throws UnknownHostException {
    List<String> out = new ArrayList<>();
    for (String u : urls) {
      int sep = u.indexOf("://");
      String scheme = u.substring(0, sep);
      if (!scheme.startsWith("http")) {
        out.add(u);
        continue;
      }
      String authority = u.substring(sep + 3);
      int colon = authority.lastIndexOf(':');
      String host = authority.substring(0, colon);
      if (host.startsWith("[")) {
        host = host.substring(1, host.length() - 1);
      }
      out.add(scheme + "://" + InetAddress.getByName(host).getHostAddress() + authority.substring(colon));
    }
    out.sort(null);
    return out;
  }

  /** The {@code --initial-cluster} value this plan was parsed from. */
  public String initialCluster() {
    return initialCluster;
  }

  public String token() {
    return token;
  }

  /** The cluster id, an unsigned 64-bit value. */
  public long clusterId() {
    return clusterId;
  }

  /** The cluster id as etcd prints it: lowercase hex without leading zeros. */
  public String clusterIdHex() {
    return Long.toHexString(clusterId);
  }

  /** Every member, in ascending (unsigned) id order: the order etcd writes them in. */
  public List<PlannedMember> members() {
    return members;
  }

  /** Member ids ascending as unsigned: the raft voters. */
  List<Long> memberIds() {
    return members.stream().map(PlannedMember::id).toList();
  }

  /**
   * The member named {@code name}.
   *
   * @throws InvalidInputException if {@code --initial-cluster} has no such member
   */
  public PlannedMember forMember(String name) {
    return members.stream().filter(m -> m.name().equals(name)).findFirst()
        .orElseThrow(() -> new InvalidInputException("--name " + GoJson.quote(name) + " is not in --initial-cluster "
            + GoJson.quote(initialCluster) + ": the restored member must be one of the members listed there"));
  }

  @Override
  public String toString() {
    return "ClusterPlan{clusterId=" + clusterIdHex() + ", members=" + members + "}";
  }
}
