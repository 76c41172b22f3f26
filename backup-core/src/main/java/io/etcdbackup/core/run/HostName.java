package io.etcdbackup.core.run;

/** This machine's name, for what a run writes about itself (a lock's holder, an election's candidate). */
public final class HostName {
  private HostName() {}

  /** {@code $HOSTNAME} (a pod's name in Kubernetes), else what the resolver says, else {@code unknown}. */
  public static String get() {
    String h = System.getenv("HOSTNAME");
    if (h != null && !h.isBlank()) {
      return h;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "unknown";
    }
  }

  /** {@code host=<name> pid=<pid>}: who a key in etcd belongs to. */
  public static String identity() {
    return "host=" + get() + " pid=" + ProcessHandle.current().pid();
  }
}
