package io.etcdbackup.restore;

import java.util.List;

/**
 * JSON text exactly as Go's {@code encoding/json} writes it (no whitespace), for the few shapes
 * etcd's restore serialises: strings, unsigned numbers and string arrays.
 *
 * <p>String escaping follows {@code encodeState.string} with HTML escaping on (the default of
 * {@code json.Marshal}): the characters &lt; &gt; &amp;, U+2028, U+2029 and the control characters
 * without a short form are written as backslash-u escapes with four lowercase hex digits; quote
 * and backslash are backslash-escaped; newline, carriage return, tab, backspace and form feed use
 * their short forms. The short forms for backspace and form feed are Go 1.22+ behaviour (earlier
 * Go wrote them as u0008 and u000c escapes); etcdutl 3.5.30 as packaged is built with Go 1.26. An
 * unpaired surrogate (in Go: an invalid UTF-8 byte) becomes the escaped U+FFFD.
 */
final class GoJson {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private GoJson() {}

  /** {@code s} as a quoted JSON string. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    appendQuoted(sb, s);
    return sb.toString();
  }

  static void appendQuoted(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        sb.append("\\ufffd");
      } else {
        appendChar(sb, c);
      }
    }
    sb.append('"');
  }

  private static void appendChar(StringBuilder sb, char c) {
    switch (c) {
      case '"' -> sb.append("\\\"");
      case '\\' -> sb.append("\\\\");
      case '\n' -> sb.append("\\n");
      case '\r' -> sb.append("\\r");
      case '\t' -> sb.append("\\t");
      case '\b' -> sb.append("\\b");
      case '\f' -> sb.append("\\f");
      default -> {
        if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
          sb.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF])
              .append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
        } else {
          sb.append(c);
        }
      }
    }
  }

  /** A JSON array of strings, e.g. {@code ["a","b"]}; Go writes {@code null} for a nil slice. */
  static void appendStringArray(StringBuilder sb, List<String> values) {
    sb.append('[');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      appendQuoted(sb, values.get(i));
    }
    sb.append(']');
  }

  /** A Go {@code uint64} as a JSON number. */
  static String unsigned(long value) {
    return Long.toUnsignedString(value);
  }
}
