package io.etcdbackup.cli;

import io.etcdbackup.testing.S3Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The two kinds of store the CLI tests write to, with the flags that reach them. */
record Stores(String uri, List<String> flags, boolean s3) {

  static Stores local(Path dir) {
    return new Stores(dir.toString(), List.of(), false);
  }

  static Stores s3(S3Server s3, String prefix) {
    return new Stores(s3.storeUri(prefix).toString(), List.of("--s3-endpoint", s3.endpoint().toString(), "--s3-path-style",
        "--s3-region", S3Server.REGION, "--s3-access-key-id", s3.accessKey(), "--s3-secret-access-key", s3.secretKey()),
        true);
  }

  /** Copies the local directory store {@code from} to {@code to}: a copy to damage, the original kept whole. */
  static Path copyLocal(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return to;
  }

  /** The store flags then {@code args}: to follow a command and the connection flags. */
  List<String> with(String... args) {
    List<String> all = new ArrayList<>(flags);
    all.addAll(List.of(args));
    return all;
  }

  /** {@code command}, the store flags, then {@code args}: a whole command line. */
  String[] cmd(String command, String... args) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(with(args));
    return all.toArray(String[]::new);
  }
}
