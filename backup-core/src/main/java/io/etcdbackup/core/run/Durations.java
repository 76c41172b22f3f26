package io.etcdbackup.core.run;

import java.time.Duration;

/** Durations as a person types them on the command line ({@code 90s}, {@code 30m}, {@code 1h30m}). */
public final class Durations {
  private Durations() {}

  /** Go-style text: {@code 1h30m}, {@code 45s}, {@code 250ms}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.toMillis() < 1000) {
      return d.toMillis() + "ms";
    }
    StringBuilder b = new StringBuilder();
    long h = d.toHours();
    int m = d.toMinutesPart();
    int s = d.toSecondsPart();
    int ms = d.toMillisPart();
    if (h > 0) {
      b.append(h).append('h');
    }
    if (m > 0) {
      b.append(m).append('m');
    }
    if (s > 0 || ms > 0) {
      b.append(s);
      if (ms > 0) {
        b.append('.').append(String.format("%03d", ms).replaceAll("0+$", ""));
      }
      b.append('s');
    }
    return b.toString();
  }
}
