package io.etcdbackup.cli;

import io.etcdbackup.core.run.Cancellation;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the command line in-process, as {@code Main} does, with captured output and its own environment. */
final class Cli {

  /** What a run printed and returned. */
  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private final Map<String, String> env = new HashMap<>();
  private Cancellation cancellation;

  Cli env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /** The token that stops a long-running command, as SIGTERM does under {@code Main}. */
  Cli cancellation(Cancellation c) {
    cancellation = c;
    return this;
  }

  /** Runs {@code command}, then the connection flags, then {@code args}. */
  Result run(List<String> connection, String command, String... args) {
    List<String> all = new ArrayList<>();
    all.add(command);
    all.addAll(connection);
    all.addAll(List.of(args));
    return run(all.toArray(String[]::new));
  }

  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    PrintWriter o = new PrintWriter(out, true);
    PrintWriter e = new PrintWriter(err, true);
    int code = (cancellation == null ? Main.newCommandLine(env, o, e) : Main.newCommandLine(env, o, e, cancellation))
        .execute(args);
    return new Result(code, out.toString(), err.toString());
  }
}
