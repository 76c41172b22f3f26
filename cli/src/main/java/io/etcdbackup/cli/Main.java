package io.etcdbackup.cli;

import io.etcdbackup.core.run.Cancellation;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;

/** The {@code etcd-backup} command line. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    configureLogging(GlobalOptions.debug(args));
    Signals.install();
    System.exit(newCommandLine(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true))
        .execute(args));
  }

  /** The command line, wired as {@link #main} runs it: for tests, with their own environment and streams. */
  static CommandLine newCommandLine(Map<String, String> env, PrintWriter out, PrintWriter err) {
    return newCommandLine(env, out, err, Signals.cancellation());
  }

  /** The same, with the token that stops a long-running command ({@code exporter}) in place of the signals'. */
  static CommandLine newCommandLine(Map<String, String> env, PrintWriter out, PrintWriter err, Cancellation cancellation) {
    ErrorHandler errors = new ErrorHandler();
    CommandLine cl = new CommandLine(new EtcdBackupCommand(env, cancellation));
    cl.setDefaultValueProvider(new EnvDefaults(env));
    cl.setExecutionExceptionHandler(errors);
    cl.setExitCodeExceptionMapper(errors);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(out);
    cl.setErr(err);
    return cl;
  }

  /**
   * slf4j-simple reads its settings once, when the first logger is made: set them before anything
   * logs. Our own state changes at info, libraries at warn; {@code --debug} shows everything.
   */
  private static void configureLogging(boolean debug) {
    setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
    setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
    setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSX");
    setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
    setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", debug ? "debug" : "warn");
    setIfAbsent("org.slf4j.simpleLogger.log.io.etcdbackup", debug ? "debug" : "info");
    // jetcd logs every retry it gives up on at warn; we report the failure ourselves, in one line.
    setIfAbsent("org.slf4j.simpleLogger.log.io.etcd.jetcd", debug ? "debug" : "error");
    // Never at debug, even with --debug: gRPC's HTTP/2 frame logger (grpc-netty's NettyClientHandler)
    // dumps every frame, which holds the etcd password of the Authenticate call (hex) and the auth
    // token of every later call (its "token" header). Debug output is pasted into tickets.
    System.setProperty("org.slf4j.simpleLogger.log.io.grpc.netty.NettyClientHandler", "info");
    System.setProperty("org.slf4j.simpleLogger.log.io.netty.handler.codec.http2", "info");
    // gRPC and netty log through java.util.logging; keep them quiet unless debugging.
    java.util.logging.Logger.getLogger("").setLevel(debug ? java.util.logging.Level.FINE : java.util.logging.Level.WARNING);
    for (java.util.logging.Handler h : java.util.logging.Logger.getLogger("").getHandlers()) {
      h.setLevel(debug ? java.util.logging.Level.FINE : java.util.logging.Level.WARNING);
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
