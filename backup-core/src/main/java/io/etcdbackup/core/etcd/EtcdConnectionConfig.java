package io.etcdbackup.core.etcd;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.run.Durations;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach etcd, with etcdctl's meaning for every field. Validated once, at construction:
 * an invalid value throws {@link InvalidInputException} naming the flag, the value and the rule.
 * {@link #toString()} never shows the password.
 *
 * @param endpoints client URLs ({@code https://host:port}); a bare {@code host:port} gets
 *     {@code https} when TLS material is given, else {@code http}, as etcdctl does
 * @param caCert PEM bundle of CAs that sign the servers' certificates; absent: the JDK's trust store
 * @param cert client certificate (PEM) for {@code --client-cert-auth}
 * @param key the client certificate's private key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC)
 * @param user etcd user, for etcd's own auth
 * @param password that user's password
 * @param insecureSkipTlsVerify accept any server certificate (for tests and emergencies only)
 * @param dialTimeout how long to wait for a connection to one endpoint
 * @param commandTimeout how long one request may take
 */
public record EtcdConnectionConfig(
    List<URI> endpoints,
    Optional<Path> caCert,
    Optional<Path> cert,
    Optional<Path> key,
    Optional<String> user,
    Optional<String> password,
    boolean insecureSkipTlsVerify,
    Duration dialTimeout,
    Duration commandTimeout) {

  public static final Duration DEFAULT_DIAL_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(5);

  public EtcdConnectionConfig {
    Objects.requireNonNull(endpoints, "endpoints");
    caCert = Objects.requireNonNullElse(caCert, Optional.empty());
    cert = Objects.requireNonNullElse(cert, Optional.empty());
    key = Objects.requireNonNullElse(key, Optional.empty());
    user = Objects.requireNonNullElse(user, Optional.<String>empty()).filter(s -> !s.isEmpty());
    password = Objects.requireNonNullElse(password, Optional.empty());
    dialTimeout = Objects.requireNonNullElse(dialTimeout, DEFAULT_DIAL_TIMEOUT);
    commandTimeout = Objects.requireNonNullElse(commandTimeout, DEFAULT_COMMAND_TIMEOUT);
    if (endpoints.isEmpty()) {
      throw new InvalidInputException("--endpoints is empty: give at least one client URL, e.g. https://127.0.0.1:2379");
    }
    endpoints = List.copyOf(new LinkedHashSet<>(endpoints));
    for (URI u : endpoints) {
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        throw new InvalidInputException("--endpoints (" + u + ") must use http or https");
      }
      if (u.getHost() == null || u.getPort() < 0) {
        throw new InvalidInputException("--endpoints (" + u + ") must name a host and a port, e.g. https://10.0.0.1:2379");
      }
    }
    if (cert.isPresent() != key.isPresent()) {
      throw new InvalidInputException(cert.isPresent()
          ? "--cert is given without --key: a client certificate needs its private key"
          : "--key is given without --cert: a private key needs its client certificate");
    }
    requireReadable("--cacert", caCert);
    requireReadable("--cert", cert);
    requireReadable("--key", key);
    if (password.isPresent() && user.isEmpty()) {
      throw new InvalidInputException("--password is given without --user");
    }
    if (user.isPresent() && password.isEmpty()) {
      throw new InvalidInputException("--user " + user.get()
          + " is given without a password: use --password-file FILE, --password, or --user NAME:PASSWORD");
    }
    requireBetween("--dial-timeout", dialTimeout);
    requireBetween("--command-timeout", commandTimeout);
  }

  /**
   * Parses {@code --endpoints} as etcdctl does: comma-separated; a bare {@code host:port} gets
   * {@code https} when {@code tls} is true.
   */
  public static List<URI> parseEndpoints(String value, boolean tls) {
    if (value == null || value.isBlank()) {
      throw new InvalidInputException("--endpoints is empty: give at least one client URL, e.g. https://127.0.0.1:2379");
    }
    List<URI> out = new ArrayList<>();
    for (String raw : value.split(",")) {
      String s = raw.trim();
      if (s.isEmpty()) {
        continue;
      }
      if (!s.contains("://")) {
        s = (tls ? "https://" : "http://") + s;
      }
      try {
        URI u = URI.create(s);
        String path = u.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
          throw new InvalidInputException("--endpoints (" + raw.trim() + ") must not have a path");
        }
        out.add(new URI(u.getScheme(), null, u.getHost(), u.getPort(), null, null, null));
      } catch (IllegalArgumentException | java.net.URISyntaxException e) {
        throw new InvalidInputException("--endpoints (" + raw.trim() + ") is not a URL: " + e.getMessage());
      }
    }
    return out;
  }

  /** True when any endpoint uses TLS. */
  public boolean usesTls() {
    return endpoints.stream().anyMatch(u -> "https".equals(u.getScheme()));
  }

  /** A copy pointing at other endpoints, everything else unchanged. */
  public EtcdConnectionConfig withEndpoints(List<URI> other) {
    return new EtcdConnectionConfig(other, caCert, cert, key, user, password, insecureSkipTlsVerify,
        dialTimeout, commandTimeout);
  }

  /**
   * The password in {@code file} (etcdctl's {@code --password-file} and the daemon's
   * {@code password-file}): its first line, without the line end.
   *
   * @throws InvalidInputException when the file cannot be read
   */
  public static String readPasswordFile(Path file) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8);
      int nl = s.indexOf('\n');
      return (nl >= 0 ? s.substring(0, nl) : s).replace("\r", "");
    } catch (IOException e) {
      throw new InvalidInputException("--password-file (" + file + ") cannot be read: " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "EtcdConnectionConfig[endpoints=" + endpoints + ", caCert=" + caCert.orElse(null)
        + ", cert=" + cert.orElse(null) + ", key=" + key.orElse(null) + ", user=" + user.orElse(null)
        + ", password=" + (password.isPresent() ? "****" : "none") + ", insecureSkipTlsVerify=" + insecureSkipTlsVerify
        + ", dialTimeout=" + dialTimeout + ", commandTimeout=" + commandTimeout + "]";
  }

  private static void requireReadable(String flag, Optional<Path> p) {
    if (p.isPresent() && !Files.isReadable(p.get())) {
      throw new InvalidInputException(flag + " (" + p.get() + ") is not a readable file");
    }
  }

  /** Longer waits than this are typing mistakes; gRPC and netty take them in int milliseconds. */
  static final Duration MAX_TIMEOUT = Duration.ofHours(24);

  private static void requireBetween(String flag, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new InvalidInputException(flag + " (" + Durations.format(d) + ") must be positive");
    }
    if (d.compareTo(MAX_TIMEOUT) > 0) {
      throw new InvalidInputException(flag + " (" + Durations.format(d) + ") must be at most 24h");
    }
  }
}
