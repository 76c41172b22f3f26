package io.etcdbackup.cli;

import io.etcdbackup.cli.logging.LogLines;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.run.Cancellation;
import java.io.PrintWriter;
import java.util.Map;
import org.slf4j.event.Level;
import picocli.CommandLine;

/** The {@code etcd-backup} command line. */
public final class Main {
  private Main() {}

  /** Netty's switch for its buffer allocator's JFR events (io.netty.util.internal.PlatformDependent). */
  static final String NETTY_JFR = "io.netty.jfr.enabled";

  public static void main(String[] args) {
    // Netty 4.2 registers its allocator's JFR event classes on first use when JFR is present, about
    // 0.3 s of every command that talks to etcd; nobody records netty's allocations in a CLI run.
    // -Dio.netty.jfr.enabled=true in JAVA_OPTS brings them back.
    if (System.getProperty(NETTY_JFR) == null) {
      System.setProperty(NETTY_JFR, "false");
    }
    configureLogging(GlobalOptions.debug(args), GlobalOptions.logFormat(args, System.getenv()));
    Signals.install();
    int code = newCommandLine(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true))
        .execute(args);
    // The command has closed its clients; without this the exit waits 0.3 s for gRPC's idle threads.
    EtcdClients.stopTransportForExit();
    System.exit(code);
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
    cl.setParameterExceptionHandler(errors);
    cl.setExitCodeExceptionMapper(errors);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setOut(out);
    cl.setErr(err);
    return cl;
  }

  /**
   * Set before anything logs. Our own state changes at info, libraries at warn; {@code --debug}
   * shows everything but gRPC's frame dumps; {@code --log-format json} makes every line, the JDK
   * logging of gRPC and netty included, one JSON object.
   */
  static void configureLogging(boolean debug, LogLines.Format format) {
    Map<String, Level> levels = new java.util.HashMap<>();
    levels.put("io.etcdbackup", debug ? Level.DEBUG : Level.INFO);
    // jetcd logs every retry it gives up on at warn; we report the failure ourselves, in one line.
    levels.put("io.etcd.jetcd", debug ? Level.DEBUG : Level.ERROR);
    // Never at debug, even with --debug: gRPC's HTTP/2 frame logger (grpc-netty's NettyClientHandler)
    // dumps every frame, which holds the etcd password of the Authenticate call (hex) and the auth
    // token of every later call (its "token" header). Debug output is pasted into tickets.
    levels.put("io.grpc.netty.NettyClientHandler", Level.INFO);
    levels.put("io.netty.handler.codec.http2", Level.INFO);
    // Conscrypt's loader logs each place it tried for its library, with stack traces, at debug; where
    // it cannot load, PayloadCipher's one debug line says so and why.
    levels.put("org.conscrypt", Level.INFO);
    LogLines.configure(format, debug ? Level.DEBUG : Level.WARN, levels);
    // gRPC and netty also log through java.util.logging: through the same lines, quiet unless debugging.
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    for (java.util.logging.Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.addHandler(LogLines.julHandler());
    root.setLevel(debug ? java.util.logging.Level.FINE : java.util.logging.Level.WARNING);
  }
}
