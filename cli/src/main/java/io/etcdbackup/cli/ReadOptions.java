package io.etcdbackup.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options of the commands that read backups from a store: the store, then {@link SeriesOptions}. */
final class ReadOptions {
  @Option(names = "--from", required = true, paramLabel = "URI",
      description = "The store: s3://bucket/prefix, file:///path or a directory path (env ETCD_BACKUP_FROM).")
  String from;

  @Mixin SeriesOptions series;
}
