package io.etcdbackup.restore;

import static io.etcdbackup.core.snapshot.EtcdSchema.AUTH;
import static io.etcdbackup.core.snapshot.EtcdSchema.AUTH_ENABLED;
import static io.etcdbackup.core.snapshot.EtcdSchema.CLUSTER;
import static io.etcdbackup.core.snapshot.EtcdSchema.CONSISTENT_INDEX;
import static io.etcdbackup.core.snapshot.EtcdSchema.KEY;
import static io.etcdbackup.core.snapshot.EtcdSchema.MEMBERS;
import static io.etcdbackup.core.snapshot.EtcdSchema.MEMBERS_REMOVED;
import static io.etcdbackup.core.snapshot.EtcdSchema.META;
import static io.etcdbackup.core.snapshot.EtcdSchema.SCHEDULED_COMPACT_REV;
import static io.etcdbackup.core.snapshot.EtcdSchema.TERM;

import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.bbolt.BboltCheck;
import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.core.bbolt.BboltWriter;
import io.etcdbackup.core.bbolt.BucketEntryVisitor;
import io.etcdbackup.core.bbolt.BucketWriter;
import io.etcdbackup.core.bbolt.EntryView;
import io.etcdbackup.core.bbolt.EntryVisitor;
import io.etcdbackup.core.snapshot.EtcdSchema;
import io.etcdbackup.core.snapshot.Revisions;
import io.etcdbackup.core.snapshot.SnapshotInspector;
import io.etcdbackup.core.snapshot.SnapshotStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Rewrites a verified etcd backend db into a fresh bbolt file for the restored cluster, with the
 * changes {@code etcdutl snapshot restore} 3.5.30 makes ({@code etcdutl/snapshot/v3_snapshot.go}):
 *
 * <ul>
 *   <li>{@code members} and {@code members_removed} are emptied ({@code TrimMembershipFromBackend}),
 *       then {@code members} holds the new members ({@code <hex id>} → member JSON, written by
 *       {@code RaftCluster.AddMember} in {@code saveWALAndSnap});
 *   <li>buckets {@code members}, {@code members_removed} and {@code cluster} are created if missing
 *       ({@code mustCreateBackendBuckets});
 *   <li>{@code meta/consistent_index = N} and {@code meta/term = 1}, u64 big-endian
 *       ({@code updateCIndex} → {@code cindex.UnsafeUpdateConsistentIndex});
 *   <li>with {@code --bump-revision B --mark-compacted} (etcdutl only acts when both are given,
 *       {@code modifyLatestRevision}): {@code key[rev(latest.main + B, 0)] = ""} and
 *       {@code meta/scheduledCompactRev = rev(latest.main + B, 0)}, where {@code latest} is the
 *       highest revision in {@code key} (a tombstone counts by its first 17 bytes). The server then
 *       resumes that compaction at start-up, so every older revision reads as compacted.
 * </ul>
 *
 * <p>Everything else is copied unchanged, including {@code meta/confState} of the old cluster,
 * compaction marks and {@code cluster/clusterVersion}, as etcdutl leaves them. The copy streams:
 * buckets in name order, keys in key order, with the few inserted keys merged into each bucket's
 * sorted stream, so memory does not grow with the db. Entries go from the page being read to the
 * page being written without a copy of their own.
 *
 * <p>The source is read once: the pass that copies it is the check of its bbolt structure and the
 * computation of its status figures ({@link SnapshotInspector#status(BboltReader,
 * BucketEntryVisitor)}), which sees every entry before the writer does. The written file is
 * checked in full ({@link BboltCheck}: an independent reading of what the writer produced) before
 * its fsync, while the writes of the last megabytes reach the disk.
 */
final class DbRewriter {
  private DbRewriter() {}

  /**
   * What a rewrite found and wrote.
   *
   * @param source the source's status figures, from the check its pass made
   * @param revision the highest main revision in the written {@code key} bucket
   */
  record Result(SnapshotStatus source, long revision) {}

  /**
   * Writes {@code target} (which must not exist) from {@code source} for {@code plan}, checks the
   * written file's bbolt structure and fsyncs it.
   *
   * @return the highest main revision in the written {@code key} bucket
   */
  static long rewrite(Path source, Path target, ClusterPlan plan, long bumpRevision) throws IOException {
    return rewrite(source, target, plan, bumpRevision, false, null).revision();
  }

  /**
   * As above, in one pass over {@code source} that also checks it ({@link SnapshotInspector#status(
   * BboltReader, BucketEntryVisitor)}: the bbolt structure and the status figures) and shows every
   * bucket and entry of it to {@code also} (may be {@code null}). A source that fails the check
   * fails the rewrite with the check's {@link IntegrityException}; what was written by then is
   * the caller's to delete. {@code authOff}: {@code auth/authEnabled} written as 0 when the source
   * has an auth bucket.
   */
  static Result rewrite(Path source, Path target, ClusterPlan plan, long bumpRevision, boolean authOff,
      BucketEntryVisitor also) throws IOException {
    try (BboltReader in = BboltReader.open(source)) {
      long latest;
      boolean hasAuth;
      try {
        requireBucket(in, source, KEY);
        requireBucket(in, source, META);
        latest = latestMainRevision(in, source);
        hasAuth = in.hasBucket(AUTH);
      } catch (RuntimeException e) {
        // These few reads come before the check: where the file is broken, the check's own
        // finding (the page and the rule) is the one to report.
        BboltCheck.check(in);
        throw e;
      }
      NavigableMap<ByteArray, Overlay> overlays = overlays(plan, latest, bumpRevision);
      if (authOff && hasAuth) {
        // etcd's auth/store.go (3.4 and 3.5): enableFlagKey "authEnabled", 1 on, 0 off; read at start-up
        Overlay auth = Overlay.merging();
        auth.put(AUTH_ENABLED, new byte[] {0});
        overlays.put(new ByteArray(AUTH), auth);
      }
      SnapshotStatus status;
      try (BboltWriter out = BboltWriter.create(target, in.pageSize())) {
        CopyingVisitor copy = new CopyingVisitor(out, overlays, also);
        status = SnapshotInspector.status(in, copy);
        copy.finish();
        out.finishWithoutSync();
        // Checked through the page cache while the disk catches up: the same bytes the fsync makes durable.
        try (BboltReader written = BboltReader.open(target)) {
          BboltCheck.check(written);
        }
        out.sync();
      }
      return new Result(status, bumpRevision > 0 ? latest + bumpRevision : latest);
    }
  }

  private static NavigableMap<ByteArray, Overlay> overlays(ClusterPlan plan, long latest, long bumpRevision) {
    Overlay members = Overlay.replacing();
    for (PlannedMember m : plan.members()) {
      members.put(ascii(m.idHex()), MemberJson.member(m));
    }
    Overlay meta = Overlay.merging();
    meta.put(CONSISTENT_INDEX, EtcdSchema.encodeU64(plan.members().size()));
    meta.put(TERM, EtcdSchema.encodeU64(WalFile.TERM));
    Overlay key = Overlay.merging();
    if (bumpRevision > 0) {
      long bumped;
      try {
        bumped = Math.addExact(latest, bumpRevision);
      } catch (ArithmeticException e) {
        throw new InvalidInputException("--bump-revision (" + bumpRevision + ") added to the snapshot's revision ("
            + latest + ") overflows a 64-bit revision");
      }
      byte[] rev = Revisions.encode(bumped, 0);
      key.put(rev, new byte[0]);
      meta.put(SCHEDULED_COMPACT_REV, rev);
    }
    NavigableMap<ByteArray, Overlay> m = new TreeMap<>();
    m.put(new ByteArray(MEMBERS), members);
    m.put(new ByteArray(MEMBERS_REMOVED), Overlay.replacing());
    m.put(new ByteArray(CLUSTER), Overlay.merging());
    m.put(new ByteArray(META), meta);
    m.put(new ByteArray(KEY), key);
    return m;
  }

  /**
   * The writer's side of the pass: every bucket of the source and of the overlays, in name order
   * (the check sees the source's in bbolt order, which is that order), each with its inserts merged
   * into its entries; {@code also} sees the source as it is.
   */
  private static final class CopyingVisitor implements BucketEntryVisitor {
    private final BboltWriter out;
    private final Iterator<Map.Entry<ByteArray, Overlay>> overlays;
    private final BucketEntryVisitor also;
    private Map.Entry<ByteArray, Overlay> nextOverlay;
    private MergingVisitor current;
    private boolean dropSource;

    CopyingVisitor(BboltWriter out, NavigableMap<ByteArray, Overlay> overlays, BucketEntryVisitor also) {
      this.out = out;
      this.overlays = overlays.entrySet().iterator();
      this.also = also;
      this.nextOverlay = this.overlays.hasNext() ? this.overlays.next() : null;
    }

    @Override
    public void bucket(byte[] name) throws IOException {
      ByteArray n = new ByteArray(name);
      finishCurrent();
      while (nextOverlay != null && nextOverlay.getKey().compareTo(n) < 0) {
        start(nextOverlay.getKey().bytes(), takeOverlay());
        finishCurrent(); // a bucket of the overlays alone
      }
      Overlay overlay = nextOverlay != null && nextOverlay.getKey().equals(n) ? takeOverlay() : null;
      start(name, overlay);
      if (also != null) {
        also.bucket(name);
      }
    }

    @Override
    public void entry(EntryView e) throws IOException {
      if (!dropSource) {
        current.visit(e);
      }
      if (also != null) {
        also.entry(e);
      }
    }

    /** After the pass: the last bucket's inserts, then the overlays' buckets that sort after every source bucket. */
    void finish() throws IOException {
      finishCurrent();
      while (nextOverlay != null) {
        start(nextOverlay.getKey().bytes(), takeOverlay());
        finishCurrent();
      }
    }

    private Overlay takeOverlay() {
      Overlay o = nextOverlay.getValue();
      nextOverlay = overlays.hasNext() ? overlays.next() : null;
      return o;
    }

    private void start(byte[] name, Overlay overlay) throws IOException {
      BucketWriter w = out.bucket(name);
      Iterator<Map.Entry<byte[], byte[]>> inserts = overlay == null
          ? java.util.Collections.emptyIterator() : overlay.entries.entrySet().iterator();
      current = new MergingVisitor(name, w, inserts);
      dropSource = overlay != null && overlay.dropSource;
    }

    private void finishCurrent() throws IOException {
      if (current != null) {
        current.flush();
        current = null;
      }
    }
  }

  /** Feeds a bucket's sorted source stream to the writer, with sorted inserts merged in (an insert wins over an equal key). */
  private static final class MergingVisitor implements EntryVisitor {
    private final byte[] bucket;
    private final BucketWriter w;
    private final Iterator<Map.Entry<byte[], byte[]>> inserts;
    private Map.Entry<byte[], byte[]> next;

    MergingVisitor(byte[] bucket, BucketWriter w, Iterator<Map.Entry<byte[], byte[]>> inserts) {
      this.bucket = bucket;
      this.w = w;
      this.inserts = inserts;
      this.next = inserts.hasNext() ? inserts.next() : null;
    }

    @Override
    public void visit(EntryView e) throws IOException {
      if (e.isBucket()) {
        throw new IntegrityException("bucket " + new String(bucket, StandardCharsets.UTF_8) + " holds a nested bucket "
            + new String(e.key(), StandardCharsets.UTF_8) + ": an etcd backend has none");
      }
      while (next != null && e.compareKey(next.getKey()) > 0) {
        emitNext();
      }
      if (next != null && e.keyEquals(next.getKey())) {
        emitNext();
        return;
      }
      w.put(e);
    }

    void flush() throws IOException {
      while (next != null) {
        emitNext();
      }
    }

    private void emitNext() throws IOException {
      w.put(next.getKey(), next.getValue());
      next = inserts.hasNext() ? inserts.next() : null;
    }
  }

  /** The keys a bucket gets, sorted; {@code dropSource} means the source bucket's keys are left out. */
  private static final class Overlay {
    final boolean dropSource;
    final NavigableMap<byte[], byte[]> entries = new TreeMap<>(Arrays::compareUnsigned);

    private Overlay(boolean dropSource) {
      this.dropSource = dropSource;
    }

    static Overlay replacing() {
      return new Overlay(true);
    }

    static Overlay merging() {
      return new Overlay(false);
    }

    void put(byte[] k, byte[] v) {
      entries.put(k, v);
    }
  }

  /** Main revision of the last key of {@code key}, 0 if empty (etcdutl's {@code unsafeGetLatestRevision}). */
  private static long latestMainRevision(BboltReader in, Path source) throws IOException {
    byte[] last = in.lastKey(KEY);
    if (last == null) {
      return 0;
    }
    if (last.length < Revisions.LENGTH || last[8] != '_') {
      throw new IntegrityException(source + ": the last key of bucket key is not an etcd revision ("
          + java.util.HexFormat.of().formatHex(last) + ")");
    }
    return Revisions.main(last);
  }

  private static void requireBucket(BboltReader in, Path source, byte[] name) throws IOException {
    if (!in.hasBucket(name)) {
      throw new IntegrityException(source + " has no bucket " + new String(name, StandardCharsets.US_ASCII)
          + ": it is not an etcd backend database");
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A byte[] ordered as bbolt orders keys (unsigned, shorter prefix first). */
  record ByteArray(byte[] bytes) implements Comparable<ByteArray> {
    @Override
    public int compareTo(ByteArray o) {
      return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ByteArray b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }
}
