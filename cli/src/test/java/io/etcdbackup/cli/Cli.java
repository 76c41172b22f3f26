package io.etcdbackup.cli;

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

  Cli env(String name, String value) {
    env.put(name, value);
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
    int code = Main.newCommandLine(env, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Result(code, out.toString(), err.toString());
  }
}
