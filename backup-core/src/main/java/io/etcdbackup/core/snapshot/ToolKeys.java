package io.etcdbackup.core.snapshot;

import io.etcdbackup.core.bbolt.BboltReader;
import io.etcdbackup.core.bbolt.BucketEntryVisitor;
import io.etcdbackup.core.bbolt.EntryView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The keys this tool itself wrote into a cluster, as a snapshot holds them: the lock and holder
 * keys of {@code --lock} (and of every backup taken before the lock was opt-in), under
 * {@code /etcd-backup/}. A restored cluster starts with them; they are bound to a lease, and a
 * restored lease expires after its TTL (etcd restarts lease timers on recovery), so they go away by
 * themselves, but a restore says they are there rather than let them surprise anyone.
 */
public final class ToolKeys {
  /** Everything this tool writes into a cluster lives under this prefix (BackupLock, the election). */
  public static final String PREFIX = "/etcd-backup/";
  private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.UTF_8);

  private ToolKeys() {}

  /**
   * The keys under {@link #PREFIX} that are live at the snapshot's revision: the newest revision of
   * each is not a delete. The {@code key} bucket is ordered by revision, so the last entry seen
   * for a key decides.
   */
  public static List<String> live(Path db) throws IOException {
    Finder finder = new Finder();
    try (BboltReader r = BboltReader.open(db)) {
      if (!r.hasBucket(EtcdSchema.KEY)) {
        return List.of();
      }
      finder.bucket(EtcdSchema.KEY);
      r.forEachEntry(EtcdSchema.KEY, finder::entry);
    }
    return finder.live();
  }

  /**
   * {@link #live} as a visitor of a pass that reads the whole db anyway (a restore's check and
   * rewrite): give it every bucket and entry in order, then ask {@link #live()}. It copies only the
   * entries under {@link #PREFIX}; a value that is no {@code mvccpb.KeyValue} is not one of ours.
   */
  public static final class Finder implements BucketEntryVisitor {
    private final Map<String, Boolean> latest = new TreeMap<>();
    private boolean inKeyBucket;
    private int keyOffset;
    private int keyLength;
    private int pos;

    @Override
    public void bucket(byte[] name) {
      inKeyBucket = Arrays.equals(name, EtcdSchema.KEY);
    }

    @Override
    public void entry(EntryView e) {
      if (!inKeyBucket || e.isBucket() || !findUserKey(e.array(), e.valueOffset(), e.valueLength())) {
        return;
      }
      byte[] b = e.array();
      if (keyLength >= PREFIX_BYTES.length
          && Arrays.equals(b, keyOffset, keyOffset + PREFIX_BYTES.length, PREFIX_BYTES, 0, PREFIX_BYTES.length)) {
        String key = new String(b, keyOffset, keyLength, StandardCharsets.UTF_8);
        latest.put(key, !Revisions.isTombstone(b, e.keyOffset(), e.keyLength()));
      }
    }

    /** The keys under {@link #PREFIX} that were live in what this finder saw, sorted. */
    public List<String> live() {
      List<String> out = new ArrayList<>();
      latest.forEach((k, liveNow) -> {
        if (liveNow) {
          out.add(k);
        }
      });
      return out;
    }

    /**
     * Finds field 1 ({@code key}, length-delimited) of the {@code mvccpb.KeyValue} in {@code
     * b[off, off + len)} in place (protobuf's wire format: a varint tag, then by wire type a
     * varint, 8 bytes, a varint length and that many bytes, or 4 bytes); false if it has none or
     * does not parse.
     */
    private boolean findUserKey(byte[] b, int off, int len) {
      int end = off + len;
      pos = off;
      while (pos < end) {
        long tag = varint(b, end);
        switch ((int) (tag & 7)) {
          case 0 -> varint(b, end);
          case 1 -> pos += 8;
          case 2 -> {
            long n = varint(b, end);
            if (n < 0 || n > end - pos) {
              return false;
            }
            if (tag >>> 3 == 1) {
              keyOffset = pos;
              keyLength = (int) n;
              return true;
            }
            pos += (int) n;
          }
          case 5 -> pos += 4;
          default -> {
            return false; // groups (deprecated), invalid wire types, a varint that ran off the end
          }
        }
      }
      return false;
    }

    /** The varint at {@link #pos}, which moves past it; -1 (an invalid wire type too) if it runs past {@code end}. */
    private long varint(byte[] b, int end) {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          pos = end;
          return -1;
        }
        byte x = b[pos++];
        v |= (long) (x & 0x7f) << shift;
        if (x >= 0) {
          return v;
        }
      }
      return -1;
    }
  }
}
