package io.etcdbackup.core.etcd;

import java.util.List;

/** One cluster member as {@code etcdctl member list} shows it. */
public record MemberInfo(long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {
  public MemberInfo {
    name = name == null ? "" : name;
    peerUrls = List.copyOf(peerUrls);
    clientUrls = List.copyOf(clientUrls);
  }

  /** The id as etcd prints it: lowercase hex without leading zeros. */
  public String idHex() {
    return Long.toHexString(id);
  }

  /** A member that was added but never started has no name yet (etcdctl shows "unstarted"). */
  public boolean started() {
    return !name.isEmpty();
  }

  /** {@code name (id)} for messages. */
  public String label() {
    return (started() ? name : "unstarted") + " (" + idHex() + ")";
  }
}
