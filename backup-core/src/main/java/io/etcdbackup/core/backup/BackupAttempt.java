package io.etcdbackup.core.backup;

import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.NoSpaceException;
import io.etcdbackup.core.UnavailableException;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Run;
import io.etcdbackup.core.run.RunEvent;
import io.etcdbackup.core.store.BackupId;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.store.PendingBackup;
import io.etcdbackup.core.store.StoredObject;
import io.etcdbackup.core.stream.Sha256OutputStream;
import io.etcdbackup.core.stream.Spool;
import io.etcdbackup.core.stream.TrailerSplittingOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt against one member, with its spools and its two stage threads.
 *
 * <pre>
 * the run's backup id (v2: no revision in it) --&gt; the upload begins, not visible
 * member --stream--&gt; trailer split --&gt; SHA-256(raw) --&gt; raw spool          (STREAM, at disk speed)
 * raw spool, followed --&gt; compress --&gt; encrypt --&gt; SHA-256(stored) --&gt; stored spool   (ENCODE, overlapping)
 * stored spool, followed --&gt; upload, part by part                        (UPLOAD, overlapping)
 * end of stream: trailer == SHA-256(raw); revision read from the file
 * then: bbolt check + status of the raw spool [+ HashKV against the member]   (CHECK)
 * every check passed, every stage done --&gt; data object, then manifest.json with the revision  (COMMIT)
 * </pre>
 *
 * Without compression and encryption there is no ENCODE and no stored spool: the upload follows
 * the raw spool. The network stream is never held back by compression or upload (a slow snapshot
 * reader makes the member's database grow: etcd #8009, #18509); nothing is committed before every
 * check passed; a failure before the commit aborts the upload, so nothing of it is visible.
 */
final class BackupAttempt {
  private static final Logger LOG = LoggerFactory.getLogger(BackupAttempt.class);
  private static final int TRAILER = 32;
  /** Below this much free space, a failed spool write is a full disk (a write is at most a few MiB). */
  private static final long FULL_DISK_BYTES = 16L << 20;
  /** How long a stage may take to notice its spool failed before the attempt stops waiting for it. */
  private static final long SETTLE_SECONDS = 30;

  /** The member (or the network to it) failed mid-stream: the next candidate may succeed. */
  static final class MemberFailed extends IOException {
    private static final long serialVersionUID = 1L;

    MemberFailed(String message, Throwable cause) {
      // The reason travels by type: the phase that saw it ends "unavailable", as the run would.
      super(message, new UnavailableException(message, cause));
    }
  }

  /** A write to a local spool failed (disk full...): no other member would do better. */
  private static final class SpoolWriteFailed extends IOException {
    private static final long serialVersionUID = 1L;

    SpoolWriteFailed(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** What the encode stage produced. */
  private record Encoded(String sha256, long size) {}

  private final EtcdClients clients;
  private final SnapshotSource source;
  private final BackupRepository repository;
  private final Clock clock;
  private final String toolVersion;
  private final BackupRequest request;
  private final SnapshotBackup.Target target;
  private final MemberSelector.Candidate candidate;
  private final Run run;

  BackupAttempt(EtcdClients clients, SnapshotSource source, BackupRepository repository, Clock clock, String toolVersion,
      BackupRequest request, SnapshotBackup.Target target, MemberSelector.Candidate candidate, Run run) {
    this.clients = clients;
    this.source = source;
    this.repository = repository;
    this.clock = clock;
    this.toolVersion = toolVersion;
    this.request = request;
    this.target = target;
    this.candidate = candidate;
    this.run = run;
  }

  Manifest run() throws MemberFailed {
    ExecutorService stages = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "backup-stage");
      t.setDaemon(true);
      return t;
    });
    // Without a transform the stored object is the raw db itself: the upload follows the raw
    // spool, and no second copy is written.
    boolean rawIsStored = request.encoding().identity();
    try (Spool raw = Spool.create(request.spoolDir(), "raw");
         Spool stored = rawIsStored ? null : Spool.create(request.spoolDir(), "stored");
         var onCancel = run.cancellation().onCancel(() -> {
           // Wakes every stage waiting on a spool; the main thread sees the token at its next wait.
           CancelledException c = new CancelledException("cancelled: " + run.cancellation().why());
           raw.fail(c);
           failIfThere(stored, c);
         })) {
      // The id is the run's, chosen before the first byte (the v2 layout: the revision is the
      // manifest's alone), so that the upload starts with the stream instead of after it.
      PendingBackup pending = repository.begin(target.cluster(), BackupId.create(run.startedAt()),
          request.encoding().objectName());
      Future<Encoded> encoding = null;
      Future<Long> uploading = null;
      try {
        encoding = rawIsStored ? null : stages.submit(() -> encode(raw, stored));
        PendingBackup upload = pending;
        Spool uploaded = rawIsStored ? raw : stored;
        uploading = stages.submit(() -> upload(uploaded, upload));
        byte[] rawSha = run.phase(Phase.STREAM, span -> stream(raw, span));
        long revision = Verification.revisionOf(raw.path());

        Verification.Result checks = run.phase(Phase.CHECK, span ->
            new Verification(clients, candidate, request.verifyHashKv()).check(raw.path(), raw.size(), rawSha, revision));
        Encoded encoded = rawIsStored ? new Encoded(HexFormat.of().formatHex(rawSha), raw.size()) : join(encoding);
        if (!rawIsStored) {
          // Nothing reads the raw db any more: deleting it (a second or so for a few GiB) overlaps
          // the rest of the upload instead of following it.
          raw.close();
        }
        long sent = join(uploading);
        if (sent != encoded.size()) {
          throw new EtcdBackupException("upload of " + upload.objectKey() + " sent " + sent + " bytes of " + encoded.size());
        }
        Manifest m = run.phase(Phase.COMMIT, span -> commit(upload, checks, rawSha, encoded));
        run.emit(new RunEvent.Committed(m));
        return m;
      } catch (SpoolWriteFailed e) {
        // Classified before the spools are deleted: their bytes are what filled the disk.
        EtcdBackupException classified = spoolFailure(e);
        stop(raw, stored, encoding, uploading, e);
        throw classified;
      } catch (MemberFailed | RuntimeException e) {
        stop(raw, stored, encoding, uploading, e);
        throw e;
      } catch (InterruptedIOException e) {
        stop(raw, stored, encoding, uploading, e);
        Thread.currentThread().interrupt();
        throw new CancelledException("cancelled: interrupted");
      } catch (IOException e) {
        stop(raw, stored, encoding, uploading, e);
        throw new EtcdBackupException("backup of " + target.cluster() + " failed: " + e.getMessage(), e);
      } finally {
        pending.close();
      }
    } catch (MemberFailed e) {
      throw e;
    } catch (IOException e) {
      // creating or deleting a spool file
      throw spoolFailure(new SpoolWriteFailed(e));
    } finally {
      stages.shutdownNow();
    }
  }

  private static void failIfThere(Spool spool, Throwable cause) {
    if (spool != null) {
      spool.fail(cause);
    }
  }

  /** STREAM: the member's stream into the raw spool; returns the SHA-256 of the raw db, checked. */
  private byte[] stream(Spool raw, Run.Span span) throws IOException, MemberFailed {
    // The spool is failed, never closed, on error: closing would tell its followers the stream
    // ended cleanly.
    Sha256OutputStream rawHash = new Sha256OutputStream(new SpoolWriter(raw.writer()));
    TrailerSplittingOutputStream split = new TrailerSplittingOutputStream(rawHash, TRAILER);
    try {
      source.stream(candidate.endpoint(), span.counting(split), run.cancellation());
    } catch (SpoolWriteFailed e) {
      raw.fail(e);
      throw e;
    } catch (IOException e) {
      raw.fail(e);
      throw new MemberFailed(e.getMessage(), e);
    }
    // The trailer is checked before the spool is closed: closing tells the encoder and the upload
    // that the db is whole, and a corrupt one must end them with a failure, never a full upload.
    byte[] trailer = split.trailer();
    byte[] sha = rawHash.sha256();
    IntegrityException corrupt = null;
    if (trailer.length != TRAILER) {
      corrupt = new IntegrityException("the snapshot stream from " + candidate.label() + " ended after "
          + (rawHash.count() + trailer.length) + " bytes without its SHA-256 trailer");
    } else if (!Arrays.equals(trailer, sha)) {
      corrupt = new IntegrityException("the snapshot stream from " + candidate.label()
          + " is corrupt: its trailer says sha256 " + HexFormat.of().formatHex(trailer) + ", the bytes hash to "
          + HexFormat.of().formatHex(sha));
    }
    if (corrupt != null) {
      raw.fail(corrupt);
      throw corrupt;
    }
    split.close();
    LOG.info("snapshot streamed cluster={} member={} bytes={}", target.cluster(), candidate.member().name(),
        rawHash.count());
    return sha;
  }

  /** ENCODE: the raw spool, followed, through compression and encryption into the stored spool. */
  private Encoded encode(Spool raw, Spool stored) throws IOException {
    Run.Span span = run.start(Phase.ENCODE);
    try (InputStream in = span.counting(raw.follow())) {
      Sha256OutputStream hash = new Sha256OutputStream(new SpoolWriter(stored.writer()));
      var encryption = request.encoding().encryption();
      OutputStream sealed = encryption.isPresent() ? encryption.get().encrypt(hash) : hash;
      try (OutputStream out = request.encoding().compression().compress(sealed)) {
        in.transferTo(out);
      }
      span.end();
      return new Encoded(hash.sha256Hex(), hash.count());
    } catch (IOException | RuntimeException e) {
      stored.fail(e);
      span.fail(e);
      throw e;
    }
  }

  /** UPLOAD: the stored spool, followed, to the store (not visible until the commit). */
  private long upload(Spool stored, PendingBackup pending) throws IOException {
    Run.Span span = run.start(Phase.UPLOAD);
    try (InputStream in = stored.follow(); OutputStream out = span.counting(pending.stream())) {
      long n = in.transferTo(out);
      span.end();
      return n;
    } catch (IOException | RuntimeException e) {
      span.fail(e);
      throw e;
    }
  }

  /** COMMIT: the data object, then the manifest, which makes the backup exist. */
  private Manifest commit(PendingBackup pending, Verification.Result checks, byte[] rawSha, Encoded encoded) {
    StoredObject object = pending.commitData();
    Manifest assembled = ManifestAssembly.assemble(
        new ManifestAssembly.Identity(pending.id().toString(), target.cluster(), target.clusterIdHex(), run.startedAt(),
            clock.instant(), toolVersion),
        checks, rawSha, new ManifestAssembly.Stored(pending.objectName(), object, encoded.sha256(),
            pending.retention().orElse(null)), request, run);
    Manifest m = pending.commit(assembled);
    LOG.info("backup committed cluster={} id={} rev={} member={} raw={} stored={}", target.cluster(), m.id(),
        m.revision(), candidate.member().name(), m.dbSize(), m.storedSize());
    return m;
  }

  /** A stage's result, or its own failure (not a wrapper); gives up at once when cancelled. */
  private <T> T join(Future<T> f) throws IOException {
    try {
      return run.cancellation().await(f);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new EtcdBackupException(String.valueOf(c.getMessage()), c);
    }
  }

  /** Ends both stages after a failure and waits, boundedly, until they let go of the spools. */
  private static void stop(Spool raw, Spool stored, Future<?> encoding, Future<?> uploading, Throwable cause) {
    raw.fail(cause);
    failIfThere(stored, cause);
    settle(encoding);
    settle(uploading);
  }

  private static void settle(Future<?> f) {
    if (f == null) {
      return;
    }
    try {
      f.get(SETTLE_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException ignored) {
      // the first failure is already on its way to the caller
    } catch (TimeoutException e) {
      LOG.warn("a backup stage did not stop within {}s; going on without it", SETTLE_SECONDS);
      f.cancel(true);
    }
  }

  /**
   * A spool write failed. Java reports a full disk as a plain IOException, told apart from other
   * failures only by its text; the free space left on the spool's file system says it by fact.
   */
  private EtcdBackupException spoolFailure(SpoolWriteFailed e) {
    Path dir = request.spoolDir();
    long free;
    try {
      free = Files.getFileStore(dir).getUsableSpace();
    } catch (IOException | RuntimeException unknown) {
      free = -1;
    }
    if (free >= 0 && free < FULL_DISK_BYTES) {
      return new NoSpaceException("the spool disk is full: --spool-dir " + dir + " has " + free
          + " bytes free; give a --spool-dir with room for the db and its encoded copy (up to twice the db size)", e);
    }
    return new EtcdBackupException("cannot write the spool file in --spool-dir " + dir + ": " + e.getMessage(), e);
  }

  /** Marks write failures of a spool, so they are not mistaken for the member's or the store's. */
  private static final class SpoolWriter extends FilterOutputStream {
    SpoolWriter(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw new SpoolWriteFailed(e);
      }
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
