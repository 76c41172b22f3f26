package io.etcdbackup.cli.logging;

import io.etcdbackup.core.UserText;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.event.Level;

/**
 * How the tool's log lines look and which get written: one line per event on stderr, as text
 * ({@code 2026-12-02T10:00:00.000Z INFO ScheduleDaemon - job end cluster=prod ...}) or, with
 * {@code --log-format json}, one JSON object per line for log collectors, whose {@code key=value}
 * pairs (our lines' context: {@code cluster=prod job=backup}) are fields of their own.
 *
 * <p>Levels by logger-name prefix, the longest prefix winning; set once by {@code Main} before
 * anything logs, read by every {@link LineLogger} at each call (a few map lookups: the tool logs
 * state changes, not per-byte events).
 */
public final class LogLines {
  /** {@code text} (the default) or {@code json}. */
  public enum Format {
    TEXT, JSON;

    public static Format parse(String s) {
      return switch (s.toLowerCase(Locale.ROOT)) {
        case "text" -> TEXT;
        case "json" -> JSON;
        default -> throw new IllegalArgumentException("--log-format must be text or json, not " + s);
      };
    }
  }

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneId.systemDefault());
  /** Our context pairs: a lower-case key, '=', a value up to white space (trailing punctuation is prose). */
  private static final Pattern PAIR = Pattern.compile("(?<![\\w.=-])([a-z][a-z0-9_.-]*)=(\\S+)");
  private static final java.util.Set<String> RESERVED = java.util.Set.of("time", "level", "logger", "message", "error",
      "stack");

  private static volatile Format format = Format.TEXT;
  private static volatile Level defaultLevel = Level.WARN;
  private static volatile NavigableLevels levels = new NavigableLevels(Map.of("io.etcdbackup", Level.INFO));

  private LogLines() {}

  /** Sets the format and the levels (prefix → level; the rest at {@code fallback}). */
  public static void configure(Format f, Level fallback, Map<String, Level> byPrefix) {
    format = f;
    defaultLevel = fallback;
    levels = new NavigableLevels(byPrefix);
  }

  public static Format format() {
    return format;
  }

  static boolean enabled(String logger, Level level) {
    return level.toInt() >= levels.levelOf(logger, defaultLevel).toInt();
  }

  static void write(String logger, Level level, String message, Throwable t) {
    String line = format == Format.JSON ? json(logger, level, message, t, Instant.now())
        : text(logger, level, message, t, Instant.now());
    PrintStream err = System.err; // at each call: tests and the CLI may replace it
    synchronized (err) {
      err.print(line);
      err.flush();
    }
  }

  static String text(String logger, Level level, String message, Throwable t, Instant when) {
    StringBuilder b = new StringBuilder(TIME.format(when)).append(' ').append(level).append(' ')
        .append(logger.substring(logger.lastIndexOf('.') + 1)).append(" - ")
        // A line per event: a value in the message (an id, a key read from a store) cannot start a forged line.
        .append(UserText.escape(message)).append('\n');
    if (t != null) {
      b.append(stack(t));
    }
    return b.toString();
  }

  static String json(String logger, Level level, String message, Throwable t, Instant when) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("time", when.toString());
    fields.put("level", level.toString());
    fields.put("logger", logger);
    fields.put("message", message);
    pairs(message).forEach(fields::putIfAbsent);
    if (t != null) {
      fields.put("error", t.getClass().getName() + ": " + t.getMessage());
      fields.put("stack", stack(t));
    }
    StringBuilder b = new StringBuilder("{");
    fields.forEach((k, v) -> {
      if (b.length() > 1) {
        b.append(',');
      }
      quote(b, k).append(':');
      quote(b, v);
    });
    return b.append("}\n").toString();
  }

  /** The {@code key=value} pairs of a message, in order; a reserved or repeated key keeps its first value. */
  static Map<String, String> pairs(String message) {
    Map<String, String> m = new LinkedHashMap<>();
    Matcher x = PAIR.matcher(message);
    while (x.find()) {
      String key = x.group(1);
      String value = x.group(2).replaceAll("[:,;.)]+$", "");
      if (!RESERVED.contains(key) && !value.isEmpty()) {
        m.putIfAbsent(key, value);
      }
    }
    return m;
  }

  private static StringBuilder quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }

  /** A java.util.logging handler writing through these lines (gRPC and netty log there). */
  public static java.util.logging.Handler julHandler() {
    return new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        if (!isLoggable(r)) {
          return;
        }
        int v = r.getLevel().intValue();
        Level level = v >= java.util.logging.Level.SEVERE.intValue() ? Level.ERROR
            : v >= java.util.logging.Level.WARNING.intValue() ? Level.WARN
            : v >= java.util.logging.Level.INFO.intValue() ? Level.INFO
            : v >= java.util.logging.Level.FINE.intValue() ? Level.DEBUG : Level.TRACE;
        String name = r.getLoggerName() == null ? "jul" : r.getLoggerName();
        if (enabled(name, level)) {
          write(name, level, new java.util.logging.SimpleFormatter().formatMessage(r), r.getThrown());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }

  private static String stack(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  /** Prefix → level, the longest matching prefix (at a dot or the whole name) winning. */
  private static final class NavigableLevels {
    private final TreeMap<String, Level> byPrefix;

    NavigableLevels(Map<String, Level> m) {
      byPrefix = new TreeMap<>(m);
    }

    Level levelOf(String logger, Level fallback) {
      String name = logger;
      while (true) {
        Level l = byPrefix.get(name);
        if (l != null) {
          return l;
        }
        int dot = name.lastIndexOf('.');
        if (dot < 0) {
          return fallback;
        }
        name = name.substring(0, dot);
      }
    }
  }
}
