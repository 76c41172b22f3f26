package io.etcdbackup.core.snapshot;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.maintenance.HashKVResponse;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.core.bbolt.BboltWriter;
import io.etcdbackup.core.bbolt.BucketWriter;
import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** Histories written to a real etcd, snapshots saved with its etcdctl, and etcd's own view of them. */
final class RealEtcd {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long TIMEOUT_S = 30;

  private RealEtcd() {}

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Revisions of interest in {@link #writeHistory}. */
  record Marks(long compactRevision, long current) {}

  /**
   * Puts, updates, deletes (one of them a range), a lease with two keys, a compaction at the
   * revision of a delete (so 3.5.16+ keeps that tombstone on disk), then more puts, an update and a
   * delete. Waits until the compaction is physical.
   */
  static Marks writeHistory(Client c) throws Exception {
    KV kv = c.getKVClient();
    for (char k = 'a'; k <= 'j'; k++) {
      put(kv, "/app/" + k, "v1-" + k);
    }
    put(kv, "/app/a", "v2");
    put(kv, "/app/b", "v2");
    delete(kv, "/app/c");
    long lease = c.getLeaseClient().grant(600).get(TIMEOUT_S, TimeUnit.SECONDS).getID();
    kv.put(bs("/lease/x"), bs("lx"), PutOption.builder().withLeaseId(lease).build()).get(TIMEOUT_S, TimeUnit.SECONDS);
    kv.put(bs("/lease/y"), bs("ly"), PutOption.builder().withLeaseId(lease).build()).get(TIMEOUT_S, TimeUnit.SECONDS);
    kv.delete(bs("/app/f"), DeleteOption.builder().withRange(bs("/app/h")).build()).get(TIMEOUT_S, TimeUnit.SECONDS);
    long compactAt = delete(kv, "/app/d");
    kv.compact(compactAt, CompactOption.builder().withCompactPhysical(true).build()).get(TIMEOUT_S, TimeUnit.SECONDS);
    put(kv, "/app/k", "v1-k");
    put(kv, "/app/a", "v3");
    long current = delete(kv, "/app/b");
    return new Marks(compactAt, current);
  }

  static long put(KV kv, String k, String v) throws Exception {
    return kv.put(bs(k), bs(v)).get(TIMEOUT_S, TimeUnit.SECONDS).getHeader().getRevision();
  }

  static long delete(KV kv, String k) throws Exception {
    return kv.delete(bs(k)).get(TIMEOUT_S, TimeUnit.SECONDS).getHeader().getRevision();
  }

  /**
   * {@code count} puts of {@code size}-byte values under {@code prefix}, {@code perTxn} to a
   * transaction (one raft entry each, so etcd is not bound by its per-entry cost) and
   * {@code inFlight} transactions at a time. Returns the number of transactions (revisions).
   */
  static int load(Client c, String prefix, int count, int size, int perTxn, int inFlight) throws Exception {
    KV kv = c.getKVClient();
    Semaphore slots = new Semaphore(inFlight);
    List<CompletableFuture<?>> pending = new ArrayList<>();
    byte[] value = new byte[size];
    int txns = 0;
    for (int first = 0; first < count; first += perTxn) {
      io.etcd.jetcd.op.Op[] ops = new io.etcd.jetcd.op.Op[Math.min(perTxn, count - first)];
      for (int i = 0; i < ops.length; i++) {
        value[(first + i) % size] = (byte) (first + i);
        ops[i] = io.etcd.jetcd.op.Op.put(bs(String.format("%s%06d", prefix, first + i)),
            ByteSequence.from(value.clone()), PutOption.DEFAULT);
      }
      slots.acquire();
      pending.add(kv.txn().Then(ops).commit().whenComplete((r, e) -> slots.release()));
      txns++;
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    return txns;
  }

  /** {@code etcdctl snapshot save} of the cluster's release into {@code file}. */
  static Path save(EtcdCluster cluster, Path file) {
    cluster.etcdctl("snapshot", "save", file.toString());
    return file;
  }

  /** {@code etcdutl snapshot status -w json} of etcd 3.5.30 (it reads 3.4 and 3.5 files alike). */
  static SnapshotStatus etcdutlStatus(Path db) {
    return status(List.of(EtcdVersion.V3_5.binary("etcdutl").toString(), "snapshot", "status", db.toString(), "-w", "json"), db);
  }

  /** {@code etcdctl snapshot status -w json} of etcd 3.4.23, which has no etcdutl. */
  static SnapshotStatus etcdctl34Status(Path db) {
    return status(List.of(EtcdVersion.V3_4.binary("etcdctl").toString(), "snapshot", "status", db.toString(), "-w", "json"), db);
  }

  private static SnapshotStatus status(List<String> cmd, Path db) {
    String out = Exec.run(cmd, db.getParent(), Duration.ofSeconds(120), "ETCDCTL_API", "3").stdoutOrThrow();
    JsonNode n = JSON.readTree(out);
    return new SnapshotStatus(n.get("hash").asLong(), n.get("revision").asLong(), n.get("totalKey").asLong(),
        n.get("totalSize").asLong());
  }

  /** The live member's HashKV at {@code rev}: {hash (unsigned), compact revision}. */
  static long[] hashKv(EtcdCluster cluster, long rev) throws Exception {
    HashKVResponse r = cluster.client().getMaintenanceClient().hashKV(cluster.member(0).clientUrl(), rev)
        .get(TIMEOUT_S, TimeUnit.SECONDS);
    return new long[] {Integer.toUnsignedLong(r.getHash()), r.getCompacted()};
  }

  /** Copies every bucket of {@code from} into a fresh file with {@link BboltWriter}. */
  static Path rewrite(Path from, Path to) throws IOException {
    try (BboltReader r = BboltReader.open(from); BboltWriter w = BboltWriter.create(to, r.pageSize())) {
      for (byte[] name : r.bucketNames()) {
        BucketWriter b = w.bucket(name);
        r.forEach(name, b::put);
      }
      w.finish();
    }
    return to;
  }
}
