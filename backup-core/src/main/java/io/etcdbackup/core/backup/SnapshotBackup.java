package io.etcdbackup.core.backup;

import io.etcd.jetcd.Client;
import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.UnavailableException;
import io.etcdbackup.core.etcd.ClusterInspector;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.etcd.HealthReport;
import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.ManifestCodec;
import io.etcdbackup.core.store.ObjectUpload;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.core.stream.Spool;
import io.etcdbackup.core.stream.Sha256OutputStream;
import io.etcdbackup.core.stream.TrailerSplittingOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One verified backup, from a snapshot stream to a committed manifest.
 *
 * <pre>
 * member --stream--&gt; trailer split --&gt; SHA-256(raw) --&gt; raw spool          (stage 1, at disk speed)
 * raw spool, followed --&gt; compress --&gt; encrypt --&gt; SHA-256(stored) --&gt; stored spool   (stage 2, overlapping)
 * end of stream: trailer == SHA-256(raw); revision read from the file; the backup id is known
 * stored spool, followed --&gt; upload (not committed)                           (stage 3, overlapping)
 * meanwhile: bbolt check + status of the raw spool [+ HashKV against the member]
 * all checks passed and stages done --&gt; commit the upload --&gt; write manifest.json (the commit)
 * </pre>
 *
 * The network stream is never held back by compression or upload (a slow snapshot reader makes
 * the member's database grow: etcd #8009, #18509); nothing is committed before every check
 * passed; the upload starts only once the revision in the id is known, so ids never lie. If the
 * member fails mid-stream, the run starts again from the next candidate. Any other failure aborts
 * the upload, leaves no manifest, and reaches the caller.
 */
public final class SnapshotBackup {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotBackup.class);
  private static final int TRAILER = 32;

  private final EtcdClients clients;
  private final SnapshotSource source;
  private final BackupRepository repository;
  private final Clock clock;
  private final String toolVersion;

  public SnapshotBackup(EtcdClients clients, SnapshotSource source, BackupRepository repository, Clock clock,
      String toolVersion) {
    this.clients = clients;
    this.source = source;
    this.repository = repository;
    this.clock = clock;
    this.toolVersion = toolVersion;
  }

  public BackupResult run(BackupRequest request) {
    Instant started = clock.instant();
    long t0 = System.nanoTime();
    // Jackson's first use costs most of a second: pay it while the snapshot streams.
    CompletableFuture.runAsync(ManifestCodec::warmUp);
    HealthReport health = new ClusterInspector(clients).health(new ClusterInspector.HealthOptions(true, false));
    List<MemberSelector.Candidate> candidates = MemberSelector.candidates(health, request.member());
    long clusterId = candidates.get(0).status().clusterId();
    String cluster = request.clusterName().orElse("etcd-" + Long.toHexString(clusterId));
    LOG.info("backup started cluster={} store={} candidates={}", cluster, repository.store().location(),
        candidates.stream().map(c -> c.member().name()).toList());

    try (Client lockClient = request.lock() ? clients.forCluster() : null;
         BackupLock lock = request.lock()
             ? BackupLock.acquire(lockClient, clients.config(), cluster, request.lockTtl(), request.lockWait(), started)
             : null) {
      List<String> failures = new ArrayList<>();
      // The next candidate each time; with fewer candidates than attempts (a one-member cluster)
      // the list starts over, so a passing fault of the only member is retried after a pause.
      for (int i = 0; i < request.maxAttempts(); i++) {
        MemberSelector.Candidate c = candidates.get(i % candidates.size());
        if (i > 0) {
          pause(request.retryBackoff().multipliedBy(1L << Math.min(i - 1, 6)));
        }
        try {
          Manifest m = new Attempt(request, cluster, Long.toHexString(clusterId), c, started, t0).run();
          int removed = removeLeftovers(cluster, request);
          return new BackupResult(m, failures, removed);
        } catch (MemberFailed e) {
          String line = c.label() + ": " + e.getMessage();
          failures.add(line);
          LOG.warn("snapshot attempt failed cluster={} member={} attempt={}: {}", cluster, c.member().name(), i + 1,
              e.getMessage());
        }
      }
      throw new UnavailableException("no member completed a snapshot of " + cluster + ": " + String.join("; ", failures));
    }
  }

  private int removeLeftovers(String cluster, BackupRequest request) {
    try {
      List<BackupRepository.Leftover> leftovers = repository.leftovers(cluster, request.leftoverGrace(), clock.instant());
      for (BackupRepository.Leftover l : leftovers) {
        repository.delete(l);
      }
      return leftovers.size();
    } catch (IOException | RuntimeException e) {
      // The backup is committed; a failed clean-up is retried by the next run.
      LOG.warn("leftover clean-up failed cluster={}: {}", cluster, e.getMessage());
      return 0;
    }
  }

  /** The member (or the network to it) failed mid-stream: the next candidate may succeed. */
  private static final class MemberFailed extends Exception {
    private static final long serialVersionUID = 1L;

    MemberFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A write to the local spool failed (disk full...): no other member would do better. */
  private static final class SpoolWriteFailed extends IOException {
    private static final long serialVersionUID = 1L;

    SpoolWriteFailed(IOException cause) {
      super("cannot write the spool file: " + cause.getMessage(), cause);
    }
  }

  /** One attempt against one member, with its spools and stage threads. */
  private final class Attempt {
    private final BackupRequest request;
    private final String cluster;
    private final String clusterId;
    private final MemberSelector.Candidate candidate;
    private final Instant started;
    private final long t0;

    Attempt(BackupRequest request, String cluster, String clusterId, MemberSelector.Candidate candidate,
        Instant started, long t0) {
      this.request = request;
      this.cluster = cluster;
      this.clusterId = clusterId;
      this.candidate = candidate;
      this.started = started;
      this.t0 = t0;
    }

    Manifest run() throws MemberFailed {
      ExecutorService stages = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "backup-stage");
        t.setDaemon(true);
        return t;
      });
      ObjectUpload upload = null;
      boolean committed = false;
      try (Spool raw = Spool.create(request.spoolDir(), "etcd-backup-raw-");
           Spool stored = Spool.create(request.spoolDir(), "etcd-backup-stored-")) {
        Future<Encoded> encoding = stages.submit(() -> encode(raw, stored));
        Future<Long> uploading = null;
        try {
          byte[] rawSha = stream(raw);
          long streamed = System.nanoTime();
          long revision = Verification.revisionOf(raw.path());
          BackupId id = BackupId.create(started, revision);
          String objectName = Layout.objectName(request.compression().suffix(), request.encryption().isPresent());
          String key = Layout.objectKey(cluster, id.toString(), objectName);
          upload = repository.store().create(key);
          ObjectUpload target = upload;
          uploading = stages.submit(() -> copy(stored.follow(), target.stream()));

          Verification.Result checks = new Verification(clients, candidate, request.verifyHashKv())
              .check(raw.path(), raw.size(), rawSha, revision);
          long verified = System.nanoTime();

          Encoded encoded = Futures.join(encoding);
          // Nothing reads the raw db any more: deleting it (a second or so for a few GiB) overlaps
          // the rest of the upload instead of following it.
          raw.close();
          long uploadedBytes = Futures.join(uploading);
          if (uploadedBytes != encoded.size()) {
            throw new EtcdBackupException("upload of " + key + " sent " + uploadedBytes + " bytes of " + encoded.size());
          }
          StoredObject obj = upload.commit();
          committed = true;
          Instant completed = clock.instant();
          long done = System.nanoTime();
          Manifest m = checks.manifest(id.toString(), cluster, clusterId, started, completed, rawSha, objectName,
              obj.size(), encoded.sha256(), request, toolVersion,
              new Manifest.Timings(ms(streamed - t0), ms(verified - streamed), ms(done - streamed), ms(done - t0)));
          repository.commit(m);
          LOG.info("backup committed cluster={} id={} rev={} member={} raw={} stored={}", cluster, m.id(), m.revision(),
              candidate.member().name(), m.dbSize(), m.storedSize());
          return m;
        } catch (MemberFailed | RuntimeException | IOException e) {
          raw.fail(e);
          stored.fail(e);
          quietly(encoding);
          quietly(uploading);
          throw e;
        }
      } catch (MemberFailed | EtcdBackupException e) {
        throw e;
      } catch (InterruptedIOException e) {
        Thread.currentThread().interrupt();
        throw new EtcdBackupException("backup of " + cluster + " interrupted", e);
      } catch (IOException e) {
        throw new EtcdBackupException("backup of " + cluster + " failed: " + e.getMessage(), e);
      } finally {
        if (upload != null && !committed) {
          abort(upload);
        }
        stages.shutdownNow();
      }
    }

    /** Stage 1: the member's stream into the raw spool; returns the SHA-256 of the raw db, checked. */
    private byte[] stream(Spool raw) throws IOException, MemberFailed {
      // The spool is failed, never closed, on error: closing would tell its followers the stream
      // ended cleanly.
      Sha256OutputStream rawHash = new Sha256OutputStream(new SpoolWriter(raw.writer()));
      TrailerSplittingOutputStream split = new TrailerSplittingOutputStream(rawHash, TRAILER);
      try {
        source.stream(candidate.endpoint(), split);
      } catch (SpoolWriteFailed e) {
        raw.fail(e);
        throw e;
      } catch (IOException e) {
        raw.fail(e);
        throw new MemberFailed(e.getMessage(), e);
      }
      split.close();
      byte[] trailer = split.trailer();
      byte[] sha = rawHash.sha256();
      if (trailer.length != TRAILER) {
        throw new IntegrityException("the snapshot stream from " + candidate.label() + " ended after "
            + (rawHash.count() + trailer.length) + " bytes without its SHA-256 trailer");
      }
      if (!java.util.Arrays.equals(trailer, sha)) {
        throw new IntegrityException("the snapshot stream from " + candidate.label() + " is corrupt: its trailer says sha256 "
            + HexFormat.of().formatHex(trailer) + ", the bytes hash to " + HexFormat.of().formatHex(sha));
      }
      LOG.info("snapshot streamed cluster={} member={} bytes={}", cluster, candidate.member().name(), rawHash.count());
      return sha;
    }

    /** Stage 2: raw spool, followed, through compression and encryption into the stored spool. */
    private Encoded encode(Spool raw, Spool stored) throws IOException {
      Sha256OutputStream hash = null;
      try (InputStream in = raw.follow()) {
        hash = new Sha256OutputStream(stored.writer());
        OutputStream sealed = request.encryption().isPresent() ? request.encryption().get().encrypt(hash) : hash;
        try (OutputStream out = request.compression().compress(sealed)) {
          in.transferTo(out);
        }
        return new Encoded(hash.sha256Hex(), hash.count());
      } catch (IOException | RuntimeException e) {
        stored.fail(e);
        throw e;
      }
    }
  }

  /** What stage 2 produced. */
  private record Encoded(String sha256, long size) {}

  /** Marks write failures of the spool so they are not mistaken for the member's. */
  private static final class SpoolWriter extends java.io.FilterOutputStream {
    SpoolWriter(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw new SpoolWriteFailed(e);
      }
    }
  }

  private static long copy(InputStream in, OutputStream out) throws IOException {
    try (InputStream i = in; OutputStream o = out) {
      return i.transferTo(o);
    }
  }

  private static void quietly(Future<?> f) {
    if (f == null) {
      return;
    }
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException ignored) {
      // the first failure is already on its way to the caller
    }
  }

  private static void abort(ObjectUpload upload) {
    try {
      upload.abort();
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot abort an upload: {} (the next run's clean-up removes it)", e.getMessage());
    }
  }

  private static void pause(java.time.Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EtcdBackupException("interrupted while waiting to retry", e);
    }
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
