package io.etcdbackup.cli;

import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.run.Reason;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Maps failures to exit codes and prints them as one line on stderr ({@code etcd-backup: ...});
 * the stack trace only with {@code --debug}.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IExitCodeExceptionMapper {

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    err.println("etcd-backup: " + message(ex));
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
