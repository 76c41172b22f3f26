package io.etcdbackup.cli;

import java.time.Duration;
import java.util.Locale;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Shared formatting: sizes and durations for tables, the JSON mapper for {@code --output json}. */
final class Formats {
  private Formats() {}

  static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  /** Bytes in SI units as etcdctl prints them (go-humanize): {@code 20 kB}, {@code 1.2 MB}. */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
    double v = n;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return (v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v)) + " " + units[u];
  }

  /** A duration as etcdctl prints one: {@code 11.942936ms}, {@code 1.5s}. */
  static String duration(Duration d) {
    long nanos = d.toNanos();
    if (nanos < 1_000_000) {
      return String.format(Locale.ROOT, "%.3fµs", nanos / 1e3);
    }
    if (nanos < 1_000_000_000) {
      return String.format(Locale.ROOT, "%.3fms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.3fs", nanos / 1e9);
  }

  static String hex(long id) {
    return Long.toHexString(id);
  }
}
