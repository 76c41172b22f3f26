package io.etcdbackup.cli;

import io.etcdbackup.testing.Exec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** An age key pair made by Debian's age-keygen, as an operator would make it. */
record AgeKeys(Path identityFile, String recipient) {
  static AgeKeys generate(Path dir, String name) {
    Path key = dir.resolve(name + ".key");
    Exec.run(List.of("age-keygen", "-o", key.toString()), dir, Duration.ofSeconds(30)).stdoutOrThrow();
    String recipient = Exec.run(List.of("age-keygen", "-y", key.toString()), dir, Duration.ofSeconds(30))
        .stdoutOrThrow().trim();
    return new AgeKeys(key, recipient);
  }
}
