package io.etcdbackup.core.etcd;

/** An active etcd alarm: {@code NOSPACE} or {@code CORRUPT}, raised on one member. */
public record Alarm(long memberId, String type) {
  public String memberIdHex() {
    return Long.toHexString(memberId);
  }
}
