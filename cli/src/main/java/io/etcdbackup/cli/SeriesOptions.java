package io.etcdbackup.cli;

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
