package io.etcdbackup.scheduler.http;

import io.etcdbackup.core.InvalidInputException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an HTTP endpoint listens, as a flag gives it: {@code [HOST]:PORT}, as Prometheus exporters
 * write it ({@code :9808} every interface, {@code 127.0.0.1:9808}, {@code [::1]:9808},
 * {@code localhost:9808}); port 0 picks a free one. Parsed and resolved once; the option and the
 * text are kept for messages.
 *
 * @param option the flag it came from ({@code --listen}), for messages
 * @param text the value as given
 * @param socket the address to bind: the wildcard address when no host is given
 */
public record ListenAddress(String option, String text, InetSocketAddress socket) {
  // host: a bracketed IPv6 literal, or anything without a colon (a name or an IPv4 literal)
  private static final Pattern FORM = Pattern.compile("(\\[[^\\[\\]]+]|[^:\\[\\]]*):([0-9]{1,5})");

  public static ListenAddress parse(String option, String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw new InvalidInputException(option + " (" + text + ") must be [HOST]:PORT, e.g. :9808 or 127.0.0.1:9808");
    }
    int port = Integer.parseInt(m.group(2));
    if (port > 65535) {
      throw new InvalidInputException(option + " (" + text + ") must have a port from 0 to 65535");
    }
    String host = m.group(1);
    if (host.isEmpty()) {
      return new ListenAddress(option, text, new InetSocketAddress(port));
    }
    String name = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    try {
      return new ListenAddress(option, text, new InetSocketAddress(InetAddress.getByName(name), port));
    } catch (UnknownHostException e) {
      throw new InvalidInputException(option + " (" + text + "): cannot resolve " + name, e);
    }
  }

  @Override
  public String toString() {
    return option + " " + text;
  }
}
