package io.etcdbackup.cli;

/** How a command prints its result. */
enum OutputFormat {
  table, json
}
