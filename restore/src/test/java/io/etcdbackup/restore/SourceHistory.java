package io.etcdbackup.restore;

import static io.etcdbackup.testing.RestoredEtcd.bytes;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A known history written to a real source cluster (with auth on, as root): puts, updates,
 * deletes, a binary key, a lease with keys, a compaction in the middle, a second user with a
 * role; then a snapshot taken through the Maintenance API.
 */
final class SourceHistory {
  static final String USER = "alice";
  static final String USER_PASSWORD = "alice-secret";

  /** The snapshot as the API delivers it (db + SHA-256 trailer) and the raw db (trailer checked and cut). */
  record Snapshot(Path withTrailer, Path rawDb) {}

  private SourceHistory() {}

  /** Writes the history; returns the id of the lease that holds keys. */
  static long write(Client c) throws Exception {
    KV kv = c.getKVClient();
    for (int i = 0; i < 20; i++) {
      put(kv, "/app/k" + i, "v" + i);
    }
    for (int i = 0; i < 5; i++) {
      put(kv, "/app/k" + i, "updated-" + i);
    }
    kv.delete(bytes("/app/k7")).get(10, TimeUnit.SECONDS);
    kv.put(ByteSequence.from(new byte[] {(byte) 0xff, 0x00, 'b', 'i', 'n'}), ByteSequence.from(new byte[] {0, 1, 2, (byte) 0xfe}))
        .get(10, TimeUnit.SECONDS);
    long lease = c.getLeaseClient().grant(3600).get(10, TimeUnit.SECONDS).getID();
    kv.put(bytes("/leased/a"), bytes("la"), PutOption.builder().withLeaseId(lease).build()).get(10, TimeUnit.SECONDS);
    kv.put(bytes("/leased/b"), bytes("lb"), PutOption.builder().withLeaseId(lease).build()).get(10, TimeUnit.SECONDS);
    long compactAt = put(kv, "/app/k10", "before-compaction");
    put(kv, "/app/k11", "after-compaction-point");
    kv.compact(compactAt).get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 5; i++) {
      put(kv, "/app/late" + i, "late-" + i);
    }
    put(kv, "/app/k12", "x".repeat(5000)); // a value bigger than a quarter page
    kv.delete(bytes("/app/k8")).get(10, TimeUnit.SECONDS);

    var auth = c.getAuthClient();
    auth.roleAdd(bytes("app-reader")).get(10, TimeUnit.SECONDS);
    auth.roleGrantPermission(bytes("app-reader"), bytes("/app/"), bytes("/app0"), Permission.Type.READ)
        .get(10, TimeUnit.SECONDS);
    auth.userAdd(bytes(USER), bytes(USER_PASSWORD)).get(10, TimeUnit.SECONDS);
    auth.userGrantRole(bytes(USER), bytes("app-reader")).get(10, TimeUnit.SECONDS);
    put(kv, "/app/last", "the last write before the snapshot");
    return lease;
  }

  private static long put(KV kv, String k, String v) throws Exception {
    return kv.put(bytes(k), bytes(v)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  /** Saves a snapshot into {@code dir}, checks its SHA-256 trailer and writes the raw db beside it. */
  static Snapshot snapshot(Client c, Path dir) throws Exception {
    Path withTrailer = dir.resolve("snapshot.db");
    try (OutputStream out = Files.newOutputStream(withTrailer)) {
      c.getMaintenanceClient().snapshot(out).get(60, TimeUnit.SECONDS);
    }
    byte[] all = Files.readAllBytes(withTrailer);
    if (all.length % 512 != 32) {
      throw new IOException("snapshot of " + all.length + " bytes has no SHA-256 trailer");
    }
    byte[] db = Arrays.copyOf(all, all.length - 32);
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(db);
    if (!Arrays.equals(sha, Arrays.copyOfRange(all, db.length, all.length))) {
      throw new IOException("snapshot SHA-256 trailer does not match");
    }
    Path raw = dir.resolve("raw.db");
    Files.write(raw, db);
    return new Snapshot(withTrailer, raw);
  }
}
