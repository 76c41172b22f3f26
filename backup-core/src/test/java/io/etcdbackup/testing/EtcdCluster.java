package io.etcdbackup.testing;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * Real etcd processes for tests: one or three members of a chosen release on free loopback ports,
 * TLS for clients and peers with {@code --client-cert-auth} (certificates from a {@link TestPki}),
 * optionally with auth enabled for a {@code root} user. Members can be stopped, killed with
 * SIGKILL and restarted. Processes never outlive the JVM (a shutdown hook kills them) and
 * {@link #close()} removes every file.
 *
 * <p>With {@code -Dtests.containers=true} the members run in the official etcd image instead
 * ({@link EtcdContainers}, docs/testing.md): same flags, same client URLs on this host; peer URLs
 * are {@code https://<name>:2380} inside the containers' network, and {@link Member#dataDir()} and
 * {@link Member#logFile()} are not available.
 */
public final class EtcdCluster implements AutoCloseable {

  public static final String ROOT_USER = "root";
  public static final String TOKEN = "etcd-backup-test";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final int CONTAINER_PEER_PORT = 2380;
  private static final List<EtcdCluster> LIVE = new CopyOnWriteArrayList<>();
  /** Logs of clusters closed since the current test began: a failed test prints them. */
  private static final List<String> CLOSED_LOGS = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(EtcdCluster::killAll), "etcd-cluster-reaper"));
  }

  /** One member: its name, URLs, directories and process. */
  public static final class Member {
    private final int index;
    private final String name;
    private final int clientPort;
    private final int peerPort;
    private final Path dataDir;
    private final Path logFile;
    /** The container backend, or null for local processes. */
    private final EtcdContainers containers;
    private volatile Process process;

    Member(int index, String name, int clientPort, int peerPort, Path dataDir, Path logFile,
        EtcdContainers containers) {
      this.index = index;
      this.name = name;
      this.clientPort = clientPort;
      this.peerPort = peerPort;
      this.dataDir = dataDir;
      this.logFile = logFile;
      this.containers = containers;
    }

    public int index() { return index; }
    public String name() { return name; }
    public Path dataDir() {
      if (containers != null) {
        throw Containers.unavailable("EtcdCluster.Member.dataDir()", "the data dir lives inside " + name + "'s container");
      }
      return dataDir;
    }

    public Path logFile() {
      if (containers != null) {
        throw Containers.unavailable("EtcdCluster.Member.logFile()", "etcd logs to its container; use logTail()");
      }
      return logFile;
    }

    public int clientPort() { return clientPort; }

    public boolean isRunning() {
      if (containers != null) {
        return containers.isRunning(name);
      }
      Process p = process;
      return p != null && p.isAlive();
    }

    public String scheme() { return "https"; }

    public String clientUrl() { return "https://127.0.0.1:" + clientPort; }

    /** In containers: the member's network alias, reachable from the other members only. */
    public String peerUrl() {
      return containers != null ? "https://" + name + ":" + CONTAINER_PEER_PORT : "https://127.0.0.1:" + peerPort;
    }

    /** The last {@code lines} lines of this member's log. */
    public String logTail(int lines) {
      if (containers != null) {
        return containers.logTail(name, lines);
      }
      try {
        if (!Files.exists(logFile)) {
          return "(no log)";
        }
        List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
      } catch (IOException e) {
        return "(cannot read " + logFile + ": " + e + ")";
      }
    }
  }

  /** Builds a cluster; {@link #start()} launches it. */
  public static final class Builder {
    private EtcdVersion version = EtcdVersion.V3_5;
    private int size = 1;
    private String rootPassword;
    private Long quotaBackendBytes;
    private final List<String> extraArgs = new ArrayList<>();

    public Builder version(EtcdVersion v) { this.version = v; return this; }
    public Builder members(int n) {
      if (n < 1) throw new IllegalArgumentException("members must be at least 1");
      this.size = n;
      return this;
    }
    /** Enables auth once started, with a {@code root} user holding the root role. */
    public Builder auth(String rootPassword) { this.rootPassword = rootPassword; return this; }
    public Builder quotaBackendBytes(long bytes) { this.quotaBackendBytes = bytes; return this; }
    public Builder extraArgs(String... args) { extraArgs.addAll(List.of(args)); return this; }

    public EtcdCluster build() { return new EtcdCluster(this); }

    public EtcdCluster start() {
      EtcdCluster c = build();
      try {
        c.start();
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
      return c;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  private final EtcdVersion version;
  private final String rootPassword;
  private final Long quotaBackendBytes;
  private final List<String> extraArgs;
  private final Path baseDir;
  private final TestPki pki;
  private final TestPki.CertFiles serverCert;
  private final TestPki.CertFiles clientCert;
  private final List<Member> members = new ArrayList<>();
  private final SSLContext probeSsl;
  /** Null unless -Dtests.containers=true. */
  private final EtcdContainers containers;
  private Client client;
  /** Set once auth has been enabled: etcd refuses an Authenticate call before that. */
  private volatile boolean authOn;

  private EtcdCluster(Builder b) {
    this.version = b.version;
    this.rootPassword = b.rootPassword;
    this.quotaBackendBytes = b.quotaBackendBytes;
    this.extraArgs = List.copyOf(b.extraArgs);
    // first, so that a missing Docker engine fails before anything is created
    this.containers = Containers.enabled() ? EtcdContainers.create(version) : null;
    try {
      this.baseDir = Files.createTempDirectory("etcd-" + version.minor() + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.pki = TestPki.create(baseDir.resolve("pki"), "etcd");
    // in containers, peers dial each other by network alias: the certificate must name them
    this.serverCert = containers == null ? pki.server("etcd-server")
        : pki.server("etcd-server", java.util.stream.IntStream.rangeClosed(1, b.size).mapToObj(i -> "m" + i).toList());
    this.clientCert = pki.client("etcd-backup-test", TestPki.KeyFormat.PKCS8_EC);
    this.probeSsl = pki.sslContext("etcd-probe");
    int[] ports = freePorts(b.size * 2);
    for (int i = 0; i < b.size; i++) {
      String name = "m" + (i + 1);
      members.add(new Member(i, name, ports[2 * i], ports[2 * i + 1],
          baseDir.resolve(name + ".etcd"), baseDir.resolve(name + ".log"), containers));
    }
  }

  public EtcdVersion version() { return version; }
  public List<Member> members() { return List.copyOf(members); }
  public Member member(int i) { return members.get(i); }
  public TestPki pki() { return pki; }
  public Path caFile() { return pki.caFile(); }
  public TestPki.CertFiles clientCert() { return clientCert; }
  public Path baseDir() { return baseDir; }
  public String rootPassword() { return rootPassword; }
  public boolean authEnabled() { return rootPassword != null; }

  /** Comma-separated client URLs of every member, as {@code --endpoints} takes them. */
  public String endpoints() {
    return members.stream().map(Member::clientUrl).collect(Collectors.joining(","));
  }

  /** The {@code --initial-cluster} value of this cluster. */
  public String initialCluster() {
    return members.stream().map(m -> m.name + "=" + m.peerUrl()).collect(Collectors.joining(","));
  }

  /** Connection flags for the etcd-backup CLI (and etcdctl): endpoints, CA, client cert and key. */
  public List<String> tlsFlags() {
    return List.of("--endpoints", endpoints(), "--cacert", caFile().toString(),
        "--cert", clientCert.cert().toString(), "--key", clientCert.key().toString());
  }

  void start() {
    LIVE.add(this);
    members.forEach(m -> launch(m, "new"));
    members.forEach(this::awaitServing);
    awaitLeader();
    if (rootPassword != null) {
      enableAuth();
    }
  }

  /** A client for test setup (puts, leases...), authenticated as root when auth is on. */
  public synchronized Client client() {
    if (client == null) {
      client = newClient(members.stream().map(Member::clientUrl).toArray(String[]::new));
    }
    return client;
  }

  /** A new client to the given endpoints; the caller closes it. */
  public Client newClient(String... endpoints) {
    try {
      ClientBuilder b = Client.builder().endpoints(endpoints)
          .sslContext(s -> s.trustManager(pki.caFile().toFile())
              .keyManager(clientCert.cert().toFile(), clientCert.key().toFile()))
          .connectTimeout(Duration.ofSeconds(5));
      if (authOn) {
        b.user(bytes(ROOT_USER)).password(bytes(rootPassword));
      }
      return b.build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sends SIGKILL to a member and waits for it to die. */
  public void kill(int i) {
    Member m = members.get(i);
    if (containers != null) {
      containers.kill(m.name);
      return;
    }
    Process p = m.process;
    if (p != null) {
      p.destroyForcibly();
      waitFor(p);
    }
  }

  /** Stops a member gracefully (SIGTERM). */
  public void stop(int i) {
    Member m = members.get(i);
    if (containers != null) {
      containers.stop(m.name);
      return;
    }
    Process p = m.process;
    if (p != null) {
      p.destroy();
      waitFor(p);
    }
  }

  /** Starts a stopped or killed member again on its data dir and waits until it serves. */
  public void restart(int i) {
    Member m = members.get(i);
    if (m.isRunning()) {
      throw new IllegalStateException(m.name + " is still running");
    }
    if (containers != null) {
      containers.restart(m.name);
    } else {
      launch(m, "existing");
    }
    awaitServing(m);
  }

  /**
   * Runs this release's {@code etcdctl} (v3 API) against the cluster with the TLS flags (and root
   * credentials when auth is on); returns stdout, or throws with stderr when it fails.
   */
  public String etcdctl(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(version.binary("etcdctl").toString());
    cmd.addAll(tlsFlags());
    if (rootPassword != null) {
      cmd.add("--user=" + ROOT_USER + ":" + rootPassword);
    }
    cmd.addAll(List.of(args));
    return Exec.run(cmd, baseDir, Duration.ofSeconds(60), "ETCDCTL_API", "3").stdoutOrThrow();
  }

  /** Every member's recent log, for a failed test's report. */
  public String logs(int lines) {
    StringBuilder sb = new StringBuilder();
    for (Member m : members) {
      sb.append("----- etcd ").append(version.version()).append(' ').append(m.name)
          .append(m.isRunning() ? " (running)" : " (not running)").append(" log: ")
          .append(containers == null ? m.logFile : "container of " + EtcdContainers.image(version)).append('\n')
          .append(m.logTail(lines)).append('\n');
    }
    return sb.toString();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (client != null) {
        client.close();
        client = null;
      }
    }
    killAll();
    if (LIVE.remove(this)) {
      CLOSED_LOGS.add(logs(60));
      while (CLOSED_LOGS.size() > 6) {
        CLOSED_LOGS.remove(0);
      }
    }
    deleteTree(baseDir);
  }

  /** Recent logs of every running cluster and of those closed since {@link #forgetClosedLogs()}. */
  static String allRecentLogs() {
    StringBuilder sb = new StringBuilder();
    LIVE.forEach(c -> sb.append(c.logs(60)));
    CLOSED_LOGS.forEach(sb::append);
    return sb.toString();
  }

  static void forgetClosedLogs() {
    CLOSED_LOGS.clear();
  }

  private void killAll() {
    if (containers != null) {
      containers.close();
      return;
    }
    for (Member m : members) {
      Process p = m.process;
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
        waitFor(p);
      }
    }
  }

  private void launch(Member m, String clusterState) {
    boolean inContainer = containers != null;
    List<String> cmd = new ArrayList<>(List.of(
        inContainer ? EtcdContainers.etcdBinary() : version.binary("etcd").toString(),
        "--name", m.name,
        "--data-dir", inContainer ? EtcdContainers.dataDir(m.name) : m.dataDir.toString(),
        // in a container, listen on every interface: the published port and the network reach it there
        "--listen-client-urls", inContainer ? "https://0.0.0.0:" + m.clientPort : m.clientUrl(),
        "--advertise-client-urls", m.clientUrl(),
        "--listen-peer-urls", inContainer ? "https://0.0.0.0:" + CONTAINER_PEER_PORT : m.peerUrl(),
        "--initial-advertise-peer-urls", m.peerUrl(),
        "--initial-cluster", initialCluster(),
        "--initial-cluster-state", clusterState,
        "--initial-cluster-token", TOKEN,
        "--client-cert-auth", "--trusted-ca-file", path(pki.caFile()),
        "--cert-file", path(serverCert.cert()), "--key-file", path(serverCert.key()),
        "--peer-client-cert-auth", "--peer-trusted-ca-file", path(pki.caFile()),
        "--peer-cert-file", path(serverCert.cert()), "--peer-key-file", path(serverCert.key()),
        "--logger", "zap", "--log-outputs", "stderr",
        // test clusters live a few seconds: keep elections and heartbeats quick
        "--heartbeat-interval", "50", "--election-timeout", "500"));
    if (quotaBackendBytes != null) {
      cmd.addAll(List.of("--quota-backend-bytes", Long.toString(quotaBackendBytes)));
    }
    cmd.addAll(extraArgs);
    if (inContainer) {
      containers.start(m.name, m.clientPort, pki.dir(), cmd);
      return;
    }
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(baseDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(m.logFile.toFile()));
      m.process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd.get(0), e);
    }
  }

  /** A PKI file as etcd sees it: on this host, or copied into the containers. */
  private String path(Path pkiFile) {
    return containers == null ? pkiFile.toString() : EtcdContainers.inContainer(pki.dir(), pkiFile);
  }

  private void awaitServing(Member m) {
    HttpClient http = HttpClient.newBuilder().sslContext(probeSsl).connectTimeout(Duration.ofSeconds(2)).build();
    if (containers != null) {
      EtcdProbes.awaitHttp("etcd " + m.name + " (container)", m::isRunning, m.clientUrl() + "/version", http,
          body -> true, () -> m.logTail(40), START_TIMEOUT);
      return;
    }
    EtcdProbes.awaitHttp("etcd " + m.name, m.process, m.clientUrl() + "/version", http, body -> true,
        () -> m.logTail(40), START_TIMEOUT);
  }

  /**
   * Waits until every running member reports the same leader and that leader is one of them. Call
   * it after killing a member before writing again: a write sent while the old leader is still
   * believed alive times out in etcd itself.
   */
  public void awaitLeader() {
    List<String> running = members.stream().filter(Member::isRunning).map(Member::clientUrl).toList();
    if (running.isEmpty()) {
      throw new IllegalStateException("no member is running");
    }
    // etcd 3.5 wants an authenticated user for Status once auth is on; 3.4 does not.
    try (Client c = newClient(running.get(0))) {
      EtcdProbes.awaitLeader(c, running, () -> logs(30), START_TIMEOUT);
    }
  }

  private Client newClientWithoutAuth(String endpoint) {
    try {
      return Client.builder().endpoints(endpoint)
          .sslContext(s -> s.trustManager(pki.caFile().toFile())
              .keyManager(clientCert.cert().toFile(), clientCert.key().toFile()))
          .build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  private void enableAuth() {
    try (Client c = newClientWithoutAuth(endpoints().split(",")[0])) {
      var auth = c.getAuthClient();
      auth.userAdd(bytes(ROOT_USER), bytes(rootPassword)).get(10, TimeUnit.SECONDS);
      auth.userGrantRole(bytes(ROOT_USER), bytes("root")).get(10, TimeUnit.SECONDS);
      auth.authEnable().get(10, TimeUnit.SECONDS);
      authOn = true;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot enable auth", e);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static void waitFor(Process p) {
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Free loopback ports, held open together so that no two are the same. */
  public static int[] freePorts(int n) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // a leftover temp file is not worth failing a test for
        }
      });
    } catch (IOException ignored) {
      // same
    }
  }
}
