package io.etcdbackup.core.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcdbackup.core.InvalidInputException;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Builds jetcd clients from one {@link EtcdConnectionConfig}. PEM files are read and checked once,
 * here, so a bad or expired file is reported before any connection is tried.
 */
public final class EtcdClients {

  private final EtcdConnectionConfig config;
  private final SslContext sslContext;

  public EtcdClients(EtcdConnectionConfig config) {
    this.config = config;
    this.sslContext = config.usesTls() ? buildSslContext(config) : null;
  }

  public EtcdConnectionConfig config() {
    return config;
  }

  /** A client balanced over every configured endpoint. The caller closes it. */
  public Client forCluster() {
    return build(config.endpoints());
  }

  /**
   * A client that talks to exactly one endpoint: for per-member health, and for a snapshot, which
   * must stream from one member only. The caller closes it.
   */
  public Client forEndpoint(URI endpoint) {
    return build(List.of(endpoint));
  }

  private Client build(List<URI> endpoints) {
    ClientBuilder b = Client.builder()
        .endpoints(endpoints.toArray(URI[]::new))
        .connectTimeout(config.dialTimeout())
        // Fail fast instead of queueing calls behind a connection that cannot be made: a health
        // check must report a dead member, not wait for it.
        .waitForReady(false)
        .retryMaxAttempts(1);
    if (sslContext != null) {
      b.sslContext(sslContext);
    }
    if (config.user().isPresent()) {
      b.user(ByteSequence.from(config.user().get(), StandardCharsets.UTF_8))
          .password(ByteSequence.from(config.password().orElse(""), StandardCharsets.UTF_8));
    }
    return b.build();
  }

  private static SslContext buildSslContext(EtcdConnectionConfig c) {
    SslContextBuilder b = GrpcSslContexts.forClient();
    if (c.insecureSkipTlsVerify()) {
      b.trustManager(InsecureTrustManagerFactory.INSTANCE);
    } else if (c.caCert().isPresent()) {
      List<X509Certificate> cas = PemFiles.certificates("--cacert", c.caCert().get());
      b.trustManager(cas.toArray(X509Certificate[]::new));
    }
    if (c.cert().isPresent()) {
      List<X509Certificate> chain = PemFiles.certificates("--cert", c.cert().get());
      PrivateKey key = PemFiles.privateKey("--key", c.key().orElseThrow());
      b.keyManager(key, chain.toArray(X509Certificate[]::new));
    }
    try {
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new InvalidInputException("cannot set up TLS from --cacert/--cert/--key: " + e.getMessage(), e);
    }
  }

  /** The user name, for messages. */
  Optional<String> user() {
    return config.user();
  }
}
