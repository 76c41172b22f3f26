package io.etcdbackup.restore;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Peer URL lists parsed the way etcd's {@code types.NewURLs} does (client/pkg/types/urls.go,
 * v3.5.30), producing the string form Go's {@code url.URL.String()} gives, which is what member
 * ids are hashed from.
 *
 * <p>etcd: each item is trimmed of white space and parsed with Go's {@code url.Parse}; the scheme
 * must be http or https (then the host must be {@code host:port} and the path empty) or unix or
 * unixs; the list is sorted by the URLs' string forms. Go lower-cases the scheme and keeps the
 * rest as written. To be certain that the string hashed here is the one Go would hash, this parser
 * accepts a strict subset of what Go accepts and refuses the rest with a reason: user info,
 * queries, fragments, percent escapes and unusual host characters, none of which a real peer URL
 * carries.
 */
final class PeerUrls {
  private PeerUrls() {}

  /**
   * The canonical, sorted string forms of {@code items}.
   *
   * @throws IllegalArgumentException with the reason, naming the offending item
   */
  static List<String> parse(List<String> items) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("no valid URLs given");
    }
    List<String> out = new ArrayList<>(items.size());
    for (String item : items) {
      out.add(canonical(item));
    }
    out.sort(null); // Go sorts by String(); our forms are ASCII, so UTF-16 order is byte order
    return List.copyOf(out);
  }

  /** One URL's canonical form. */
  static String canonical(String item) {
    String in = trimGoSpace(item);
    for (int i = 0; i < in.length(); i++) {
      char c = in.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException("invalid control character in URL: " + GoJson.quote(in));
      }
    }
    int colon = schemeEnd(in);
    if (colon <= 0) {
      throw new IllegalArgumentException("URL scheme must be http, https, unix, or unixs: " + in);
    }
    String scheme = in.substring(0, colon).toLowerCase(Locale.ROOT);
    String rest = in.substring(colon + 1);
    if (rest.indexOf('#') >= 0) {
      throw new IllegalArgumentException("URL must not contain a fragment: " + in);
    }
    if (rest.indexOf('?') >= 0) {
      throw new IllegalArgumentException("URL must not contain a query: " + in);
    }
    return switch (scheme) {
      case "http", "https" -> httpUrl(scheme, rest, in);
      case "unix", "unixs" -> unixUrl(scheme, rest, in);
      default -> throw new IllegalArgumentException("URL scheme must be http, https, unix, or unixs: " + in);
    };
  }

  private static String httpUrl(String scheme, String rest, String in) {
    if (!rest.startsWith("//")) {
      throw new IllegalArgumentException("URL address does not have the form \"host:port\": " + in);
    }
    int slash = rest.indexOf('/', 2);
    String authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
    checkAuthority(authority, in);
    if (!hasPort(authority)) {
      throw new IllegalArgumentException("URL address does not have the form \"host:port\": " + in);
    }
    if (slash >= 0) {
      throw new IllegalArgumentException("URL must not contain a path: " + in);
    }
    return scheme + "://" + authority;
  }

  private static String unixUrl(String scheme, String rest, String in) {
    String authority = "";
    String path = rest;
    String sep = ":";
    if (rest.startsWith("//")) {
      int slash = rest.indexOf('/', 2);
      authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
      path = slash < 0 ? "" : rest.substring(slash);
      checkAuthority(authority, in);
      sep = "://";
    } else if (!rest.startsWith("/")) {
      throw new IllegalArgumentException("unsupported unix URL form (use unix://host:port or unix:///path): " + in);
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (!(isUnreserved(c) || c == '/')) {
        throw new IllegalArgumentException("unsupported character " + GoJson.quote(String.valueOf(c))
            + " in URL path: " + in);
      }
    }
    return scheme + sep + authority + path;
  }

  /** Go's getScheme: the index of the ':' ending a valid scheme, 0 for a leading ':', -1 if none. */
  private static int schemeEnd(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        continue;
      }
      if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
        if (i == 0) {
          return -1;
        }
        continue;
      }
      return c == ':' ? i : -1;
    }
    return -1;
  }

  private static void checkAuthority(String authority, String in) {
    if (authority.indexOf('@') >= 0) {
      throw new IllegalArgumentException("URL must not contain user info: " + in);
    }
    String port;
    if (authority.startsWith("[")) {
      int close = authority.lastIndexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']' in host: " + in);
      }
      for (int i = 1; i < close; i++) {
        char c = authority.charAt(i);
        if (!(isHexDigit(c) || c == ':' || c == '.')) {
          throw new IllegalArgumentException("unsupported character " + GoJson.quote(String.valueOf(c))
              + " in IPv6 host: " + in);
        }
      }
      port = authority.substring(close + 1);
      if (!port.isEmpty() && port.charAt(0) != ':') {
        throw new IllegalArgumentException("invalid port " + GoJson.quote(port) + " after host: " + in);
      }
      return;
    }
    int colon = authority.lastIndexOf(':');
    String host = colon < 0 ? authority : authority.substring(0, colon);
    port = colon < 0 ? "" : authority.substring(colon);
    for (int i = 1; i < port.length(); i++) {
      if (port.charAt(i) < '0' || port.charAt(i) > '9') {
        throw new IllegalArgumentException("invalid port " + GoJson.quote(port) + " after host: " + in);
      }
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!isUnreserved(c) && c != ':') {
        throw new IllegalArgumentException("unsupported character " + GoJson.quote(String.valueOf(c))
            + " in host name: " + in);
      }
    }
  }

  /**
   * Go's {@code net.SplitHostPort} succeeds: {@code host:port} with one colon outside brackets,
   * or {@code [v6]:port}. The port may be empty, as Go allows.
   */
  private static boolean hasPort(String authority) {
    if (authority.startsWith("[")) {
      int close = authority.lastIndexOf(']');
      return close + 1 < authority.length() && authority.charAt(close + 1) == ':';
    }
    int first = authority.indexOf(':');
    return first >= 0 && first == authority.lastIndexOf(':') && authority.indexOf('[') < 0
        && authority.indexOf(']') < 0;
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  private static boolean isHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** Go's {@code strings.TrimSpace}: Unicode white space at both ends. */
  static String trimGoSpace(String s) {
    int b = 0;
    int e = s.length();
    while (b < e && isGoSpace(s.charAt(b))) {
      b++;
    }
    while (e > b && isGoSpace(s.charAt(e - 1))) {
      e--;
    }
    return s.substring(b, e);
  }

  private static boolean isGoSpace(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || Character.getType(c) == Character.SPACE_SEPARATOR
        || c == '\u2028' || c == '\u2029';
  }
}
