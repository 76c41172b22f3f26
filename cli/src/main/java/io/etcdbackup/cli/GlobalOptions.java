package io.etcdbackup.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options every command has. */
final class GlobalOptions {
  @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
      description = "Print stack traces and debug logs.")
  boolean debug;

  /** Whether {@code --debug} was given anywhere on the command line. */
  static boolean debug(CommandLine.ParseResult pr) {
    for (CommandLine.ParseResult p = pr; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--debug")) {
        return true;
      }
    }
    return false;
  }

  /** Looks for {@code --debug} before picocli runs, so logging is set up before any logger exists. */
  static boolean debug(String[] args) {
    return List.of(args).contains("--debug");
  }
}
