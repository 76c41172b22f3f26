package io.etcdbackup.core.etcd;

import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Turns what gRPC, netty and etcd throw into one line a person can act on: the cause, in words,
 * and what to do. The raw exception chain stays available for {@code --debug}.
 */
public final class EtcdErrors {
  private EtcdErrors() {}

  /** One line naming the endpoint and the cause: {@code https://10.0.0.1:2379: connection refused ...}. */
  public static String describe(URI endpoint, Throwable t, EtcdConnectionConfig config) {
    return endpoint + ": " + causeAt(endpoint, t, config);
  }

  /** {@link #cause}, with what the endpoint's own form suggests. */
  public static String causeAt(URI endpoint, Throwable t, EtcdConnectionConfig config) {
    String cause = cause(t, config);
    // A TLS port answers a plain-HTTP client by closing or resetting the connection: gRPC says only
    // UNAVAILABLE ("Network closed for unknown reason"), or the reset surfaces as a SocketException.
    // The connection was made (no ConnectException), so the scheme is the likely mistake.
    List<Throwable> chain = chain(t);
    boolean connected = chain.stream().noneMatch(c -> c instanceof ConnectException || c instanceof UnknownHostException);
    boolean closed = statusCode(t).filter(c -> c == Status.Code.UNAVAILABLE).isPresent()
        || chain.stream().anyMatch(c -> c instanceof java.net.SocketException || c instanceof ClosedChannelException);
    if ("http".equalsIgnoreCase(endpoint.getScheme()) && connected && closed) {
      cause += "; the server closed the connection: if etcd serves TLS on this port, use https:// (with --cacert)";
    }
    return cause;
  }

  /** The cause alone, in words. */
  public static String cause(Throwable t, EtcdConnectionConfig config) {
    List<Throwable> chain = chain(t);
    String all = String.join(" | ", chain.stream().map(EtcdErrors::text).toList()).toLowerCase(Locale.ROOT);
    String timeout = config.commandTimeout().toMillis() + "ms";
    Optional<Status.Code> code = statusCode(t);

    // etcd's auth errors share gRPC codes (InvalidArgument for a wrong password and for a missing
    // user alike: api/v3rpc/rpctypes/error.go), so their text, part of etcd's API since 3.0, tells
    // them apart. Where a code or an exception type suffices, it is used instead.
    if (all.contains("invalid user id or password") || all.contains("authentication failed")) {
      return "authentication failed for user " + config.user().orElse("(none)") + ": check --user and the password";
    }
    if (all.contains("user name is empty") || all.contains("user name not found")
        || all.contains("invalid auth token") || all.contains("authentication is required")) {
      return "etcd requires authentication: pass --user and --password-file"
          + (config.user().isPresent() ? " (user " + config.user().get() + " was not accepted)" : "");
    }
    if (code.filter(c -> c == Status.Code.PERMISSION_DENIED).isPresent() || all.contains("permission denied")) {
      return "permission denied for user " + config.user().orElse("(certificate CN)")
          + ": the user needs the root role for maintenance calls";
    }
    if (all.contains("pkix path") || all.contains("unable to find valid certification path")
        || all.contains("certpathvalidatorexception") || all.contains("signature check failed")) {
      return config.caCert().isPresent()
          ? "the server's certificate is not signed by a CA in --cacert " + config.caCert().get()
              + ": use the CA that issued the etcd server certificate"
          : "the server's certificate is not trusted by the system trust store: pass --cacert with etcd's CA";
    }
    if (all.contains("no subject alternative") || all.contains("no name matching")
        || all.contains("hostname verification")) {
      return "the server's certificate is not valid for this host name or IP: connect with a name in its SANs";
    }
    if (all.contains("validity check failed") || all.contains("certificate expired")) {
      return "the server's certificate (or its CA) has expired or is not yet valid: renew it, or check the clock";
    }
    if (all.contains("certificate_required") || all.contains("bad_certificate")
        || all.contains("certificate required") || all.contains("bad certificate")
        || all.contains("certificate_unknown") || all.contains("certificate_expired")) {
      // The server only says it refused the certificate; an expired one is the usual reason and
      // the only one we can see from here.
      Optional<String> expired = config.cert().flatMap(EtcdErrors::expiry);
      if (expired.isPresent()) {
        return "the server rejected the client certificate: --cert " + config.cert().get() + " " + expired.get()
            + ": renew it";
      }
      return config.cert().isPresent()
          ? "the server rejected the client certificate " + config.cert().get()
              + ": it must be signed by the CA etcd trusts (--trusted-ca-file) and be valid now"
          : "the server requires a client certificate: pass --cert and --key";
    }
    if (all.contains("not an ssl/tls record") || all.contains("http/1.1 header") || all.contains("first received frame was not settings")
        || all.contains("unsupported or unrecognized ssl message")) {
      return "TLS and plain HTTP are mixed up: use https:// only if etcd serves TLS on this port, http:// otherwise";
    }
    for (Throwable c : chain) {
      if (c instanceof ConnectException) {
        return "connection refused or unreachable (" + text(c) + "): is etcd listening on this address?";
      }
      if (c instanceof UnknownHostException) {
        return "unknown host " + c.getMessage() + ": check the endpoint's host name";
      }
      if (c instanceof SSLException) {
        return "TLS handshake failed: " + text(c);
      }
    }
    if (all.contains("connection refused")) {
      return "connection refused: is etcd listening on this address?";
    }
    if (code.filter(c -> c == Status.Code.DEADLINE_EXCEEDED).isPresent()
        || chain.stream().anyMatch(c -> c instanceof TimeoutException)) {
      return "no answer within " + timeout + " (--command-timeout): the member is down, overloaded or has lost quorum";
    }
    if (all.contains("etcdserver: request timed out") || all.contains("leader changed") || all.contains("no leader")) {
      return "etcd could not commit the request (" + etcdMessage(chain) + "): the cluster may have lost quorum";
    }
    if (isCompacted(t)) {
      return "the revision has been compacted";
    }
    for (Throwable c : chain) {
      if (c instanceof StatusRuntimeException sre) {
        Status s = sre.getStatus();
        if (s.getCode() == Status.Code.UNAVAILABLE) {
          return "unavailable: " + (s.getDescription() != null ? s.getDescription() : text(sre));
        }
        return s.getCode() + ": " + (s.getDescription() != null ? s.getDescription() : text(sre));
      }
      if (c instanceof ClosedChannelException) {
        return "the connection was closed during the TLS handshake or request";
      }
    }
    Throwable root = chain.get(chain.size() - 1);
    return text(root);
  }

  /**
   * The gRPC status code of a failure, from gRPC's own exceptions or jetcd's {@code EtcdException}
   * (whose {@code ErrorCode} mirrors gRPC's codes one to one).
   */
  public static Optional<Status.Code> statusCode(Throwable t) {
    for (Throwable c : chain(t)) {
      if (c instanceof StatusRuntimeException sre) {
        return Optional.of(sre.getStatus().getCode());
      }
      if (c instanceof StatusException se) {
        return Optional.of(se.getStatus().getCode());
      }
      if (c instanceof EtcdException ee && ee.getErrorCode() != null) {
        return Optional.of(Status.Code.valueOf(ee.getErrorCode().name()));
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the failure is etcd's {@code ErrCompacted}: jetcd's {@code CompactedException}, or
   * gRPC {@code OUT_OF_RANGE}, the code etcd gives both compacted and future revisions
   * ({@code api/v3rpc/rpctypes/error.go}); a revision a member has just snapshotted is never in its future.
   */
  public static boolean isCompacted(Throwable t) {
    for (Throwable c : chain(t)) {
      if (c instanceof CompactedException) {
        return true;
      }
    }
    return statusCode(t).filter(c -> c == Status.Code.OUT_OF_RANGE).isPresent();
  }

  /** "expired on ..." or "is not valid before ..." when the first certificate in the file is out of date. */
  private static Optional<String> expiry(Path file) {
    try {
      X509Certificate cert = PemFiles.certificates("--cert", file).get(0);
      Instant now = Instant.now();
      if (cert.getNotAfter().toInstant().isBefore(now)) {
        return Optional.of("expired on " + cert.getNotAfter().toInstant());
      }
      if (cert.getNotBefore().toInstant().isAfter(now)) {
        return Optional.of("is not valid before " + cert.getNotBefore().toInstant() + " (check this machine's clock)");
      }
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String etcdMessage(List<Throwable> chain) {
    for (Throwable c : chain) {
      if (c instanceof StatusRuntimeException sre && sre.getStatus().getDescription() != null) {
        return sre.getStatus().getDescription();
      }
    }
    return text(chain.get(chain.size() - 1));
  }

  private static List<Throwable> chain(Throwable t) {
    List<Throwable> out = new ArrayList<>();
    for (Throwable c = t; c != null && out.size() < 20; c = c.getCause()) {
      if ((c instanceof ExecutionException || c instanceof java.util.concurrent.CompletionException)
          && c.getCause() != null) {
        continue;
      }
      out.add(c);
      if (c instanceof CancellationException) {
        break;
      }
    }
    if (out.isEmpty()) {
      out.add(t);
    }
    return out;
  }

  private static String text(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }
}
