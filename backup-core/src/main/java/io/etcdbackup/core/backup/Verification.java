package io.etcdbackup.core.backup;

import io.etcd.jetcd.maintenance.HashKVResponse;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.etcd.EtcdErrors;
import io.etcdbackup.core.snapshot.EtcdSchema;
import io.etcdbackup.core.snapshot.HashKvResult;
import io.etcdbackup.core.snapshot.HashKvRules;
import io.etcdbackup.core.snapshot.Revisions;
import io.etcdbackup.core.snapshot.RevisionUnavailableException;
import io.etcdbackup.core.snapshot.SnapshotInspection;
import io.etcdbackup.core.snapshot.SnapshotInspector;
import io.etcdbackup.core.snapshot.SnapshotStatus;
import io.etcdbackup.core.store.Manifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks a spooled snapshot passes before it may be committed, every one fatal: the bbolt
 * structure, the status figures computed from the file as {@code etcdutl snapshot status} computes
 * them, the db's length against its high-water mark, and optionally HashKV against the member.
 */
final class Verification {
  private static final Logger LOG = LoggerFactory.getLogger(Verification.class);

  private final EtcdClients clients;
  private final MemberSelector.Candidate source;
  private final boolean hashKv;

  Verification(EtcdClients clients, MemberSelector.Candidate source, boolean hashKv) {
    this.clients = clients;
    this.source = source;
    this.hashKv = hashKv;
  }

  /** The snapshot's revision: main revision of the last key of bucket {@code key} (0 if none). */
  static long revisionOf(Path db) throws IOException {
    try (BboltReader r = BboltReader.open(db)) {
      if (!r.hasBucket(EtcdSchema.KEY)) {
        return 0;
      }
      byte[] last = r.lastKey(EtcdSchema.KEY);
      return last == null ? 0 : Revisions.main(last);
    }
  }

  /** Everything that was checked, and the figures for the manifest. */
  record Result(SnapshotStatus status, long raftIndex, Long raftTerm, Manifest.HashKvCheck hashKv,
      MemberSelector.Candidate source) {}

  Result check(Path db, long length, byte[] rawSha, long revision) throws IOException {
    // The member computes its HashKV while we check the file: ask first, wait last.
    CompletableFuture<HashKVResponse> live = hashKv
        ? clients.shared(source.endpoint()).getMaintenanceClient().hashKV(source.endpoint().toString(), revision)
        : null;
    HashKvRules rules = HashKvRules.forEtcdVersion(source.status().version());
    // One pass checks the file and computes both its status and its HashKV (SnapshotInspector.inspect).
    SnapshotInspection inspection = hashKv ? SnapshotInspector.inspect(db, revision, rules) : null;
    SnapshotStatus status = inspection != null ? inspection.status() : SnapshotInspector.status(db);
    if (status.totalSize() != length) {
      throw new IntegrityException("the snapshot from " + source.label() + " is " + length
          + " bytes but its bbolt high-water mark says " + status.totalSize() + ": the stream is truncated or padded");
    }
    if (status.revision() != revision) {
      throw new IntegrityException("the snapshot's revision changed between two reads (" + revision + ", "
          + status.revision() + ")");
    }
    long raftIndex;
    Long raftTerm;
    try (BboltReader r = BboltReader.open(db)) {
      raftIndex = EtcdSchema.decodeU64(r.get(EtcdSchema.META, EtcdSchema.CONSISTENT_INDEX));
      byte[] term = r.get(EtcdSchema.META, EtcdSchema.TERM);
      // etcd 3.4 does not write meta/term; the member's status term stands in (ETCD-FORMATS §3.2)
      raftTerm = term == null ? null : EtcdSchema.decodeU64(term);
    }
    Manifest.HashKvCheck kv = hashKv ? compareHashKv(inspection, revision, live) : Manifest.HashKvCheck.notRequested();
    return new Result(status, raftIndex, raftTerm, kv, source);
  }

  private Manifest.HashKvCheck compareHashKv(SnapshotInspection inspection, long revision,
      CompletableFuture<HashKVResponse> pending) {
    HashKvResult file;
    try {
      file = inspection.hashKv();
    } catch (RevisionUnavailableException e) {
      return skipped(revision, "the file cannot answer HashKV at its own revision: " + e.getMessage());
    }
    HashKVResponse live;
    try {
      live = pending.get(clients.config().commandTimeout().toMillis() * 4, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (EtcdErrors.isCompacted(e)) {
        return skipped(revision, "revision " + revision + " was compacted on " + source.member().name()
            + " before HashKV could be compared");
      }
      throw new IntegrityException("HashKV of " + source.label() + " at revision " + revision + " failed: "
          + EtcdErrors.cause(e, clients.config()), e);
    }
    long memberHash = Integer.toUnsignedLong(live.getHash());
    if (live.getCompacted() != file.compactRevision() && !(live.getCompacted() == 0 && file.compactRevision() < 0)) {
      // The member compacted after the snapshot (or reports a cached hash of a compaction in
      // progress, etcd 3.5.5+): the two hashes cover different key sets and cannot be compared.
      return skipped(revision, "the member's compact revision (" + live.getCompacted() + ") differs from the file's ("
          + file.compactRevision() + ")");
    }
    if (memberHash != file.hash()) {
      throw new IntegrityException("HashKV mismatch at revision " + revision + ": the file hashes to " + file.hash()
          + ", " + source.label() + " to " + memberHash + ": the snapshot does not hold what the member holds");
    }
    LOG.info("hashkv matched member={} rev={} hash={}", source.member().name(), revision, memberHash);
    return new Manifest.HashKvCheck("match", revision, file.hash(), memberHash,
        file.compactRevision() < 0 ? null : file.compactRevision(), null);
  }

  private Manifest.HashKvCheck skipped(long revision, String reason) {
    LOG.warn("hashkv comparison skipped member={} rev={}: {}", source.member().name(), revision, reason);
    return new Manifest.HashKvCheck("skipped", revision, null, null, null, reason);
  }
}
