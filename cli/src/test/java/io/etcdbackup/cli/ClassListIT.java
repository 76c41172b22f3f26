package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.Exec;
import io.etcdbackup.testing.ProjectPaths;
import io.etcdbackup.testing.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data sharing archive's class list (cli/src/main/cds/classlist, made by
 * scripts/cds-classlist.sh) still covers what a snapshot to S3 (zstd, age, retention, metrics
 * file) and a restore from S3 load today: a class left out is read from the jar at every start
 * instead of mapped (docs/benchmarks.md: change 11, and the second round's fixed costs). A few
 * new classes pass; a list that has fallen behind the code fails, naming our own classes it lacks.
 */
class ClassListIT {
  /** The share of loaded classes the list must hold. */
  static final double COVERAGE = 0.98;

  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1));

  @RegisterExtension
  static final S3Server S3 = S3Server.http();

  @Test
  void theClassListCoversASnapshotAndARestoreFromS3(@TempDir Path tmp) throws IOException {
    Stores store = Stores.s3(S3, "classlist");
    AgeKeys keys = AgeKeys.generate(tmp, "classlist");
    List<String> snapshot = new ArrayList<>(List.of("snapshot", "--to", store.uri(), "--cluster-name", "classlist",
        "--encrypt-to", keys.recipient(), "--keep-last", "3", "--metrics-file", tmp.resolve("m.prom").toString(),
        "-o", "json"));
    snapshot.addAll(store.flags());
    snapshot.addAll(ETCD.cluster().tlsFlags());
    Set<String> loaded = run(tmp, "snapshot", snapshot);
    List<String> restore = new ArrayList<>(List.of("restore", "--from", store.uri(), "--cluster-name", "classlist",
        "latest", "--identity-file", keys.identityFile().toString(), "--data-dir", tmp.resolve("restored").toString()));
    restore.addAll(store.flags());
    loaded.addAll(run(tmp, "restore", restore));

    Set<String> listed = classes(ProjectPaths.root().resolve("cli/src/main/cds/classlist"));
    List<String> missing = loaded.stream().filter(c -> !listed.contains(c)).sorted().toList();
    List<String> ours = missing.stream().filter(c -> c.startsWith("io/etcdbackup/")).toList();
    double covered = 1.0 - (double) missing.size() / loaded.size();
    assertThat(covered).as("%.1f %% of the %d classes loaded are in the class list (at least %.0f %% wanted); "
            + "run scripts/cds-classlist.sh. Of ours it lacks %s; %d others", covered * 100, loaded.size(),
        COVERAGE * 100, ours, missing.size() - ours.size()).isGreaterThanOrEqualTo(COVERAGE);
  }

  /** The classes {@code args} loads, through bin/etcd-backup with its own JVM flags plus the dump. */
  private static Set<String> run(Path tmp, String name, List<String> args) throws IOException {
    Path list = tmp.resolve(name + ".lst");
    List<String> cmd = new ArrayList<>(List.of(ProjectPaths.root().resolve("bin/etcd-backup").toString()));
    cmd.addAll(args);
    Exec.Result r = Exec.run(cmd, tmp, Duration.ofMinutes(2), "JAVA_OPTS",
        "-Xmx128m -XX:+UseSerialGC -XX:DumpLoadedClassList=" + list);
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    return classes(list);
  }

  /** Class names of a class list, without its comments and lambda-proxy and lambda-form lines. */
  private static Set<String> classes(Path file) throws IOException {
    try (var lines = Files.lines(file)) {
      return lines.filter(l -> !l.isBlank() && !l.startsWith("#") && !l.startsWith("@"))
          .map(l -> l.split(" ", 2)[0]).collect(Collectors.toCollection(java.util.TreeSet::new));
    }
  }
}
