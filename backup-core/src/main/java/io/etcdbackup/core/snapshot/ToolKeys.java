package io.etcdbackup.core.snapshot;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.etcdbackup.core.bbolt.BboltReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The keys this tool itself wrote into a cluster, as a snapshot holds them: the lock and holder
 * keys of {@code --lock} (and of every backup taken before the lock was opt-in), under
 * {@code /etcd-backup/}. A restored cluster starts with them; they are bound to a lease, and a
 * restored lease expires after its TTL (etcd restarts lease timers on recovery), so they go away by
 * themselves, but a restore says they are there rather than let them surprise anyone.
 */
public final class ToolKeys {
  /** Everything this tool writes into a cluster lives under this prefix (BackupLock, the election). */
  public static final String PREFIX = "/etcd-backup/";
  private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.UTF_8);
  /** mvccpb.KeyValue field 1 ({@code key}), length-delimited. */
  private static final int KEY_FIELD_TAG = (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private ToolKeys() {}

  /**
   * The keys under {@link #PREFIX} that are live at the snapshot's revision: the newest revision of
   * each is not a delete. The {@code key} bucket is ordered by revision, so the last entry seen
   * for a key decides.
   */
  public static List<String> live(Path db) throws IOException {
    Map<String, Boolean> latest = new TreeMap<>();
    try (BboltReader r = BboltReader.open(db)) {
      if (!r.hasBucket(EtcdSchema.KEY)) {
        return List.of();
      }
      r.forEach(EtcdSchema.KEY, (rev, value) -> {
        byte[] key = userKey(value);
        if (key != null && startsWith(key, PREFIX_BYTES)) {
          latest.put(new String(key, StandardCharsets.UTF_8), !Revisions.isTombstone(rev));
        }
      });
    }
    List<String> out = new ArrayList<>();
    latest.forEach((k, liveNow) -> {
      if (liveNow) {
        out.add(k);
      }
    });
    return out;
  }

  private static byte[] userKey(byte[] keyValue) throws IOException {
    if (keyValue == null) {
      return null;
    }
    CodedInputStream in = CodedInputStream.newInstance(keyValue);
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (tag == KEY_FIELD_TAG) {
        return in.readByteArray();
      }
      if (!in.skipField(tag)) {
        return null;
      }
    }
    return null;
  }

  private static boolean startsWith(byte[] b, byte[] prefix) {
    return b.length >= prefix.length && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
  }
}
