package io.etcdbackup.core.etcd;

/** An active etcd alarm: {@code NOSPACE} or {@code CORRUPT}, raised on one member. */
public record Alarm(long memberId, String type) {
  /** The member's database exceeded its quota: etcd refuses writes until it is disarmed. */
  public static final String NOSPACE = "NOSPACE";

  public String memberIdHex() {
    return Long.toHexString(memberId);
  }
}
