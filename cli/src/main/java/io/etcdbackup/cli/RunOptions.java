package io.etcdbackup.cli;

import io.etcdbackup.core.run.Cancellation;
import io.etcdbackup.core.run.RunListener;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options of the commands that run a long operation (snapshot, verify, restore): deadline and progress. */
final class RunOptions {
  /** Set by bin/etcd-backup when its stderr is a terminal ({@code [[ -t 2 ]]}). */
  static final String TTY_ENV = "ETCD_BACKUP_STDERR_TTY";

  @Option(names = "--timeout", paramLabel = "DURATION", converter = GoDuration.class, defaultValue = "0s",
      description = "Cancel the run after this long (0: no deadline), as SIGTERM would: nothing is committed, "
          + "exit code 10 (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = {"-q", "--quiet"}, description = "No progress line on a terminal.")
  boolean quiet;

  /** What cancels this command: SIGTERM, SIGINT. */
  Cancellation cancellation() {
    return Signals.cancellation();
  }

  /**
   * The listeners of this command's run: the progress line when stderr is a terminal and not
   * {@code --quiet}; nothing otherwise, so a CronJob's log holds only the log lines.
   */
  RunListener listener(Map<String, String> env) {
    return !quiet && stderrIsTerminal(env) ? ProgressLine.start(System.err) : RunListener.NONE;
  }

  private static boolean stderrIsTerminal(Map<String, String> env) {
    String v = env.get(TTY_ENV);
    if (v != null) {
      return v.equals("1");
    }
    // Started without bin/etcd-backup (java -jar): Java 17 has a console only when stdin and stdout
    // are terminals, the best it can tell.
    return System.console() != null;
  }
}
