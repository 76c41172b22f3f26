package io.etcdbackup.core.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcdbackup.core.InvalidInputException;
import io.grpc.internal.SharedResourceHolder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.lang.reflect.Field;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds jetcd clients from one {@link EtcdConnectionConfig}. PEM files are read and checked once,
 * here, so a bad or expired file is reported before any connection is tried.
 *
 * <p>Short calls share one client per endpoint ({@link #shared}): each jetcd client costs a Vert.x
 * instance and a TLS handshake, and one run asks the same members many things. {@link #close()}
 * closes the shared ones.
 */
public final class EtcdClients implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdClients.class);
  /** Whether this JVM built a client, and so may have started gRPC's shared event loop. */
  private static final AtomicBoolean ANY_BUILT = new AtomicBoolean();

  private final EtcdConnectionConfig config;
  private final SslContext sslContext;
  private final Map<URI, Client> shared = new ConcurrentHashMap<>();

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
   * A new client that talks to exactly one endpoint, for the caller alone: a snapshot, which must
   * stream from one member and is cancelled by closing its client. The caller closes it.
   */
  public Client dedicated(URI endpoint) {
    return build(List.of(endpoint));
  }

  /**
   * The client to exactly one endpoint that every short call of this session shares (status,
   * health reads, alarms, member list, HashKV). Do not close it; {@link #close()} does.
   */
  public Client shared(URI endpoint) {
    return shared.computeIfAbsent(endpoint, e -> build(List.of(e)));
  }

  @Override
  public void close() {
    shared.values().forEach(Client::close);
    shared.clear();
  }

  /**
   * Stops gRPC's shared Netty event loop, for a process about to exit that builds no more clients:
   * grpc-netty keeps that loop for a second after its last channel closed (SharedResourceHolder's
   * DESTROY_DELAY_SECONDS), its threads waiting in epoll, which is native code, and JDK 17's exit
   * waits up to 300 ms for threads in native code to stop (VM_Exit::wait_for_threads_in_native_to_block),
   * so every command that talked to etcd ended 0.3 s late. jetcd offers no way to give its channels
   * an event loop of our own; the group is grpc-netty's, reached by reflection. A channel built in
   * this JVM within a second after this call would fail: call it only on the way out, after every
   * client is closed. Where gRPC's internals differ, it does nothing.
   */
  public static void stopTransportForExit() {
    if (!ANY_BUILT.get()) {
      return;
    }
    try {
      Field f = Class.forName("io.grpc.netty.Utils").getDeclaredField("DEFAULT_WORKER_EVENT_LOOP_GROUP");
      f.setAccessible(true);
      @SuppressWarnings("unchecked")
      SharedResourceHolder.Resource<EventLoopGroup> resource = (SharedResourceHolder.Resource<EventLoopGroup>) f.get(null);
      EventLoopGroup group = SharedResourceHolder.get(resource);
      if (!group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(1, TimeUnit.SECONDS)) {
        LOG.debug("gRPC's event loop did not stop within 1s; the JVM's exit may wait for it");
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.debug("cannot stop gRPC's event loop before exit: {}", e.toString());
    }
  }

  private Client build(List<URI> endpoints) {
    ANY_BUILT.set(true);
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
      LOG.warn("TLS verification is off (--insecure-skip-tls-verify): any server, or anyone between, can answer as etcd "
          + "endpoints={}", c.endpoints());
      b.trustManager(InsecureTrustManagerFactory.INSTANCE);
    } else if (c.caCert().isPresent()) {
      List<X509Certificate> cas = PemFiles.certificates("--cacert", c.caCert().get());
      b.trustManager(cas.toArray(X509Certificate[]::new));
    }
    if (c.cert().isPresent()) {
      List<X509Certificate> chain = PemFiles.certificates("--cert", c.cert().get());
      PrivateKey key = PemFiles.privateKey("--key", c.key().orElseThrow());
      PemFiles.requireMatching(c.key().orElseThrow(), key, c.cert().get(), chain.get(0));
      // Netty puts the key into an in-memory KeyStore of the JDK's default type, PKCS#12 on 17,
      // which encrypts it with PBKDF2 (10,000 HMAC-SHA256 rounds) to store it and again to read it
      // back: 0.25-0.8 s of a cold JVM, for a store that never leaves memory and whose password is
      // empty. JKS protects keys with one cheap pass, and nothing else differs (docs/benchmarks.md,
      // "Fixed costs per run").
      b.keyManager(key, chain.toArray(X509Certificate[]::new)).keyStoreType("JKS");
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
