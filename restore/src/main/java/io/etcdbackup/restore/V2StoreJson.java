package io.etcdbackup.restore;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;

/**
 * The v2 store that a restored member's {@code .snap} carries, serialised as etcd's
 * {@code v2store.store.Save} does (server/etcdserver/api/v2store/*.go, v3.5.30).
 *
 * <p>Restore starts from an empty store with the namespaces {@code /0} and {@code /1}, then, for
 * each member in id order, creates {@code /0/members/<hex id>/raftAttributes} holding
 * {@code {"peerURLs":[..]}} ({@code membership.unsafeSaveMemberToStore}). Member <i>i</i>
 * (1-based) gets store index <i>i</i>; the first create also makes {@code /0/members} at index 1.
 * Go's {@code json.Marshal} then writes struct fields in declaration order and map keys sorted,
 * so {@code Children} of {@code /0/members} are in hex-string order, while the event history
 * (a ring of 1000 slots, unused ones {@code null}) is in creation order.
 */
final class V2StoreJson {
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";
  private static final int HISTORY_CAPACITY = 1000;

  private V2StoreJson() {}

  static byte[] encode(List<PlannedMember> membersInIdOrder) {
    int n = membersInIdOrder.size();
    StringBuilder sb = new StringBuilder(8192);
    sb.append("{\"Root\":");
    dirOpen(sb, "/", 0);
    sb.append("\"0\":");
    dirOpen(sb, "/0", 0);
    sb.append("\"members\":");
    dirOpen(sb, "/0/members", 1);
    List<PlannedMember> byHex = membersInIdOrder.stream()
        .sorted(Comparator.comparing(PlannedMember::idHex)).toList();
    for (int k = 0; k < n; k++) {
      PlannedMember m = byHex.get(k);
      long index = membersInIdOrder.indexOf(m) + 1L;
      if (k > 0) {
        sb.append(',');
      }
      GoJson.appendQuoted(sb, m.idHex());
      sb.append(':');
      String dir = "/0/members/" + m.idHex();
      dirOpen(sb, dir, index);
      sb.append("\"raftAttributes\":");
      node(sb, dir + "/raftAttributes", index, MemberJson.raftAttributes(m));
      sb.append("}}");
    }
    sb.append("}}"); // members
    sb.append("}},"); // /0
    sb.append("\"1\":");
    dirOpen(sb, "/1", 0);
    sb.append("}}"); // /1
    sb.append("}},"); // Root
    watcherHub(sb, membersInIdOrder);
    sb.append(",\"CurrentIndex\":").append(n);
    sb.append(",\"Stats\":{\"getsSuccess\":0,\"getsFail\":0,\"setsSuccess\":0,\"setsFail\":0,"
        + "\"deleteSuccess\":0,\"deleteFail\":0,\"updateSuccess\":0,\"updateFail\":0,\"createSuccess\":")
        .append(n)
        .append(",\"createFail\":0,\"compareAndSwapSuccess\":0,\"compareAndSwapFail\":0,"
            + "\"compareAndDeleteSuccess\":0,\"compareAndDeleteFail\":0,\"expireCount\":0,\"watchers\":0}");
    sb.append(",\"CurrentVersion\":2}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A directory node up to and including the opening brace of its Children map. */
  private static void dirOpen(StringBuilder sb, String path, long index) {
    nodeHead(sb, path, index, "");
    sb.append(",\"Children\":{");
  }

  private static void node(StringBuilder sb, String path, long index, String value) {
    nodeHead(sb, path, index, value);
    sb.append(",\"Children\":null}");
  }

  private static void nodeHead(StringBuilder sb, String path, long index, String value) {
    sb.append("{\"Path\":");
    GoJson.appendQuoted(sb, path);
    sb.append(",\"CreatedIndex\":").append(index).append(",\"ModifiedIndex\":").append(index)
        .append(",\"ExpireTime\":\"").append(ZERO_TIME).append("\",\"Value\":");
    GoJson.appendQuoted(sb, value);
  }

  /** {@code WatcherHub.EventHistory}: one create event per member, as {@code eventQueue.insert} fills the ring. */
  private static void watcherHub(StringBuilder sb, List<PlannedMember> members) {
    String[] slots = new String[HISTORY_CAPACITY];
    long[] slotIndex = new long[HISTORY_CAPACITY];
    int size = 0;
    int front = 0;
    int back = 0;
    long lastIndex = 0;
    for (int i = 0; i < members.size(); i++) {
      long index = i + 1L;
      slots[back] = createEvent(members.get(i), index);
      slotIndex[back] = index;
      back = (back + 1) % HISTORY_CAPACITY;
      if (size == HISTORY_CAPACITY) {
        front = (front + 1) % HISTORY_CAPACITY;
      } else {
        size++;
      }
      lastIndex = index;
    }
    long startIndex = slotIndex[front];
    sb.append("\"WatcherHub\":{\"EventHistory\":{\"Queue\":{\"Events\":[");
    for (int i = 0; i < HISTORY_CAPACITY; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(slots[i] == null ? "null" : slots[i]);
    }
    sb.append("],\"Size\":").append(size).append(",\"Front\":").append(front).append(",\"Back\":").append(back)
        .append(",\"Capacity\":").append(HISTORY_CAPACITY).append("},\"StartIndex\":").append(startIndex)
        .append(",\"LastIndex\":").append(lastIndex).append("}}");
  }

  private static String createEvent(PlannedMember m, long index) {
    StringBuilder sb = new StringBuilder(160);
    sb.append("{\"action\":\"create\",\"node\":{\"key\":");
    GoJson.appendQuoted(sb, "/0/members/" + m.idHex() + "/raftAttributes");
    sb.append(",\"value\":");
    GoJson.appendQuoted(sb, MemberJson.raftAttributes(m));
    sb.append(",\"modifiedIndex\":").append(index).append(",\"createdIndex\":").append(index).append("}}");
    return sb.toString();
  }
}
