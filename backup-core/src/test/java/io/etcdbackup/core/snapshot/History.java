package io.etcdbackup.core.snapshot;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcdbackup.core.bbolt.BboltWriter;
import io.etcdbackup.core.bbolt.BucketWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An MVCC history as etcd stores it in bucket {@code key}: one record per put or delete, in
 * revision order, with {@code mvccpb.KeyValue} values; and a db file holding it.
 */
final class History {
  /** One entry of bucket {@code key}. */
  record Rec(long main, long sub, String key, boolean tombstone, byte[] dbKey, byte[] dbValue) {}

  final List<Rec> records = new ArrayList<>();
  private final Map<String, long[]> live = new HashMap<>(); // key -> {createRevision, version}
  private long rev = 1;

  /** One transaction: each op is {@code "put k v"} or {@code "del k"}; deletes of absent keys are no-ops. */
  History txn(String... ops) {
    long main = rev + 1;
    long sub = 0;
    for (String op : ops) {
      String[] p = op.split(" ");
      if (p[0].equals("put")) {
        long[] st = live.computeIfAbsent(p[1], k -> new long[] {main, 0});
        st[1]++;
        records.add(put(main, sub++, p[1], p[2], st[0], st[1]));
      } else if (live.remove(p[1]) != null) {
        records.add(delete(main, sub++, p[1]));
      }
    }
    if (sub > 0) {
      rev = main;
    }
    return this;
  }

  long revision() {
    return rev;
  }

  /** A random history of {@code txns} transactions over {@code keys} keys, mostly puts. */
  static History random(Random rnd, int txns, int keys) {
    History h = new History();
    for (int t = 0; t < txns; t++) {
      int n = 1 + rnd.nextInt(rnd.nextInt(5) == 0 ? 3 : 1);
      List<String> ops = new ArrayList<>();
      List<Integer> used = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = rnd.nextInt(keys);
        if (used.contains(k)) {
          continue;
        }
        used.add(k);
        ops.add(rnd.nextInt(10) < 3 ? "del k" + k : "put k" + k + " v" + t);
      }
      h.txn(ops.toArray(String[]::new));
    }
    return h;
  }

  static Rec put(long main, long sub, String key, String value, long create, long version) {
    byte[] v = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setCreateRevision(create)
        .setModRevision(main).setVersion(version).setValue(ByteString.copyFromUtf8(value)).build().toByteArray();
    return new Rec(main, sub, key, false, Revisions.encode(main, sub), v);
  }

  static Rec delete(long main, long sub, String key) {
    byte[] k = Arrays.copyOf(Revisions.encode(main, sub), Revisions.TOMBSTONE_LENGTH);
    k[Revisions.LENGTH] = 't';
    byte[] v = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).build().toByteArray();
    return new Rec(main, sub, key, true, k, v);
  }

  /**
   * Writes a db with buckets {@code key} ({@code records}) and {@code meta} (the compaction marks
   * when not negative) and a few others, as etcd would.
   */
  static void write(Path file, List<Rec> records, long scheduledCompact, long finishedCompact) throws IOException {
    try (BboltWriter w = BboltWriter.create(file, 4096)) {
      w.bucket(bytes("alarm"));
      w.bucket(bytes("auth")).put(bytes("authEnabled"), new byte[] {0});
      w.bucket(bytes("cluster")).put(bytes("clusterVersion"), bytes("3.5.0"));
      BucketWriter key = w.bucket(EtcdSchema.KEY);
      for (Rec r : records) {
        key.put(r.dbKey(), r.dbValue());
      }
      w.bucket(EtcdSchema.LEASE);
      w.bucket(EtcdSchema.MEMBERS);
      w.bucket(EtcdSchema.MEMBERS_REMOVED);
      BucketWriter meta = w.bucket(EtcdSchema.META);
      meta.put(EtcdSchema.CONSISTENT_INDEX, new byte[] {0, 0, 0, 0, 0, 0, 0, 42});
      if (finishedCompact >= 0) {
        meta.put(EtcdSchema.FINISHED_COMPACT_REV, Revisions.encode(finishedCompact, 0));
      }
      if (scheduledCompact >= 0) {
        meta.put(EtcdSchema.SCHEDULED_COMPACT_REV, Revisions.encode(scheduledCompact, 0));
      }
      w.finish();
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
