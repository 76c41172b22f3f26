package io.etcdbackup.core.bbolt;

import io.etcdbackup.core.stream.BackgroundSync;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a fresh bbolt file from sorted streams: top-level buckets in ascending name order, each
 * with its entries in ascending key order. Trees are built bottom-up as entries arrive (see
 * {@code TreeBuilder}), so memory does not grow with the number of keys.
 *
 * <p>The layout follows ETCD-FORMATS.md §2.6, which real bbolt and etcd accept: pages allocated
 * front to back from page 2, small buckets inline, no unreachable pages, no synced freelist
 * ({@code meta.freelist = 0xFFFFFFFFFFFFFFFF}, as etcd on Linux writes it, bbolt rebuilds the
 * freelist by a scan), and both meta pages written last, so an unfinished file has no valid
 * meta and cannot be opened. Not thread-safe.
 *
 * <p>Pages go to the file in 1 MiB sequential writes, and every 64 MiB a helper thread forces what
 * is written to disk while the writer goes on ({@code BackgroundSync}), so that {@link #finish()}
 * waits for the last few megabytes only. {@link #finishWithoutSync()} and {@link #sync()} split
 * {@code finish()} for a caller that reads the file back (a check) while the disk catches up.
 */
public final class BboltWriter implements Closeable {
  static final int MAX_KEY_SIZE = 32768;
  /** Keeps any node below the 1 GiB a reader agrees to hold; etcd values are a few MiB at most. */
  static final int MAX_VALUE_SIZE = (1 << 30) - (1 << 17);
  private static final int MIN_PAGE_SIZE = 1024;
  private static final int MAX_PAGE_SIZE = 1 << 20;

  private final Path path;
  private final FileChannel channel;
  private final int pageSize;
  private final BackgroundSync backgroundSync;
  private final PageSink sink;
  private final List<Node.Element> buckets = new ArrayList<>();
  private StreamingBucket current;
  private byte[] lastName;
  private boolean written;
  private boolean finished;
  private boolean failed;

  BboltWriter(Path path, FileChannel channel, int pageSize, long syncEvery) {
    this.path = path;
    this.channel = channel;
    this.pageSize = pageSize;
    this.backgroundSync = new BackgroundSync(channel, syncEvery, path.toString());
    this.sink = new PageSink(channel, pageSize, backgroundSync);
  }

  /**
   * Creates (or truncates) {@code file}. {@code pageSize} is a power of two from 1024 to 1 MiB;
   * etcd uses the OS page size (4096 on x86-64), and a later etcd keeps the file's own size.
   */
  public static BboltWriter create(Path file, int pageSize) throws IOException {
    if (pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || Integer.bitCount(pageSize) != 1) {
      throw new IllegalArgumentException("pageSize (" + pageSize + ") must be a power of two from "
          + MIN_PAGE_SIZE + " to " + MAX_PAGE_SIZE);
    }
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE);
    return new BboltWriter(file, ch, pageSize, BackgroundSync.DEFAULT_EVERY);
  }

  /**
   * Starts the next top-level bucket, finishing the previous one. Names must be non-empty, at
   * most 32768 bytes and strictly ascending (unsigned bytes).
   */
  public BucketWriter bucket(byte[] name) throws IOException {
    ensureWritable();
    checkKey(name, "bucket name");
    if (lastName != null && Keys.compare(name, lastName) <= 0) {
      throw new IllegalArgumentException("bucket " + Keys.name(name) + " does not come after "
          + Keys.name(lastName) + ": top-level bucket names must be strictly ascending");
    }
    boolean ok = false;
    try {
      finishBucket();
      ok = true;
    } finally {
      failed |= !ok;
    }
    lastName = name.clone();
    current = new StreamingBucket(lastName);
    return current;
  }

  /**
   * Finishes the last bucket, writes the root bucket and both meta pages, truncates the file to
   * {@code pgid * pageSize} and fsyncs it (not its directory: the caller renames and syncs that).
   */
  public void finish() throws IOException {
    finishWithoutSync();
    sync();
  }

  /**
   * {@link #finish()} without its fsync: the file is complete and can be read back (through the
   * page cache), but is durable only after {@link #sync()}. A caller that checks the file it wrote
   * does so in between, while the disk catches up with the writes.
   */
  public void finishWithoutSync() throws IOException {
    ensureWritable();
    boolean ok = false;
    try {
      finishBucket();
      TreeBuilder root = new TreeBuilder(sink, pageSize);
      for (Node.Element b : buckets) {
        root.add(Page.BUCKET_LEAF, b.key(), b.value());
      }
      long rootPgid = root.finish();
      sink.flush();
      long pgid = sink.nextPgid();
      // bbolt's own init() gives meta page i txid i; the page with the higher txid (1) is active,
      // and etcd's first commit (txid 2) then overwrites page 0, never the active meta.
      for (int i = 0; i < 2; i++) {
        byte[] meta = new byte[pageSize];
        Meta.write(meta, i, pageSize, rootPgid, Meta.NO_FREELIST, pgid, i);
        sink.writeAt(meta, (long) i * pageSize);
      }
      channel.truncate(pgid * pageSize);
      written = true;
      ok = true;
    } finally {
      failed = !ok;
    }
  }

  /** Forces the file finished by {@link #finishWithoutSync()} to disk; the writer is then finished. */
  public void sync() throws IOException {
    if (!written || finished) {
      throw new IllegalStateException(path + ": sync() follows finishWithoutSync(), once");
    }
    if (failed) {
      throw new IllegalStateException(path + ": writer failed earlier");
    }
    boolean ok = false;
    try {
      backgroundSync.await();
      channel.force(true);
      finished = true;
      ok = true;
    } finally {
      failed = !ok;
    }
  }

  /** Closes the file; a file closed before {@link #finish()} has no valid meta page. */
  @Override
  public void close() throws IOException {
    try {
      backgroundSync.close();
    } finally {
      channel.close();
    }
  }

  private void finishBucket() throws IOException {
    if (current != null) {
      StreamingBucket b = current;
      current = null;
      buckets.add(new Node.Element(Page.BUCKET_LEAF, b.name, b.finish(), 0));
    }
  }

  private void ensureWritable() {
    if (failed) {
      throw new IllegalStateException(path + ": writer failed earlier");
    }
    if (finished || written) {
      throw new IllegalStateException(path + ": writer already finished");
    }
    if (!channel.isOpen()) {
      throw new IllegalStateException(path + ": writer is closed");
    }
  }

  private static void checkKey(byte[] key, String what) {
    if (key == null || key.length == 0 || key.length > MAX_KEY_SIZE) {
      throw new IllegalArgumentException(what + " of " + (key == null ? "null" : key.length + " bytes")
          + " must have 1 to " + MAX_KEY_SIZE + " bytes");
    }
  }

  /**
   * One bucket: entries are held while the bucket could still be inline (bbolt
   * {@code bucket.inlineable}: {@code 16 + sum(16 + |k| + |v|) <= pageSize / 4}), and streamed into a
   * tree once it cannot.
   */
  private final class StreamingBucket implements BucketWriter {
    private final byte[] name;
    private Node pending = new Node(true);
    private TreeBuilder tree;
    private byte[] lastKey = new byte[64];
    private int lastKeyLength = -1;

    StreamingBucket(byte[] name) {
      this.name = name;
    }

    @Override
    public void put(byte[] key, byte[] value) throws IOException {
      if (key == null || value == null) {
        checkArguments(key, key == null ? 0 : key.length, value == null ? -1 : value.length);
      }
      put(key, 0, key.length, value, 0, value.length);
    }

    @Override
    public void put(byte[] k, int ko, int kl, byte[] v, int vo, int vl) throws IOException {
      if (current != this) {
        throw new IllegalStateException("bucket " + Keys.name(name) + " is finished");
      }
      ensureWritable();
      checkArguments(k, kl, v == null ? -1 : vl);
      if (lastKeyLength >= 0 && Arrays.compareUnsigned(k, ko, ko + kl, lastKey, 0, lastKeyLength) <= 0) {
        byte[] key = Arrays.copyOfRange(k, ko, ko + kl);
        throw new IllegalArgumentException("key " + Keys.hex(key) + " does not come after "
            + Keys.hex(Arrays.copyOf(lastKey, lastKeyLength)) + " in bucket " + Keys.name(name)
            + ": keys must be strictly ascending");
      }
      if (lastKey.length < kl) {
        lastKey = new byte[Math.max(kl, 2 * lastKey.length)];
      }
      System.arraycopy(k, ko, lastKey, 0, kl);
      lastKeyLength = kl;
      boolean ok = false;
      try {
        if (tree != null) {
          tree.add(0, k, ko, kl, v, vo, vl);
        } else {
          pending.add(0, k, ko, kl, v, vo, vl, 0);
          if (pending.size() > pageSize / 4) {
            TreeBuilder t = new TreeBuilder(sink, pageSize);
            pending.forEach((flags, data, kOff, kLen, vOff, vLen, child) -> t.add(flags, data, kOff, kLen, data, vOff, vLen));
            tree = t;
            pending = null;
          }
        }
        ok = true;
      } finally {
        failed |= !ok;
      }
    }

    private void checkArguments(byte[] k, int kl, int vl) {
      if (k == null || kl == 0 || kl > MAX_KEY_SIZE) {
        throw new IllegalArgumentException("key of " + (k == null ? "null" : kl + " bytes")
            + " must have 1 to " + MAX_KEY_SIZE + " bytes");
      }
      if (vl < 0 || vl > MAX_VALUE_SIZE) {
        throw new IllegalArgumentException("value of " + (vl < 0 ? "null" : vl + " bytes")
            + " for key " + Keys.hex(Arrays.copyOf(k, Math.min(kl, k.length))) + " must have at most "
            + MAX_VALUE_SIZE + " bytes");
      }
    }

    /** The bucket's value in its parent: a header {root, 0}, or {0, 0} and the leaf image when inline. */
    byte[] finish() throws IOException {
      byte[] value;
      if (tree == null) {
        value = new byte[BucketRef.HEADER_SIZE + (int) pending.size()];
        pending.encode(value, BucketRef.HEADER_SIZE, 0, 0);
      } else {
        value = new byte[BucketRef.HEADER_SIZE];
        Le.put64(value, 0, tree.finish());
      }
      return value;
    }
  }
}
