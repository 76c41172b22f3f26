package io.etcdbackup.restore;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.run.DrillMode;
import io.etcdbackup.core.store.BackupSelector;
import io.etcdbackup.core.stream.AgeDecryption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One restore drill, validated once.
 *
 * @param cluster the series ({@code --cluster-name}); empty when the store holds one
 * @param selector which backup (default {@code latest})
 * @param decryption the age identities of an encrypted series
 * @param scratchDir where the drill makes its own directory (download spool, restored data dir,
 *     etcd's log), removed when the drill ends, whatever its outcome; must exist
 * @param etcdBinary {@code --drill-etcd}: the etcd to boot on the restored data dir; empty for an
 *     offline drill (the restored db file is read instead)
 * @param bootTimeout how long the booted etcd may take to report healthy
 */
public record DrillRequest(Optional<String> cluster, BackupSelector selector, Optional<AgeDecryption> decryption,
    Path scratchDir, Optional<Path> etcdBinary, Duration bootTimeout) {

  public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofSeconds(60);

  public DrillRequest {
    cluster = Objects.requireNonNullElse(cluster, Optional.empty());
    selector = Objects.requireNonNullElse(selector, BackupSelector.parse("latest"));
    decryption = Objects.requireNonNullElse(decryption, Optional.empty());
    Objects.requireNonNull(scratchDir, "scratchDir");
    etcdBinary = Objects.requireNonNullElse(etcdBinary, Optional.empty());
    bootTimeout = Objects.requireNonNullElse(bootTimeout, DEFAULT_BOOT_TIMEOUT);
    if (!Files.isDirectory(scratchDir)) {
      throw new InvalidInputException("--scratch-dir (" + scratchDir + ") must be an existing directory");
    }
    if (etcdBinary.isPresent() && !(Files.isRegularFile(etcdBinary.get()) && Files.isExecutable(etcdBinary.get()))) {
      throw new InvalidInputException("--drill-etcd (" + etcdBinary.get() + ") must be an executable etcd binary");
    }
    if (bootTimeout.isZero() || bootTimeout.isNegative()) {
      throw new InvalidInputException("--drill-boot-timeout (" + bootTimeout + ") must be positive");
    }
  }

  /** {@link DrillMode#BOOT} with an etcd binary, else {@link DrillMode#OFFLINE}. */
  public DrillMode mode() {
    return etcdBinary.isPresent() ? DrillMode.BOOT : DrillMode.OFFLINE;
  }
}
