package io.etcdbackup.cli;

import picocli.CommandLine.Option;

/** {@code --output table|json}, also spelt {@code -w}/{@code --write-out} as in etcdctl. */
final class OutputOptions {
  @Option(names = {"-o", "--output", "-w", "--write-out"}, defaultValue = "table", paramLabel = "FORMAT",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat format = OutputFormat.table;

  boolean json() {
    return format == OutputFormat.json;
  }
}
