package io.etcdbackup.core.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a backup holds and how it was checked: written last, as {@code manifest.json}, so its
 * presence commits the backup. Every figure about the data is read from the snapshot file itself,
 * never taken on the member's word.
 *
 * @param formatVersion 1
 * @param id the backup id (also the directory name)
 * @param clusterName the backup series
 * @param clusterId etcd's cluster id, hex
 * @param startedAt when the run began
 * @param completedAt when the data object was committed
 * @param source the member the snapshot streamed from
 * @param revision the snapshot's revision (main revision of the last key in bucket {@code key})
 * @param raftTerm raft term of the snapshot's applied index ({@code meta/term}; from the member's status on 3.4)
 * @param raftIndex the applied index in the snapshot ({@code meta/consistent_index})
 * @param keyCount {@code etcdutl snapshot status} TotalKey (key/value pairs over all buckets, 3.4/3.5 semantics)
 * @param crcHash {@code etcdutl snapshot status} Hash (CRC-32C over every bucket, unsigned)
 * @param dbSize {@code etcdutl snapshot status} TotalSize (bytes)
 * @param sha256Raw SHA-256 of the raw db (equal to the stream's trailer)
 * @param object the data object's file name in the backup directory
 * @param storedSize bytes of the data object as stored
 * @param sha256Stored SHA-256 of the stored bytes
 * @param transforms compression and encryption, in order
 * @param timings how long each phase took
 * @param toolVersion the etcd-backup version that wrote it
 * @param verification what was checked before the commit
 * @param labels user labels ({@code --label k=v})
 * @param retention the S3 Object Lock both objects were written under, or null: until its date the
 *     store refuses to delete them, and retention does not try
 * @param signature the HMAC of every other field ({@link ManifestKey}), or null when the backup
 *     was written without {@code --manifest-signing-key}
 */
public record Manifest(
    int formatVersion,
    String id,
    String clusterName,
    String clusterId,
    Instant startedAt,
    Instant completedAt,
    Source source,
    long revision,
    long raftTerm,
    long raftIndex,
    long keyCount,
    long crcHash,
    long dbSize,
    String sha256Raw,
    String object,
    long storedSize,
    String sha256Stored,
    Transforms transforms,
    Timings timings,
    String toolVersion,
    Verification verification,
    Map<String, String> labels,
    Retention retention,
    Signature signature) {

  public static final int FORMAT_VERSION = 1;

  public Manifest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(object, "object");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** The member a snapshot came from. */
  public record Source(String memberId, String name, String endpoint, String etcdVersion, boolean leader) {}

  /** Transforms in the order they were applied: compression first, then encryption. */
  public record Transforms(String compression, int compressionLevel, String encryption, List<String> recipientFingerprints) {
    public Transforms {
      recipientFingerprints = recipientFingerprints == null ? List.of() : List.copyOf(recipientFingerprints);
    }

    public boolean encrypted() {
      return encryption != null && !encryption.equals("none");
    }
  }

  /** Milliseconds per phase. */
  public record Timings(long streamMillis, long verifyMillis, long uploadMillis, long totalMillis) {}

  /**
   * Results of the checks that ran before the commit.
   *
   * @param hashKv "match", "skipped" (with the reason) or "not requested"
   */
  public record Verification(String trailer, String bbolt, String status, HashKvCheck hashKv) {}

  /** HashKV of the file at its revision against the source member's HashKV at that revision. */
  public record HashKvCheck(String result, long revision, Long fileHash, Long memberHash, Long compactRevision, String reason) {
    public static HashKvCheck notRequested() {
      return new HashKvCheck("not requested", 0, null, null, null, null);
    }
  }

  /** The write-once lock of a backup's objects: mode and the date until which they cannot go. */
  public record Retention(String mode, Instant retainUntil) {
    public Retention {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(retainUntil, "retainUntil");
    }
  }

  /**
   * The manifest's signature: {@code algorithm} {@value ManifestKey#ALGORITHM} over the canonical
   * JSON of every other field, by the key {@code keyId} names (not the key: a digest of it).
   */
  public record Signature(String algorithm, String keyId, String value) {}

  /** This manifest with {@code s} as its signature (null: unsigned). */
  public Manifest withSignature(Signature s) {
    return new Manifest(formatVersion, id, clusterName, clusterId, startedAt, completedAt, source, revision, raftTerm,
        raftIndex, keyCount, crcHash, dbSize, sha256Raw, object, storedSize, sha256Stored, transforms, timings,
        toolVersion, verification, labels, retention, s);
  }

  /** Under an object lock that has not expired at {@code now}: the store refuses to delete it. */
  public boolean lockedAt(Instant now) {
    return retention != null && retention.retainUntil().isAfter(now);
  }

  /** The key of the data object in its store. */
  public String objectKey() {
    return Layout.objectKey(clusterName, id, object);
  }

  public String manifestKey() {
    return Layout.manifestKey(clusterName, id);
  }
}
