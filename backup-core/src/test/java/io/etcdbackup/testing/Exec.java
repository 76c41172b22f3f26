package io.etcdbackup.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs an external command (etcdctl, etcdutl, age, zstd, the CLI jar) and captures its output. */
public final class Exec {

  /** What a finished command left behind. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public String stdoutOrThrow() {
      if (exitCode != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited " + exitCode + ": " + stderr + stdout);
      }
      return stdout;
    }
  }

  private Exec() {}

  /** Runs {@code command} in {@code dir}; {@code env} is name, value, name, value... */
  public static Result run(List<String> command, Path dir, Duration timeout, String... env) {
    return run(command, dir, timeout, null, env);
  }

  /** As {@link #run(List, Path, Duration, String...)}, with {@code stdin} (a file) as standard input. */
  public static Result run(List<String> command, Path dir, Duration timeout, Path stdin, String... env) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("exec-", ".out");
      err = Files.createTempFile("exec-", ".err");
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      if (stdin != null) {
        pb.redirectInput(stdin.toFile());
      }
      Map<String, String> e = pb.environment();
      for (int i = 0; i + 1 < env.length; i += 2) {
        if (env[i + 1] == null) {
          e.remove(env[i]);
        } else {
          e.put(env[i], env[i + 1]);
        }
      }
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
      }
      return new Result(List.copyOf(command), p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      try {
        if (out != null) Files.deleteIfExists(out);
        if (err != null) Files.deleteIfExists(err);
      } catch (IOException ignored) {
        // temp files only
      }
    }
  }
}
