package io.etcdbackup.cli;

import io.etcdbackup.testing.S3Server;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
