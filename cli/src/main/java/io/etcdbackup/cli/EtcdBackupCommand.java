package io.etcdbackup.cli;

import io.etcdbackup.core.run.Cancellation;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "etcd-backup", mixinStandardHelpOptions = true, versionProvider = EtcdBackupCommand.Version.class,
    description = "Verified etcd backups to object storage, and native restore of member data directories.",
    subcommands = {HealthCommand.class, MembersCommand.class, SnapshotCommand.class, ListCommand.class,
        VerifyCommand.class, PruneCommand.class, StatusCommand.class, RestoreCommand.class, DrillCommand.class,
        ExporterCommand.class, ScheduleCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage, 3 degraded, 4 unavailable, 5 integrity, 6 locked, "
        + "7 not found, 8 refused or disk full, 9 store error, 10 cancelled (docs/exit-codes.md)."})
final class EtcdBackupCommand implements Runnable {
  @Mixin GlobalOptions global;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The process environment (a test's own map in tests): for the few lookups beyond flags. */
  private final java.util.Map<String, String> env;

  /** What stops a long-running command: SIGTERM and SIGINT in {@code Main} ({@link Signals}), a test's own token in tests. */
  private final Cancellation cancellation;

  EtcdBackupCommand(java.util.Map<String, String> env, Cancellation cancellation) {
    this.env = java.util.Map.copyOf(env);
    this.cancellation = cancellation;
  }

  java.util.Map<String, String> env() {
    return env;
  }

  Cancellation cancellation() {
    return cancellation;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = EtcdBackupCommand.class.getPackage().getImplementationVersion();
      return new String[] {"etcd-backup " + (v == null ? "(development build)" : v)};
    }
  }
}
