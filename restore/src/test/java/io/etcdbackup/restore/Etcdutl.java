package io.etcdbackup.restore;

import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real {@code etcdutl} 3.5.30: the reference the native restore is compared with. */
final class Etcdutl {
  private Etcdutl() {}

  /** {@code etcdutl snapshot restore <snapshot> <flags...>}, run in {@code dir}. */
  static void restore(Path snapshot, Path dir, String... flags) {
    List<String> cmd = new ArrayList<>(List.of(EtcdVersion.V3_5.binary("etcdutl").toString(), "snapshot", "restore",
        snapshot.toString()));
    cmd.addAll(List.of(flags));
    Exec.run(cmd, dir, Duration.ofSeconds(60)).stdoutOrThrow();
  }

  /** {@code etcdutl snapshot status -w json}: hash, revision, totalKey, totalSize. */
  record Status(long hash, long revision, long totalKey, long totalSize) {}

  static Status status(Path db) {
    String json = Exec.run(List.of(EtcdVersion.V3_5.binary("etcdutl").toString(), "snapshot", "status", db.toString(),
        "-w", "json"), db.getParent(), Duration.ofSeconds(60)).stdoutOrThrow();
    return new Status(field(json, "hash"), field(json, "revision"), field(json, "totalKey"), field(json, "totalSize"));
  }

  private static long field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return Long.parseLong(m.group(1));
  }
}
