package io.etcdbackup.cli;

import io.etcdbackup.core.stream.AgeDecryption;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options of the commands that read backups: the store, the series, the key. */
final class ReadOptions {
  @Option(names = "--from", required = true, paramLabel = "URI",
      description = "The store: s3://bucket/prefix, file:///path or a directory path (env ETCD_BACKUP_FROM).")
  String from;

  @Option(names = "--cluster-name", paramLabel = "NAME",
      description = "Backup series to read (needed only when the store holds several).")
  String clusterName;

  @Option(names = "--identity-file", paramLabel = "FILE", description = "age key file (AGE-SECRET-KEY-1...) to decrypt with.")
  Path identityFile;

  @Option(names = "--spool-dir", paramLabel = "DIR", description = "Where the download is spooled (default: the temp dir).")
  Path spoolDir;

  Optional<AgeDecryption> decryption() {
    return identityFile == null ? Optional.empty()
        : Optional.of(AgeDecryption.withIdentities(AgeDecryption.readIdentityFile(identityFile)));
  }

  Path spool() {
    return spoolDir != null ? spoolDir : Path.of(System.getProperty("java.io.tmpdir"));
  }
}
