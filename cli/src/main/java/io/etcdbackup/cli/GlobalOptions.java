package io.etcdbackup.cli;

import io.etcdbackup.cli.logging.LogLines;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options every command has. */
final class GlobalOptions {
  @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces and debug logs.")
  boolean debug;

  @Option(names = "--log-format", scope = CommandLine.ScopeType.INHERIT, paramLabel = "text|json", defaultValue = "text",
      description = "Log lines as text (default) or as one JSON object per line, for log collectors; "
          + "key=value context becomes fields.")
  LogLines.Format logFormat;

  /** Whether {@code --debug} was given anywhere on the command line. */
  static boolean debug(CommandLine.ParseResult pr) {
    for (CommandLine.ParseResult p = pr; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--debug")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Looks for {@code --log-format} (or {@code ETCD_BACKUP_LOG_FORMAT}) before picocli runs, as
   * {@link #debug(String[])} does; a bad value is left for picocli to refuse (exit 2).
   */
  static LogLines.Format logFormat(String[] args, Map<String, String> env) {
    String v = env.getOrDefault("ETCD_BACKUP_LOG_FORMAT", "text");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--log-format") && i + 1 < args.length) {
        v = args[i + 1];
      } else if (args[i].startsWith("--log-format=")) {
        v = args[i].substring("--log-format=".length());
      }
    }
    try {
      return LogLines.Format.parse(v);
    } catch (IllegalArgumentException e) {
      return LogLines.Format.TEXT;
    }
  }

  /** Looks for {@code --debug} before picocli runs, so logging is set up before any logger exists. */
  static boolean debug(String[] args) {
    return List.of(args).contains("--debug");
  }
}
