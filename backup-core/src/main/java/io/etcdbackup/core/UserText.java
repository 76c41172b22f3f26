package io.etcdbackup.core;

/**
 * Text a user typed or a store holds, made safe to echo in a one-line message or a log line: control
 * characters escaped (a newline in an id would otherwise start a fake log line), and cut short
 * when absurdly long (a 10 KB argument is not worth printing whole).
 */
public final class UserText {
  /** Longer than any id, cluster name or time this tool accepts; short enough for one line. */
  static final int MAX_SHOWN = 80;

  private UserText() {}

  /** {@code s} in single quotes, escaped and, beyond {@value #MAX_SHOWN} characters, cut. */
  public static String quote(String s) {
    if (s == null) {
      return "(none)";
    }
    String shown = s.length() > MAX_SHOWN ? s.substring(0, MAX_SHOWN) : s;
    String tail = s.length() > MAX_SHOWN ? "…' (" + s.length() + " characters)" : "'";
    return "'" + escape(shown) + tail;
  }

  /** {@code s} escaped and, beyond {@value #MAX_SHOWN} characters, cut, without quotes: for {@code --flag (value)}. */
  public static String shown(String s) {
    if (s == null) {
      return "(none)";
    }
    return s.length() > MAX_SHOWN ? escape(s.substring(0, MAX_SHOWN)) + "… (" + s.length() + " characters)" : escape(s);
  }

  /** {@code s} with every control character (C0, DEL, C1, line and paragraph separators) as {@code \\uXXXX}, or {@code \\n}, {@code \\r}, {@code \\t}. */
  public static String escape(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!isControl(c)) {
        if (b != null) {
          b.append(c);
        }
        continue;
      }
      if (b == null) {
        b = new StringBuilder(s.length() + 8).append(s, 0, i);
      }
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> b.append(String.format("\\u%04x", (int) c));
      }
    }
    return b == null ? s : b.toString();
  }

  private static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
  }
}
