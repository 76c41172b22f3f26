package io.etcdbackup.core.backup;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.retention.RetentionPolicy;
import io.etcdbackup.core.store.Layout;
import io.etcdbackup.core.stream.AgeEncryption;
import io.etcdbackup.core.stream.Compression;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One backup run's settings, validated once, in groups: what the CLI's flags, the scheduler's
 * config file and the chart's values all map onto. Build one with {@link #builder()}; a setter
 * given {@code null} keeps the default, so an adapter can pass its optional inputs straight
 * through. Every message names the flag, the value and the rule.
 *
 * @param clusterName the backup series; empty: {@code etcd-<cluster id in hex>}
 * @param member force this member (id, name or client URL); empty: choose (see {@link MemberSelector})
 * @param spoolDir where the raw db and the encoded object are spooled (the raw db's size plus the
 *     stored size must fit)
 * @param encoding compression and encryption of the stored object
 * @param verifyHashKv compare the file's HashKV at its revision with the source member's
 * @param retry how members are retried when one fails mid-stream
 * @param lock the etcd lock of the series, only when asked ({@code --lock}): it writes keys into
 *     the cluster being backed up, and so into every snapshot of it
 * @param leftoverGrace leftovers (data without a manifest) older than this are removed after a commit
 * @param timeout the whole run's deadline; zero: none
 * @param labels free-form labels recorded in the manifest
 * @param retention the policy applied to the series after a commit (so one CronJob line backs up
 *     and prunes); empty: no retention
 */
public record BackupRequest(
    Optional<String> clusterName,
    Optional<String> member,
    Path spoolDir,
    Encoding encoding,
    boolean verifyHashKv,
    Retry retry,
    Optional<Lock> lock,
    Duration leftoverGrace,
    Duration timeout,
    Map<String, String> labels,
    Optional<RetentionPolicy> retention) {

  public BackupRequest {
    retention = Objects.requireNonNullElse(retention, Optional.empty());
    retention.ifPresent(p -> {
      if (p.isEmpty()) {
        throw new IllegalArgumentException("a retention policy without a rule");
      }
    });
    clusterName = Objects.requireNonNullElse(clusterName, Optional.empty());
    clusterName.ifPresent(Layout::checkClusterName);
    member = Objects.requireNonNullElse(member, Optional.empty());
    Objects.requireNonNull(spoolDir, "spoolDir");
    Objects.requireNonNull(encoding, "encoding");
    Objects.requireNonNull(retry, "retry");
    lock = Objects.requireNonNullElse(lock, Optional.empty());
    atLeast("--leftover-grace", leftoverGrace, Duration.ZERO);
    atLeast("--timeout", timeout, Duration.ZERO);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    for (String k : labels.keySet()) {
      if (!k.matches("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}")) {
        throw new InvalidInputException("--label key (" + k + ") must be letters, digits, '.', '_', '/' or '-'");
      }
    }
  }

  /**
   * How the stored object is made: compressed first, then encrypted.
   *
   * @param compression {@code --compression}, {@code --compression-level}, {@code --compression-workers}
   * @param encryption {@code --encrypt-to} / {@code --recipients-file}: age recipients, if any
   */
  public record Encoding(Compression compression, Optional<AgeEncryption> encryption) {
    public Encoding {
      Objects.requireNonNull(compression, "compression");
      encryption = Objects.requireNonNullElse(encryption, Optional.empty());
    }

    /** No compression and no encryption: the stored object is the raw db. */
    public boolean identity() {
      return compression.algorithm() == Compression.Algorithm.NONE && encryption.isEmpty();
    }

    /** The data object's name: {@code snapshot.db} plus one suffix per transform. */
    public String objectName() {
      return Layout.objectName(compression.suffix(), encryption.isPresent());
    }
  }

  /**
   * @param maxAttempts {@code --max-attempts}: members tried when one fails mid-stream
   * @param backoff {@code --retry-backoff}: pause before the second attempt, doubled for each further one
   * @param streamIdleTimeout {@code --stream-idle-timeout}: abandon a stream that sends nothing for this long
   */
  public record Retry(int maxAttempts, Duration backoff, Duration streamIdleTimeout) {
    public static final Retry DEFAULT = new Retry(3, Duration.ofSeconds(2), Duration.ofSeconds(60));

    public Retry {
      if (maxAttempts < 1 || maxAttempts > 20) {
        throw new InvalidInputException("--max-attempts (" + maxAttempts + ") must be between 1 and 20");
      }
      atLeast("--retry-backoff", backoff, Duration.ZERO);
      atLeast("--stream-idle-timeout", streamIdleTimeout, Duration.ofSeconds(1));
    }
  }

  /**
   * The etcd lock ({@code --lock}): keys {@code /etcd-backup/lock/<cluster>/...} and
   * {@code /etcd-backup/holder/<cluster>} on a lease, in the cluster being backed up.
   *
   * @param ttl {@code --lock-ttl}: TTL of the lock's lease, how soon a crashed run's lock expires
   * @param maxWait {@code --lock-wait}: how long to wait for the lock before giving up
   */
  public record Lock(Duration ttl, Duration maxWait) {
    public static final Lock DEFAULT = new Lock(Duration.ofSeconds(60), Duration.ofSeconds(5));

    public Lock {
      atLeast("--lock-ttl", ttl, Duration.ofSeconds(5));
      atLeast("--lock-wait", maxWait, Duration.ofMillis(1));
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Defaults for everything but the spool directory. */
  public static BackupRequest defaults(Path spoolDir) {
    return builder().spoolDir(spoolDir).build();
  }

  /** A copy as a builder, to change a few settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.clusterName = clusterName.orElse(null);
    b.member = member.orElse(null);
    b.spoolDir = spoolDir;
    b.compression = encoding.compression();
    b.encryption = encoding.encryption().orElse(null);
    b.verifyHashKv = verifyHashKv;
    b.maxAttempts = retry.maxAttempts();
    b.retryBackoff = retry.backoff();
    b.streamIdleTimeout = retry.streamIdleTimeout();
    b.lock = lock.isPresent();
    b.lockTtl = lock.map(Lock::ttl).orElse(null);
    b.lockWait = lock.map(Lock::maxWait).orElse(null);
    b.leftoverGrace = leftoverGrace;
    b.timeout = timeout;
    b.labels = labels;
    b.retention = retention.orElse(null);
    return b;
  }

  /** Setters given {@code null} keep the default. */
  public static final class Builder {
    private String clusterName;
    private String member;
    private Path spoolDir;
    private Compression compression;
    private String compressionAlgorithm;
    private Integer compressionLevel;
    private Integer compressionWorkers;
    private AgeEncryption encryption;
    private final List<String> recipients = new ArrayList<>();
    private Path recipientsFile;
    private boolean verifyHashKv;
    private Integer maxAttempts;
    private Duration retryBackoff;
    private Duration streamIdleTimeout;
    private boolean lock;
    private Duration lockTtl;
    private Duration lockWait;
    private Duration leftoverGrace;
    private Duration timeout;
    private Map<String, String> labels;
    private RetentionPolicy retention;

    private Builder() {}

    public Builder clusterName(String v) {
      clusterName = v;
      return this;
    }

    public Builder member(String v) {
      member = v;
      return this;
    }

    /** Default: the JVM's temporary directory. */
    public Builder spoolDir(Path v) {
      spoolDir = v;
      return this;
    }

    public Builder compression(Compression v) {
      compression = v;
      return this;
    }

    /** {@code --compression zstd|gzip|none} with {@code --compression-level} and {@code --compression-workers}. */
    public Builder compression(String algorithm, Integer level, Integer workers) {
      compressionAlgorithm = algorithm;
      compressionLevel = level;
      compressionWorkers = workers;
      return this;
    }

    public Builder encryption(AgeEncryption v) {
      encryption = v;
      return this;
    }

    /** {@code --encrypt-to}: age recipients ({@code age1...}). */
    public Builder encryptTo(List<String> v) {
      if (v != null) {
        recipients.addAll(v);
      }
      return this;
    }

    /** {@code --recipients-file}: age recipients, one per line. */
    public Builder recipientsFile(Path v) {
      recipientsFile = v;
      return this;
    }

    public Builder verifyHashKv(boolean v) {
      verifyHashKv = v;
      return this;
    }

    public Builder maxAttempts(Integer v) {
      maxAttempts = v;
      return this;
    }

    public Builder retryBackoff(Duration v) {
      retryBackoff = v;
      return this;
    }

    public Builder streamIdleTimeout(Duration v) {
      streamIdleTimeout = v;
      return this;
    }

    /** {@code --lock}: take the etcd lock of the series (writes keys into the cluster). */
    public Builder lock(boolean v) {
      lock = v;
      return this;
    }

    public Builder lockTtl(Duration v) {
      lockTtl = v;
      return this;
    }

    public Builder lockWait(Duration v) {
      lockWait = v;
      return this;
    }

    public Builder leftoverGrace(Duration v) {
      leftoverGrace = v;
      return this;
    }

    public Builder timeout(Duration v) {
      timeout = v;
      return this;
    }

    public Builder labels(Map<String, String> v) {
      labels = v;
      return this;
    }

    /** The retention after a commit; {@code null} or a policy without a rule: none. */
    public Builder retention(RetentionPolicy v) {
      retention = v == null || v.isEmpty() ? null : v;
      return this;
    }

    public BackupRequest build() {
      if (!lock && (lockTtl != null || lockWait != null)) {
        throw new InvalidInputException((lockTtl != null ? "--lock-ttl" : "--lock-wait")
            + " is given without --lock: add --lock to take the etcd lock, or drop it");
      }
      Optional<Lock> l = lock
          ? Optional.of(new Lock(or(lockTtl, Lock.DEFAULT.ttl()), or(lockWait, Lock.DEFAULT.maxWait())))
          : Optional.empty();
      Retry r = new Retry(or(maxAttempts, Retry.DEFAULT.maxAttempts()), or(retryBackoff, Retry.DEFAULT.backoff()),
          or(streamIdleTimeout, Retry.DEFAULT.streamIdleTimeout()));
      return new BackupRequest(Optional.ofNullable(clusterName), Optional.ofNullable(member),
          spoolDir != null ? spoolDir : Path.of(System.getProperty("java.io.tmpdir")),
          new Encoding(compression(), encryption()), verifyHashKv, r, l, or(leftoverGrace, Duration.ofHours(6)),
          or(timeout, Duration.ZERO), labels, Optional.ofNullable(retention));
    }

    private Compression compression() {
      if (compression != null) {
        return compression;
      }
      if (compressionAlgorithm == null && compressionLevel == null && compressionWorkers == null) {
        return Compression.defaults();
      }
      return Compression.of(compressionAlgorithm == null ? "zstd" : compressionAlgorithm, compressionLevel,
          compressionWorkers);
    }

    private Optional<AgeEncryption> encryption() {
      if (encryption != null) {
        return Optional.of(encryption);
      }
      List<String> all = new ArrayList<>(recipients);
      if (recipientsFile != null) {
        all.addAll(AgeEncryption.readRecipientsFile(recipientsFile));
      }
      return all.isEmpty() ? Optional.empty() : Optional.of(AgeEncryption.toRecipients(all));
    }

    private static <T> T or(T v, T d) {
      return v != null ? v : d;
    }
  }

  private static void atLeast(String flag, Duration d, Duration min) {
    Objects.requireNonNull(d, flag);
    if (d.compareTo(min) < 0) {
      throw new InvalidInputException(flag + " (" + io.etcdbackup.core.run.Durations.format(d) + ") must be at least "
          + io.etcdbackup.core.run.Durations.format(min));
    }
  }
}
