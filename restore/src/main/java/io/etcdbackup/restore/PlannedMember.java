package io.etcdbackup.restore;

import java.util.List;

/**
 * One member of the cluster a restore creates: its name from {@code --initial-cluster}, the id
 * etcd derives for it, and its peer URLs in etcd's canonical sorted form.
 *
 * @param name the member's name (the key in {@code --initial-cluster})
 * @param id the member id, an unsigned 64-bit value
 * @param peerUrls the member's peer URLs, canonical and sorted, as etcd stores them
 */
public record PlannedMember(String name, long id, List<String> peerUrls) {

  public PlannedMember {
    peerUrls = List.copyOf(peerUrls);
  }

  /** The id as etcd prints it: lowercase hex without leading zeros, e.g. {@code a08ab2c85f6798a}. */
  public String idHex() {
    return Long.toHexString(id);
  }

  /** The peer URLs joined with commas: an {@code --initial-advertise-peer-urls} value. */
  public String peerUrlsFlag() {
    return String.join(",", peerUrls);
  }
}
