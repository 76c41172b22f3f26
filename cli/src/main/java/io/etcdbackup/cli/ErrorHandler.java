package io.etcdbackup.cli;

import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.UserText;
import io.etcdbackup.core.run.Reason;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Maps failures to exit codes and prints them as one line on stderr ({@code etcd-backup: ...});
 * the stack trace only with {@code --debug}.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IExitCodeExceptionMapper,
    CommandLine.IParameterExceptionHandler {

  /**
   * A usage mistake (unknown flag, bad value, missing option) in one line that names it and where
   * the help is, instead of picocli's message followed by the whole usage text.
   */
  @Override
  public int handleParseException(CommandLine.ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    StringBuilder line = new StringBuilder("etcd-backup: ").append(UserText.escape(ex.getMessage()));
    if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
      line.append(" (did you mean ").append(String.join(" or ", u.getSuggestions().stream().limit(3).toList()))
          .append("?)");
    }
    line.append("; see '").append(cmd.getCommandSpec().qualifiedName()).append(" --help'");
    cmd.getErr().println(line);
    cmd.getErr().flush();
    return ExitCodes.USAGE;
  }

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    // One line whatever the message holds: a value echoed into it must not forge a second line.
    err.println("etcd-backup: " + UserText.escape(message(ex)));
    if (GlobalOptions.debug(parseResult)) {
      ex.printStackTrace(err);
    }
    err.flush();
    return getExitCode(ex);
  }

  /** The exit code of the failure's {@link Reason}: the same type the metrics label with. */
  @Override
  public int getExitCode(Throwable t) {
    if (t instanceof CommandLine.ParameterException) {
      return ExitCodes.USAGE;
    }
    return Reason.of(t).exitCode();
  }

  static String message(Throwable t) {
    if (t instanceof EtcdBackupException) {
      return t.getMessage();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m) + " (run with --debug for details)";
  }
}
