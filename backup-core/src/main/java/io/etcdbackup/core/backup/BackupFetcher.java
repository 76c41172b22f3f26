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
import io.etcdbackup.core.stream.AlignedBuffers;
import io.etcdbackup.core.stream.Compression;
import io.etcdbackup.core.stream.ReadAheadInputStream;
import io.etcdbackup.core.stream.Sha256InputStream;
import io.etcdbackup.core.stream.Sha256OutputStream;
import io.etcdbackup.core.stream.Spool;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads a backup and checks everything the manifest promises: in one pass over the store's
 * stream the stored bytes' SHA-256 and size, decryption, decompression and the raw db's SHA-256
 * ({@link #download}, its stages overlapping on several threads), then the bbolt structure and
 * the status figures (hash, revision, key count, size) in one pass over the raw db ({@link
 * #fetch}; a restore makes that pass while it rewrites the db). The raw db is left in a file for
 * the caller (restore) or deleted (verify). Every failure names the backup and the check.
 */
public final class BackupFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(BackupFetcher.class);

  private static final int COPY_BUFFER = 256 * 1024;
  private static final int READ_AHEAD_BUFFERS = 4;
  private static final int READ_AHEAD_BYTES = 1 << 20;
  private static final int HASH_BUFFER = 1 << 20;

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
   * DECRYPT together ({@link #download}), then CHECK: the raw SHA-256, the bbolt structure and the
   * status figures, all against the manifest.
   *
   * @throws IntegrityException naming the backup and the failed check
   * @throws InvalidInputException if the backup is encrypted and no identity is given
   * @throws StoreException if the store cannot be read
   */
  public Fetched fetch(Manifest m, Optional<AgeDecryption> decryption, Path spoolDir, Run run) throws IOException {
    Download d = download(m, decryption, spoolDir, run);
    boolean ok = false;
    try {
      SnapshotStatus status = run.phase(Phase.CHECK, span -> {
        d.checkRawSha();
        SnapshotStatus st;
        try {
          st = SnapshotInspector.status(d.rawDb());
        } catch (IntegrityException e) {
          throw d.explain(e);
        }
        d.checkFigures(st);
        return st;
      });
      Fetched f = d.keep(status);
      ok = true;
      LOG.info("backup fetched and verified cluster={} id={} rev={}", m.clusterName(), m.id(), m.revision());
      return f;
    } finally {
      if (!ok) {
        d.close();
      }
    }
  }

  /**
   * A backup downloaded into a spool file: the stored object's size and SHA-256 match the
   * manifest, and it decrypted and decompressed. The raw db's SHA-256 may still be computing on a
   * thread of its own, and nothing has read the db's content yet: a caller proves the rest ({@link
   * #checkRawSha}, {@link #checkFigures}) before it relies on the db, and may meanwhile read the
   * file (a restore checks and rewrites it in one pass). Closing it ends the hash and deletes the
   * file.
   */
  public final class Download implements Closeable {
    private final Manifest manifest;
    private final String what;
    private final Spool spool;
    private final CompletableFuture<String> rawSha;
    private boolean rawShaChecked;

    private Download(Manifest manifest, String what, Spool spool, CompletableFuture<String> rawSha) {
      this.manifest = manifest;
      this.what = what;
      this.spool = spool;
      this.rawSha = rawSha;
    }

    public Manifest manifest() {
      return manifest;
    }

    /** The raw db: complete, but unproven until {@link #checkRawSha} and {@link #checkFigures} pass. */
    public Path rawDb() {
      return spool.path();
    }

    /**
     * Waits for the raw db's SHA-256 and compares it with the manifest. Not cancellable: it hashes
     * a local file that is complete, and ends by itself.
     *
     * @throws IntegrityException if they differ
     */
    public void checkRawSha() throws IOException {
      if (rawShaChecked) {
        return;
      }
      String sha;
      try {
        sha = rawSha.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while hashing the restored db of " + what);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      }
      if (!sha.equals(manifest.sha256Raw())) {
        throw new IntegrityException(what + ": the restored db's sha256 is " + sha + ", the manifest says "
            + manifest.sha256Raw());
      }
      rawShaChecked = true;
    }

    /** Compares what a pass over the db found ({@link SnapshotInspector}) with the manifest. */
    public void checkFigures(SnapshotStatus st) {
      compare(what, "crc hash", manifest.crcHash(), st.hash());
      compare(what, "revision", manifest.revision(), st.revision());
      compare(what, "total keys", manifest.keyCount(), st.totalKey());
      compare(what, "total size", manifest.dbSize(), st.totalSize());
    }

    /**
     * What to throw for {@code found}, a failure of the db's content (its bbolt structure): when
     * the raw SHA-256 is wrong too, that is the cause (the db is not the one backed up: a decoder
     * ended early on a cut object, say) and it is what the user sees, with {@code found}
     * suppressed; otherwise {@code found}, named with the backup.
     */
    public IntegrityException explain(IntegrityException found) {
      try {
        checkRawSha();
      } catch (IntegrityException shaFailed) {
        shaFailed.addSuppressed(found);
        return shaFailed;
      } catch (IOException e) {
        found.addSuppressed(e);
      }
      return new IntegrityException(what + ": " + found.getMessage(), found);
    }

    /** Every check a fetch makes, by name, for a report. */
    public List<String> checks() {
      List<String> checks = new ArrayList<>();
      checks.add("stored sha256 and size");
      if (manifest.transforms().encrypted()) {
        checks.add("age decryption");
      }
      checks.add("decompression (" + manifest.transforms().compression() + ")");
      checks.addAll(List.of("raw sha256", "bbolt structure", "status figures (hash, revision, total keys, total size)"));
      return checks;
    }

    /** Hands the checked file over as a {@link Fetched}; this download is then closed. */
    Fetched keep(SnapshotStatus status) throws IOException {
      if (!rawShaChecked) {
        throw new IllegalStateException(what + ": the raw db is kept only once its sha256 was checked");
      }
      return new Fetched(manifest, spool.keep(), status, checks());
    }

    /** Ends the hash, if it still runs, and deletes the file. Idempotent. */
    @Override
    public void close() throws IOException {
      spool.fail(new IOException(what + ": download closed"));
      spool.close();
    }
  }

  /**
   * {@code verify} and {@code restore}'s first part: downloads {@code m} into a new file in {@code
   * spoolDir}, as the phases DOWNLOAD and DECRYPT of {@code run} (one pass). Cancellable until it
   * returns.
   *
   * @throws IntegrityException naming the backup and the failed check
   * @throws InvalidInputException if the backup is encrypted and no identity is given
   * @throws StoreException if the store cannot be read
   */
  public Download download(Manifest m, Optional<AgeDecryption> decryption, Path spoolDir, Run run) throws IOException {
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
    Download d = new Download(m, what, spool, hashInBackground(spool));
    boolean ok = false;
    try {
      Run.Span download = run.start(Phase.DOWNLOAD);
      Run.Span decode = run.start(Phase.DECRYPT);
      try {
        decode(m, decryption, spool, what, download, decode, run.cancellation());
        download.end();
        decode.end();
      } catch (IOException | RuntimeException e) {
        download.fail(e);
        decode.fail(e);
        throw e;
      }
      ok = true;
      return d;
    } catch (EtcdBackupException e) {
      throw e;
    } catch (StoreReadFailed e) {
      run.cancellation().check(); // a cancellation closes the store's stream: that failure is its doing
      throw new StoreException(e.getMessage(), e);
    } catch (IOException e) {
      if (e.getCause() instanceof EtcdBackupException cause) {
        throw cause;
      }
      throw e;
    } finally {
      if (!ok) {
        d.close();
      }
    }
  }

  /**
   * The store's stream into {@code spool}, each stage on a thread of its own so that they share
   * the cores: the store's reads and the stored SHA-256 on {@code fetch-download}, age decryption on
   * {@code fetch-decrypt}, zstd on this thread, which writes the spool, and the raw SHA-256 on
   * {@code fetch-sha256}, following the spool (it may still run when this returns). Between stages
   * a read-ahead of a few MiB, so memory stays bounded.
   */
  private void decode(Manifest m, Optional<AgeDecryption> decryption, Spool spool, String what, Run.Span download,
      Run.Span decode, Cancellation cancel) throws IOException {
    Compression compression = Compression.forReading(Compression.Algorithm.parse(m.transforms().compression()));
    String where = repository.store().location() + "/" + m.objectKey();
    InputStream object;
    try {
      object = repository.openObject(m);
    } catch (IOException e) {
      throw new StoreReadFailed(where, e);
    }
    StoreReads reads = new StoreReads(download.counting(object), where, cancel);
    Sha256InputStream stored = new Sha256InputStream(reads);
    boolean encrypted = decryption.isPresent() && m.transforms().encrypted();
    List<ReadAheadInputStream> stages = new CopyOnWriteArrayList<>(); // read by a cancelling thread
    // Closing the raw object from another thread is what aborts a download blocked in a read.
    ReadAheadInputStream fromStore = readAhead(stored, "fetch-download", object);
    stages.add(fromStore);
    // A cancellation wakes every stage at once: each fails with it on its next read or wait.
    try (var onCancel = cancel.onCancel(() -> stopAll(cancel, spool, stages))) {
      try (OutputStream file = decode.counting(spool.writer())) {
        // The decoders must not close the store's stream: what they leave unread is drained and
        // hashed below (a stored object with trailing garbage must fail, not pass).
        InputStream shielded = new FilterInputStream(fromStore) {
          @Override
          public void close() {
            // kept open for drain()
          }
        };
        ReadAheadInputStream decrypting = null;
        try {
          InputStream compressed = shielded;
          if (encrypted) {
            decrypting = readAhead(decryption.get().decrypt(shielded, what), "fetch-decrypt", null);
            stages.add(decrypting);
            compressed = decrypting;
          }
          try (InputStream plain = compression.decompress(compressed)) {
            copy(plain, file);
          }
        } catch (IOException | RuntimeException e) {
          if (decrypting != null) {
            decrypting.close(); // its thread reads the store's stream: it must be done before the drain
          }
          // A cancellation first: it closes the store's stream, which then fails as a store would.
          cancel.check();
          if (reads.failure() != null) {
            throw reads.failure(); // a store error, whatever the decoder made of it
          }
          // A damaged object usually breaks decryption or decompression first; the stored hash
          // names the real cause, so read the rest and compare it before blaming the decoder.
          drain(fromStore);
          checkStored(m, what, stored);
          if (e instanceof IntegrityException ie) {
            throw ie;
          }
          throw new IntegrityException(what + ": " + decodeStep(m) + " failed: " + e.getMessage(), e);
        }
        drain(fromStore);
      }
      checkStored(m, what, stored);
    } catch (IOException | RuntimeException e) {
      spool.fail(e); // ends the hashing thread now rather than at the spool's close
      throw e;
    } finally {
      for (ReadAheadInputStream stage : stages) {
        stage.close();
      }
    }
  }

  /** Between two stages: 4 MiB in flight, in 1 MiB buffers (one hand-over per MiB). */
  private static ReadAheadInputStream readAhead(InputStream source, String name, Closeable unblock) {
    return ReadAheadInputStream.start(source, name, READ_AHEAD_BUFFERS, READ_AHEAD_BYTES, unblock);
  }

  /** On a cancellation: the spool and every stage fail with the run's own {@link CancelledException}. */
  private static void stopAll(Cancellation cancel, Spool spool, List<ReadAheadInputStream> stages) {
    try {
      cancel.check();
    } catch (CancelledException why) {
      spool.fail(why);
      for (ReadAheadInputStream stage : stages) {
        stage.fail(why);
      }
    }
  }

  /**
   * The raw SHA-256 on a thread of its own that follows the spool as it grows (one core hashes
   * while the other decodes: at 1 GiB the hash alone is about a second on the benchmark machine),
   * read into a page-aligned direct buffer (see {@link AlignedBuffers}).
   */
  private static CompletableFuture<String> hashInBackground(Spool spool) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (ReadableByteChannel in = spool.followChannel()) {
        MessageDigest md = Sha256OutputStream.newDigest();
        ByteBuffer buf = AlignedBuffers.direct(HASH_BUFFER);
        while (in.read(buf.clear()) >= 0) {
          md.update(buf.flip());
        }
        result.complete(HexFormat.of().formatHex(md.digest()));
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

  /**
   * Tags read errors of the store, so a network failure is not mistaken for corrupt data, and
   * keeps the first: a decoder downstream may wrap it, or fail on what little it got first.
   */
  private static final class StoreReads extends FilterInputStream {
    private final String where;
    private final Cancellation cancel;
    private volatile StoreReadFailed failure;

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
        throw failed(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      cancel.check();
      try {
        return super.read(b, off, len);
      } catch (IOException e) {
        throw failed(e);
      }
    }

    private StoreReadFailed failed(IOException e) {
      StoreReadFailed f = new StoreReadFailed(where, e);
      if (failure == null) {
        failure = f;
      }
      return f;
    }

    /** The store's first read failure, if any. */
    StoreReadFailed failure() {
      return failure;
    }
  }

  private static final class StoreReadFailed extends IOException {
    private static final long serialVersionUID = 1L;

    StoreReadFailed(String where, IOException cause) {
      super("cannot read " + where + ": " + cause.getMessage(), cause);
    }
  }
}
