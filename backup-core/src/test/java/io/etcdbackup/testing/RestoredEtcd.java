package io.etcdbackup.testing;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Real etcd processes started on restored data dirs, with exactly the flags the restore printed
 * (name, data dir, peer URLs, initial cluster and token) plus what a deployment adds (listen/advertise client URLs on a
 * free loopback port, {@code --listen-peer-urls} = the member's peer URLs, plain http). Auth stays
 * as the snapshot had it, so clients log in with the credentials given here.
 */
public final class RestoredEtcd implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final List<RestoredEtcd> LIVE = new CopyOnWriteArrayList<>();
  /** Logs of the instances closed since the current test began: a failed test prints them. */
  private static final List<String> CLOSED_LOGS = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(RestoredEtcd::close), "restored-etcd-reaper"));
  }

  /** Prints the logs of every restored etcd a failed test ran: {@code @ExtendWith(RestoredEtcd.Logs.class)}. */
  public static final class Logs implements BeforeEachCallback, TestWatcher {
    @Override
    public void beforeEach(ExtensionContext context) {
      CLOSED_LOGS.clear();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      StringBuilder sb = new StringBuilder();
      LIVE.forEach(e -> sb.append(e.logs()));
      CLOSED_LOGS.forEach(sb::append);
      if (sb.length() > 0) {
        System.err.println("===== restored etcd logs for failed test " + context.getDisplayName() + " =====\n" + sb);
      }
    }
  }

  /** A member to start: its name and the flags its restore printed for it. */
  public record MemberFlags(String name, List<String> flags) {
    public MemberFlags {
      flags = List.copyOf(flags);
    }
  }

  /** One started member. */
  public record Node(String name, int clientPort, Path log, Process process) {
    public String clientUrl() {
      return "http://127.0.0.1:" + clientPort;
    }

    public String logTail() {
      try {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }
  }

  private final EtcdVersion version;
  private final String user;
  private final String password;
  private final List<Node> nodes = new ArrayList<>();
  private Client client;

  private RestoredEtcd(EtcdVersion version, String user, String password) {
    this.version = version;
    this.user = user;
    this.password = password;
  }

  /**
   * Starts every member, waits until each serves and all agree on a leader.
   *
   * @param logDir where {@code <name>.log} files go
   */
  public static RestoredEtcd start(EtcdVersion version, List<MemberFlags> members, Path logDir, String user,
      String password) {
    RestoredEtcd e = new RestoredEtcd(version, user, password);
    LIVE.add(e);
    try {
      int[] ports = EtcdCluster.freePorts(members.size());
      for (int i = 0; i < members.size(); i++) {
        e.launch(members.get(i), ports[i], logDir.resolve(members.get(i).name() + "-" + version.minor() + ".log"));
      }
      e.nodes.forEach(RestoredEtcd::awaitServing);
      e.awaitLeader();
      return e;
    } catch (RuntimeException ex) {
      e.close();
      throw ex;
    }
  }

  private void launch(MemberFlags m, int clientPort, Path log) {
    String clientUrl = "http://127.0.0.1:" + clientPort;
    String peerUrls = m.flags().get(m.flags().indexOf("--initial-advertise-peer-urls") + 1);
    List<String> cmd = new ArrayList<>();
    cmd.add(version.binary("etcd").toString());
    cmd.addAll(m.flags());
    cmd.addAll(List.of("--listen-peer-urls", peerUrls, "--listen-client-urls", clientUrl,
        "--advertise-client-urls", clientUrl, "--logger", "zap", "--log-outputs", "stderr",
        "--heartbeat-interval", "50", "--election-timeout", "500"));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      nodes.add(new Node(m.name(), clientPort, log, p));
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot start " + cmd, ex);
    }
  }

  public EtcdVersion version() {
    return version;
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  public String endpoints() {
    return nodes.stream().map(Node::clientUrl).collect(Collectors.joining(","));
  }

  /** A client to every member, logged in as the given user. */
  public synchronized Client client() {
    if (client == null) {
      client = newClient(user, password, nodes.stream().map(Node::clientUrl).toArray(String[]::new));
    }
    return client;
  }

  /** A new client (the caller closes it); {@code user} null for none. */
  public Client newClient(String asUser, String asPassword, String... endpoints) {
    ClientBuilder b = Client.builder().endpoints(endpoints).connectTimeout(Duration.ofSeconds(5));
    if (asUser != null) {
      b.user(bytes(asUser)).password(bytes(asPassword));
    }
    return b.build();
  }

  public String logs() {
    StringBuilder sb = new StringBuilder();
    for (Node n : nodes) {
      sb.append("----- restored etcd ").append(version.version()).append(' ').append(n.name())
          .append(" log ").append(n.log()).append('\n').append(n.logTail()).append('\n');
    }
    return sb.toString();
  }

  private static void awaitServing(Node n) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    EtcdProbes.awaitHttp("etcd " + n.name(), n.process(), n.clientUrl() + "/version", http, body -> true, n::logTail,
        START_TIMEOUT);
  }

  private void awaitLeader() {
    EtcdProbes.awaitLeader(client(), nodes.stream().map(Node::clientUrl).toList(), this::logs, START_TIMEOUT);
  }

  @Override
  public void close() {
    if (LIVE.remove(this)) {
      CLOSED_LOGS.add(logs());
    }
    synchronized (this) {
      if (client != null) {
        client.close();
        client = null;
      }
    }
    for (Node n : nodes) {
      n.process().destroy();
    }
    for (Node n : nodes) {
      try {
        if (!n.process().waitFor(20, TimeUnit.SECONDS)) {
          n.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        n.process().destroyForcibly();
      }
    }
  }

  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

}
