package io.etcdbackup.cli;

import io.etcdbackup.core.EtcdBackupException;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.LockHeldException;
import io.etcdbackup.core.NotFoundException;
import io.etcdbackup.core.RefusedException;
import io.etcdbackup.core.UnavailableException;
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

  @Override
  public int getExitCode(Throwable t) {
    if (t instanceof InvalidInputException || t instanceof CommandLine.ParameterException) {
      return ExitCodes.USAGE;
    }
    if (t instanceof UnavailableException) {
      return ExitCodes.UNAVAILABLE;
    }
    if (t instanceof IntegrityException) {
      return ExitCodes.INTEGRITY;
    }
    if (t instanceof LockHeldException) {
      return ExitCodes.LOCKED;
    }
    if (t instanceof NotFoundException) {
      return ExitCodes.NOT_FOUND;
    }
    if (t instanceof RefusedException) {
      return ExitCodes.REFUSED;
    }
    return ExitCodes.FAILURE;
  }

  static String message(Throwable t) {
    if (t instanceof EtcdBackupException) {
      return t.getMessage();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m) + " (run with --debug for details)";
  }
}
