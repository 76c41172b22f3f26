package io.etcdbackup.core.backup;

import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.NotFoundException;
import io.etcdbackup.core.CancelledException;
import io.etcdbackup.core.StoreException;
import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.Operation;
import io.etcdbackup.core.run.Phase;
import io.etcdbackup.core.run.Reason;
import io.etcdbackup.core.run.Run;
import io.etcdbackup.core.run.RunListener;
import io.etcdbackup.core.snapshot.SnapshotInspector;
import io.etcdbackup.core.snapshot.SnapshotStatus;
import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.Manifest;
import io.etcdbackup.core.stream.AgeDecryption;
import io.etcdbackup.core.stream.Compression;
import io.etcdbackup.core.stream.Sha256InputStream;
import io.etcdbackup.core.stream.Spool;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads a backup and checks everything the manifest promises, in one pass: the stored bytes'
 * SHA-256 and size, decryption, decompression, the raw db's SHA-256, then the bbolt structure and
 * the status figures (hash, revision, key count, size). The raw db is left in a file for the
 * caller (restore) or deleted (verify). Every failure names the backup and the check.
 */
public final class BackupFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(BackupFetcher.class);

  private static final int COPY_BUFFER = 256 * 1024;

  private final BackupRepository repository;

  public BackupFetcher(BackupRepository repository) {
    this.repository = repository;
  }

  /**
   * A fetched, fully checked raw db, kept from other runs' spool clean-up until closed; closing it
   * deletes the file.
   */
  public record Fetched(Manifest manifest, Spool.Kept raw, SnapshotStatus status, List<String> checks)
      implements Closeable {
    public Path rawDb() {
      return raw.path();
    }

    @Override
    public void close() throws IOException {
      raw.close();
    }
  }

  /** What {@code verify} found: every check named, and the figures the db gave. */
  public record Verified(Manifest manifest, SnapshotStatus status, List<String> checks) {}

  /**
   * {@code verify}: fetches and checks {@code m} as a restore would, then deletes the file. One
   * run, reported to {@code listener}, cancellable.
   */
  public Verified verify(Manifest m, Optional<AgeDecryption> decryption, Path spoolDir, RunListener listener,
      Cancellation cancel, Clock clock) throws IOException {
    Run run = new Run(Operation.VERIFY, m.clusterName(), listener, cancel, clock);
    try (Fetched f = fetch(m, decryption, spoolDir, run)) {
      return run.succeeded(new Verified(m, f.status(), f.checks()));
    } catch (IOException e) {
      throw run.failed(e);
    } catch (RuntimeException e) {
      throw run.failed(e);
    }
  }

  /**
   * One backup of a sweep: verified, or why not.
   *
   * @param key the backup's manifest key
   * @param manifest the backup; empty when its manifest itself cannot be read
   * @param verified the checks when it passed
   * @param reason {@link Reason#OK}, or the failure's reason ({@code integrity}: bit rot)
   * @param message the failure, one line; empty when it passed
   */
  public record Checked(String key, Optional<Manifest> manifest, Optional<Verified> verified, Reason reason,
      String message) {
    public boolean ok() {
      return reason == Reason.OK;
    }
  }

  /**
   * {@code verify --all}: verifies the newest {@code limit} backups of a series (all when empty)
   * in turn, each its own run reported to {@code listener}, so that bit rot in the store is found
   * before a restore needs it. A manifest that cannot be read is a failed backup too ({@code
   * integrity}), listed first. A failed backup does not stop the sweep; a cancellation does.
   */
  public List<Checked> verifyAll(String cluster, Optional<Integer> limit, Optional<AgeDecryption> decryption,
      Path spoolDir, RunListener listener, Cancellation cancel, Clock clock) {
    BackupRepository.Listing listing = repository.scan(cluster, cancel);
    if (listing.backups().isEmpty() && listing.unreadable().isEmpty()) {
      throw new NotFoundException("no backups of cluster " + cluster + " in " + repository.store().location());
    }
    List<Checked> out = new ArrayList<>();
    for (BackupRepository.Unreadable u : listing.unreadable()) {
      // Its own failed run, so that the metrics count it as the verification failure it is.
      IntegrityException e = new IntegrityException(u.key() + ": " + u.problem());
      new Run(Operation.VERIFY, cluster, listener, cancel, clock).failed(e);
      LOG.warn("backup manifest unreadable cluster={} key={}: {}", cluster, u.key(), u.problem());
      out.add(new Checked(u.key(), Optional.empty(), Optional.empty(), Reason.INTEGRITY, e.getMessage()));
    }
    List<Manifest> backups = listing.backups();
    List<Manifest> chosen = limit.map(n -> backups.subList(0, Math.min(n, backups.size()))).orElse(backups);
    for (Manifest m : chosen) {
      cancel.check();
      try {
        Verified v = verify(m, decryption, spoolDir, listener, cancel, clock);
        out.add(new Checked(m.manifestKey(), Optional.of(m), Optional.of(v), Reason.OK, ""));
      } catch (CancelledException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        Reason reason = Reason.of(e);
        LOG.warn("backup failed verification cluster={} id={} reason={}: {}", m.clusterName(), m.id(), reason.label(),
            e.getMessage());
        out.add(new Checked(m.manifestKey(), Optional.of(m), Optional.empty(), reason, String.valueOf(e.getMessage())));
      }
    }
    return out;
  }

  /** {@link #fetch(Manifest, Optional, Path, Run)} outside a run of its own (tests, tools). */
  public Fetched fetch(Manifest m, Optional<AgeDecryption> decryption, Path spoolDir) throws IOException {
    return fetch(m, decryption, spoolDir, new Run(Operation.VERIFY, m.clusterName(), RunListener.NONE,
        Cancellation.create(), Clock.systemUTC()));
  }

  /**
   * Fetches {@code m} into a new file in {@code spoolDir}, as phases of {@code run}: DOWNLOAD and
   * DECRYPT together (one pass), then CHECK.
   *
   * @throws IntegrityException naming the backup and the failed check
   * @throws InvalidInputException if the backup is encrypted and no identity is given
   * @throws StoreException if the store cannot be read
   */
  public Fetched fetch(Manifest m, Optional<AgeDecryption> decryption, Path spoolDir, Run run) throws IOException {
    String what = "backup " + m.id() + " of " + m.clusterName();
    // First: a forged manifest must not even be downloaded against (--manifest-signing-key).
    repository.checkSignature(m);
    if (m.transforms().encrypted() && decryption.isEmpty()) {
      throw new InvalidInputException(what + " is age-encrypted (recipients " + m.transforms().recipientFingerprints()
          + "): give the key with --identity-file FILE");
    }
    run.cancellation().check();
    Spool.removeLeftovers(spoolDir); // what killed runs left there; live runs' spools stay
    Spool spool = Spool.create(spoolDir, "fetch");
    boolean ok = false;
    try (var onCancel = run.cancellation().onCancel(() -> spool.fail(new CancelledException("cancelled")))) {
      Run.Span download = run.start(Phase.DOWNLOAD);
      Run.Span decode = run.start(Phase.DECRYPT);
      try {
        download(m, decryption, spool, what, download, decode, run.cancellation());
        download.end();
        decode.end();
      } catch (IOException | RuntimeException e) {
        download.fail(e);
        decode.fail(e);
        throw e;
      }
      SnapshotStatus status = run.phase(Phase.CHECK, span -> {
        SnapshotStatus st = SnapshotInspector.status(spool.path());
        compare(what, "crc hash", m.crcHash(), st.hash());
        compare(what, "revision", m.revision(), st.revision());
        compare(what, "total keys", m.keyCount(), st.totalKey());
        compare(what, "total size", m.dbSize(), st.totalSize());
        return st;
      });
      List<String> checks = new ArrayList<>();
      checks.add("stored sha256 and size");
      if (m.transforms().encrypted()) {
        checks.add("age decryption");
      }
      checks.add("decompression (" + m.transforms().compression() + ")");
      checks.addAll(List.of("raw sha256", "bbolt structure", "status figures (hash, revision, total keys, total size)"));
      Spool.Kept raw = spool.keep();
      ok = true;
      LOG.info("backup fetched and verified cluster={} id={} rev={}", m.clusterName(), m.id(), m.revision());
      return new Fetched(m, raw, status, checks);
    } catch (EtcdBackupException e) {
      throw e;
    } catch (StoreReadFailed e) {
      throw new StoreException(e.getMessage(), e);
    } catch (IOException e) {
      if (e.getCause() instanceof EtcdBackupException cause) {
        throw cause;
      }
      throw e;
    } finally {
      if (!ok) {
        spool.close();
      }
    }
  }

  /**
   * Store, stored SHA-256, decryption and decompression on this thread, into {@code spool}; the
   * raw SHA-256 on a second one that follows the spool (one core hashes while the other decodes:
   * at 1 GiB the hash alone is 1.5 s on the benchmark machine).
   */
  private void download(Manifest m, Optional<AgeDecryption> decryption, Spool spool, String what, Run.Span download,
      Run.Span decode, Cancellation cancel) throws IOException {
    Compression compression = Compression.forReading(Compression.Algorithm.parse(m.transforms().compression()));
    CompletableFuture<String> rawSha = hashInBackground(spool);
    String where = repository.store().location() + "/" + m.objectKey();
    InputStream object;
    try {
      object = repository.openObject(m);
    } catch (IOException e) {
      throw new StoreReadFailed(where, e);
    }
    try (InputStream fromStore = new StoreReads(download.counting(object), where, cancel)) {
      Sha256InputStream stored = new Sha256InputStream(fromStore);
      try (OutputStream file = decode.counting(spool.writer())) {
        try {
          // The decoders must not close the store stream: what they leave unread is drained and
          // hashed below (a stored object with trailing garbage must fail, not pass).
          InputStream shielded = new FilterInputStream(stored) {
            @Override
            public void close() {
              // kept open for drain()
            }
          };
          InputStream decrypted = decryption.isPresent() && m.transforms().encrypted()
              ? decryption.get().decrypt(shielded, what) : shielded;
          try (InputStream plain = compression.decompress(decrypted)) {
            copy(plain, file);
          }
        } catch (StoreReadFailed e) {
          throw e;
        } catch (IOException | RuntimeException e) {
          // A damaged object usually breaks decryption or decompression first; the stored hash
          // names the real cause, so read the rest and compare it before blaming the decoder.
          drain(stored);
          checkStored(m, what, stored);
          if (e instanceof IntegrityException ie) {
            throw ie;
          }
          throw new IntegrityException(what + ": " + decodeStep(m) + " failed: " + e.getMessage(), e);
        }
        drain(stored);
      }
      checkStored(m, what, stored);
      String sha;
      try {
        sha = cancel.await(rawSha);
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      }
      if (!sha.equals(m.sha256Raw())) {
        throw new IntegrityException(what + ": the restored db's sha256 is " + sha + ", the manifest says "
            + m.sha256Raw());
      }
    } catch (IOException | RuntimeException e) {
      spool.fail(e); // ends the hashing thread now rather than at the spool's close
      throw e;
    }
  }

  private static CompletableFuture<String> hashInBackground(Spool spool) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (Sha256InputStream in = new Sha256InputStream(spool.follow())) {
        drain(in);
        result.complete(in.sha256Hex());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, "fetch-sha256");
    t.setDaemon(true);
    t.start();
    return result;
  }

  private static void checkStored(Manifest m, String what, Sha256InputStream stored) {
    String sha = stored.sha256Hex();
    if (stored.count() != m.storedSize()) {
      throw new IntegrityException(what + ": the stored object is " + stored.count() + " bytes, the manifest says "
          + m.storedSize() + " (truncated or replaced)");
    }
    if (!sha.equals(m.sha256Stored())) {
      throw new IntegrityException(what + ": the stored object's sha256 is " + sha + ", the manifest says "
          + m.sha256Stored() + " (the object was modified)");
    }
  }

  private static String decodeStep(Manifest m) {
    return m.transforms().encrypted() ? "decryption or decompression" : "decompression";
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buf = new byte[COPY_BUFFER];
    while (in.read(buf) >= 0) {
      // counted and hashed by the stream itself
    }
  }

  /** Larger than InputStream.transferTo's 8 KiB: zstd-jni pays a JNI call per read. */
  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[COPY_BUFFER];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
    }
  }

  private static void compare(String what, String figure, long expected, long actual) {
    if (expected != actual) {
      throw new IntegrityException(what + ": " + figure + " of the db is " + actual + ", the manifest says " + expected);
    }
  }

  /** Tags read errors of the store, so a network failure is not mistaken for corrupt data. */
  private static final class StoreReads extends FilterInputStream {
    private final String where;
    private final Cancellation cancel;

    StoreReads(InputStream in, String where, Cancellation cancel) {
      super(in);
      this.where = where;
      this.cancel = cancel;
    }

    @Override
    public int read() throws IOException {
      cancel.check();
      try {
        return super.read();
      } catch (IOException e) {
        throw new StoreReadFailed(where, e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      cancel.check();
      try {
        return super.read(b, off, len);
      } catch (IOException e) {
        throw new StoreReadFailed(where, e);
      }
    }
  }

  private static final class StoreReadFailed extends IOException {
    private static final long serialVersionUID = 1L;

    StoreReadFailed(String where, IOException cause) {
      super("cannot read " + where + ": " + cause.getMessage(), cause);
    }
  }
}
