package io.etcdbackup.cli;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/**
 * Every long option can come from the environment: {@code --foo-bar} from {@code ETCD_BACKUP_FOO_BAR};
 * the connection options also from etcdctl's variables ({@code ETCDCTL_ENDPOINTS}, {@code ETCDCTL_CACERT},
 * ...), so the environment of an existing etcdctl script carries over. Ours win over etcdctl's.
 */
final class EnvDefaults implements CommandLine.IDefaultValueProvider {

  /** Options etcdctl also reads from {@code ETCDCTL_*}. */
  private static final Set<String> ETCDCTL_OPTIONS = Set.of("--endpoints", "--cacert", "--cert", "--key", "--user",
      "--password", "--insecure-skip-tls-verify", "--dial-timeout", "--command-timeout");

  private final Map<String, String> env;

  EnvDefaults(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public String defaultValue(CommandLine.Model.ArgSpec argSpec) {
    if (!(argSpec instanceof CommandLine.Model.OptionSpec option)) {
      return null;
    }
    String name = option.longestName();
    if (!name.startsWith("--")) {
      return argSpec.defaultValue();
    }
    String suffix = name.substring(2).toUpperCase(Locale.ROOT).replace('-', '_');
    String ours = nonEmpty(env.get("ETCD_BACKUP_" + suffix));
    if (ours != null) {
      return ours;
    }
    if (ETCDCTL_OPTIONS.contains(name)) {
      String theirs = nonEmpty(env.get("ETCDCTL_" + suffix));
      if (theirs != null) {
        return theirs;
      }
    }
    return argSpec.defaultValue();
  }

  private static String nonEmpty(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
