package io.etcdbackup.core.backup;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.stream.AgeEncryption;
import io.etcdbackup.core.stream.Compression;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One backup run's settings, validated once.
 *
 * @param clusterName the backup series; empty: {@code etcd-<cluster id in hex>}
 * @param member force this member (id, name or client URL); empty: choose (see {@link MemberSelector})
 * @param spoolDir where the raw db and the encoded object are spooled (the raw db's size plus the
 *     stored size must fit)
 * @param compression compression of the stored object
 * @param encryption age encryption of the stored object, if any
 * @param verifyHashKv compare the file's HashKV at its revision with the source member's
 * @param maxAttempts members tried when one fails mid-stream
 * @param retryBackoff pause before the second attempt, doubled for each further one
 * @param streamIdleTimeout abandon a stream that sends nothing for this long
 * @param lock take the etcd lock of the series for the run
 * @param lockTtl TTL of the lock's lease: how soon a crashed run's lock expires
 * @param lockWait how long to wait for the lock before giving up
 * @param leftoverGrace leftovers (data without a manifest) older than this are removed after a commit
 * @param labels free-form labels recorded in the manifest
 */
public record BackupRequest(
    Optional<String> clusterName,
    Optional<String> member,
    Path spoolDir,
    Compression compression,
    Optional<AgeEncryption> encryption,
    boolean verifyHashKv,
    int maxAttempts,
    Duration retryBackoff,
    Duration streamIdleTimeout,
    boolean lock,
    Duration lockTtl,
    Duration lockWait,
    Duration leftoverGrace,
    Map<String, String> labels) {

  public BackupRequest {
    clusterName = Objects.requireNonNullElse(clusterName, Optional.empty());
    clusterName.ifPresent(Layout::checkClusterName);
    member = Objects.requireNonNullElse(member, Optional.empty());
    Objects.requireNonNull(spoolDir, "spoolDir");
    Objects.requireNonNull(compression, "compression");
    encryption = Objects.requireNonNullElse(encryption, Optional.empty());
    if (maxAttempts < 1 || maxAttempts > 20) {
      throw new InvalidInputException("--max-attempts (" + maxAttempts + ") must be between 1 and 20");
    }
    positive("--retry-backoff", retryBackoff, true);
    positive("--stream-idle-timeout", streamIdleTimeout, false);
    positive("--lock-ttl", lockTtl, false);
    if (lockTtl.toSeconds() < 5) {
      throw new InvalidInputException("--lock-ttl (" + lockTtl.toSeconds() + "s) must be at least 5s");
    }
    positive("--lock-wait", lockWait, false);
    positive("--leftover-grace", leftoverGrace, true);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    for (String k : labels.keySet()) {
      if (!k.matches("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}")) {
        throw new InvalidInputException("--label key (" + k + ") must be letters, digits, '.', '_', '/' or '-'");
      }
    }
  }

  /** Defaults for everything but the spool directory. */
  public static BackupRequest defaults(Path spoolDir) {
    return new BackupRequest(Optional.empty(), Optional.empty(), spoolDir, Compression.defaults(), Optional.empty(),
        false, 3, Duration.ofSeconds(2), Duration.ofSeconds(60), true, Duration.ofSeconds(60), Duration.ofSeconds(5),
        Duration.ofHours(6), Map.of());
  }

  private static void positive(String flag, Duration d, boolean zeroOk) {
    Objects.requireNonNull(d, flag);
    if (d.isNegative() || (!zeroOk && d.isZero())) {
      throw new InvalidInputException(flag + " (" + d + ") must be " + (zeroOk ? "zero or more" : "positive"));
    }
  }
}
