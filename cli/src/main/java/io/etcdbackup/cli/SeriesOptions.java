package io.etcdbackup.cli;

import io.etcdbackup.core.store.BackupRepository;
import io.etcdbackup.core.store.BackupStore;
import io.etcdbackup.core.store.ManifestKey;
import io.etcdbackup.core.stream.AgeDecryption;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Which series to read, how to decrypt it, where to spool a download: list, verify and restore share them. */
final class SeriesOptions {
  @Option(names = "--cluster-name", paramLabel = "NAME",
      description = "Backup series to read (needed only when the store holds several).")
  String clusterName;

  @Option(names = "--identity-file", paramLabel = "FILE", description = "age key file (AGE-SECRET-KEY-1...) to decrypt with.")
  Path identityFile;

  @Option(names = "--spool-dir", paramLabel = "DIR", converter = WorkDir.class,
      description = "Where the download is spooled (default: the temp dir).")
  Path spoolDir;

  @Option(names = "--manifest-signing-key", paramLabel = "FILE",
      description = "Secret (at least 32 bytes) the manifests were signed with: refuse a backup whose manifest is "
          + "unsigned or signed otherwise (docs/security.md).")
  Path manifestSigningKey;

  /** The repository of {@code store}, checking signatures when {@code --manifest-signing-key} is given. */
  BackupRepository repository(BackupStore store) {
    return new BackupRepository(store, Optional.ofNullable(manifestSigningKey).map(ManifestKey::fromFile));
  }

  Optional<String> cluster() {
    return Optional.ofNullable(clusterName);
  }

  Optional<AgeDecryption> decryption() {
    return identityFile == null ? Optional.empty()
        : Optional.of(AgeDecryption.withIdentities(AgeDecryption.readIdentityFile(identityFile)));
  }

  Path spool() {
    return spoolDir != null ? spoolDir : Path.of(System.getProperty("java.io.tmpdir"));
  }
}
