package io.etcdbackup.storage.s3;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A plain-HTTP loopback reverse proxy in front of a real S3 endpoint (S3Proxy), which answers
 * chosen requests with an S3 fault instead of forwarding them: the network edge where a store
 * meets a flaky S3. Test code only.
 *
 * <p>A {@link #inject rule} matches requests by method and query ({@link #uploadPart(int)},
 * {@link #createMultipartUpload()}, {@link #completeMultipartUpload()}) and answers the first
 * {@code times} of them with its {@link Fault}; later ones pass through. An {@link #outageFrom
 * outage} answers every request with its fault, from the first one that matches its trigger until
 * {@link #heal()}. Every request is {@link #seen recorded} with what it got, so that a test can
 * check that the faults it asked for were really served.
 *
 * <p>Each client connection carries one request: the proxy forwards it with {@code Connection:
 * close}, relays the answer until the server closes, and closes the client's side, so the client
 * never reuses a connection the proxy has finished with. The request's {@code Host} header is
 * forwarded unchanged, so that the SigV4 signature over it still holds.
 */
final class FaultyS3Proxy implements AutoCloseable {

  /** What a faulted request gets. */
  enum Fault {
    /** {@code 500 InternalError}, as S3 answers when it fails inside. */
    INTERNAL_ERROR(500, "Internal Server Error", "InternalError", "We encountered an internal error. Please try again."),
    /** {@code 503 ServiceUnavailable}: S3 cannot take requests now (not throttling). */
    SERVICE_UNAVAILABLE(503, "Service Unavailable", "ServiceUnavailable", "Service is unable to handle request."),
    /** {@code 503 SlowDown}: S3's throttling. */
    SLOW_DOWN(503, "Slow Down", "SlowDown", "Please reduce your request rate."),
    /**
     * {@code 200 OK} whose body is an {@code <Error>}: S3 documents that CompleteMultipartUpload
     * (and copies) may fail after the 200 went out, with the error in the body.
     */
    OK_WITH_ERROR(200, "OK", "InternalError", "We encountered an internal error. Please try again."),
    /** No answer at all: the connection is closed once the request head is read. */
    CLOSE_CONNECTION(0, null, null, null),
    /**
     * Forwarded, and the server acts on it, but its answer is lost: the client sees the connection
     * close. For requests sent without {@code Expect: 100-continue} (all but PutObject and UploadPart).
     */
    LOSE_ANSWER(0, null, null, null);

    final int status;
    final String reason;
    final String code;
    final String message;

    Fault(int status, String reason, String code, String message) {
      this.status = status;
      this.reason = reason;
      this.code = code;
      this.message = message;
    }
  }

  /** A request as the proxy saw it: method, path and raw query ({@code ""} when none). */
  record Request(String method, String path, String query) {
    /** Whether the query has parameter {@code name} (with or without a value). */
    boolean has(String name) {
      return value(name) != null;
    }

    /** The parameter's value, {@code ""} for one without, null if absent. */
    String value(String name) {
      for (String p : query.split("&")) {
        int eq = p.indexOf('=');
        if ((eq < 0 ? p : p.substring(0, eq)).equals(name)) {
          return eq < 0 ? "" : p.substring(eq + 1);
        }
      }
      return null;
    }
  }

  /** A request and the fault it got, null when it was forwarded. */
  record Seen(Request request, Fault fault) {}

  /** {@code PUT ?partNumber=n&uploadId=...}. */
  static Predicate<Request> uploadPart(int n) {
    return r -> r.method().equals("PUT") && String.valueOf(n).equals(r.value("partNumber")) && r.has("uploadId");
  }

  /** {@code PUT ?partNumber=...&uploadId=...}, any part. */
  static Predicate<Request> anyUploadPart() {
    return r -> r.method().equals("PUT") && r.has("partNumber") && r.has("uploadId");
  }

  /** {@code POST ?uploads}. */
  static Predicate<Request> createMultipartUpload() {
    return r -> r.method().equals("POST") && r.has("uploads");
  }

  /** {@code POST ?uploadId=...}. */
  static Predicate<Request> completeMultipartUpload() {
    return r -> r.method().equals("POST") && r.has("uploadId");
  }

  /** {@code DELETE ?uploadId=...}. */
  static Predicate<Request> abortMultipartUpload() {
    return r -> r.method().equals("DELETE") && r.has("uploadId");
  }

  private static final class Rule {
    final Predicate<Request> match;
    final Fault fault;
    final AtomicInteger left;

    Rule(Predicate<Request> match, Fault fault, int times) {
      this.match = match;
      this.fault = fault;
      this.left = new AtomicInteger(times);
    }
  }

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requestIds = new AtomicInteger();
  /** Guarded by this: the outage's trigger, its fault, and whether it has started. */
  private Predicate<Request> outageTrigger;
  private Fault outageFault;
  private boolean down;

  private FaultyS3Proxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "faulty-s3-proxy-" + listener.getLocalPort());
    accept.setDaemon(true);
    accept.start();
  }

  /** A proxy on a free loopback port, forwarding to the plain-HTTP endpoint {@code s3}. */
  static FaultyS3Proxy to(URI s3) throws IOException {
    if (!"http".equals(s3.getScheme())) {
      throw new IllegalArgumentException("a plain-HTTP endpoint, not " + s3);
    }
    return new FaultyS3Proxy(new InetSocketAddress(s3.getHost(), s3.getPort()));
  }

  /** The endpoint clients use instead of the server's. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort());
  }

  /** Answers the next {@code times} requests that {@code match} with {@code fault}. */
  FaultyS3Proxy inject(Predicate<Request> match, Fault fault, int times) {
    rules.add(new Rule(match, fault, times));
    return this;
  }

  /** From the first request matching {@code trigger} (that one included), every request gets {@code fault}. */
  synchronized FaultyS3Proxy outageFrom(Predicate<Request> trigger, Fault fault) {
    outageTrigger = trigger;
    outageFault = fault;
    down = false;
    return this;
  }

  /** Ends the outage and drops the rules: from now on everything passes through. */
  synchronized void heal() {
    outageTrigger = null;
    outageFault = null;
    down = false;
    rules.clear();
  }

  /** The requests matching {@code match}, faulted or not. */
  List<Seen> seen(Predicate<Request> match) {
    return seen.stream().filter(s -> match.test(s.request())).toList();
  }

  /** How many requests got {@code fault}. */
  long served(Fault fault) {
    return seen.stream().filter(s -> s.fault() == fault).count();
  }

  private synchronized Fault decide(Request r) {
    if (outageTrigger != null && (down || outageTrigger.test(r))) {
      down = true;
      return outageFault;
    }
    for (Rule rule : rules) {
      if (rule.match.test(r) && rule.left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        return rule.fault;
      }
    }
    return null;
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        open.add(client);
        Thread t = new Thread(() -> serve(client), "faulty-s3-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        // closed by close()
      }
    }
  }

  /** One request on one connection: faulted here, or forwarded with the answer relayed back. */
  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      List<String> head = readHead(in);
      if (head.isEmpty()) {
        return; // the client closed an idle connection
      }
      String[] line = head.get(0).split(" ", 3);
      String uri = line[1];
      int q = uri.indexOf('?');
      Request request = new Request(line[0], q < 0 ? uri : uri.substring(0, q), q < 0 ? "" : uri.substring(q + 1));
      Fault fault = decide(request);
      seen.add(new Seen(request, fault));
      if (fault == Fault.CLOSE_CONNECTION) {
        return;
      }
      if (fault == Fault.LOSE_ANSWER) {
        forward(head, in, OutputStream.nullOutputStream());
      } else if (fault != null) {
        answer(fault, head, in, out);
      } else {
        forward(head, in, out);
      }
    } catch (IOException e) {
      // either side went away: the client sees the connection end, as with a real network
    } finally {
      open.remove(client);
    }
  }

  private void forward(List<String> head, InputStream in, OutputStream out) throws IOException {
    try (Socket server = new Socket()) {
      open.add(server);
      server.connect(target, 5000);
      OutputStream up = server.getOutputStream();
      up.write(forwardedHead(head).getBytes(StandardCharsets.ISO_8859_1));
      up.flush();
      // The body (after a 100 Continue, if the client asked for one) flows while the answer comes back.
      Thread body = new Thread(() -> copy(in, server), "faulty-s3-proxy-body");
      body.setDaemon(true);
      body.start();
      server.getInputStream().transferTo(out);
      out.flush();
    } finally {
      open.removeIf(Socket::isClosed);
    }
  }

  /** S3's XML error, after taking in the body as S3 would; Connection: close. */
  private void answer(Fault fault, List<String> head, InputStream in, OutputStream out) throws IOException {
    if ("100-continue".equalsIgnoreCase(header(head, "Expect"))) {
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }
    String length = header(head, "Content-Length");
    if (header(head, "Transfer-Encoding") != null) {
      throw new IOException("a chunked request body: not supported by this proxy");
    }
    in.skipNBytes(length == null ? 0 : Long.parseLong(length.trim()));
    String requestId = "FAULT" + requestIds.incrementAndGet();
    byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + fault.code + "</Code><Message>"
        + fault.message + "</Message><RequestId>" + requestId + "</RequestId></Error>")
        .getBytes(StandardCharsets.UTF_8);
    String response = "HTTP/1.1 " + fault.status + " " + fault.reason + "\r\n"
        + "Content-Type: application/xml\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + "x-amz-request-id: " + requestId + "\r\n"
        + "Connection: close\r\n\r\n";
    out.write(response.getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  /** The request head with {@code Connection: close} in place of the client's connection header. */
  private static String forwardedHead(List<String> head) {
    StringBuilder b = new StringBuilder(head.get(0)).append("\r\n");
    for (String h : head.subList(1, head.size())) {
      if (!name(h).equals("connection")) {
        b.append(h).append("\r\n");
      }
    }
    return b.append("Connection: close\r\n\r\n").toString();
  }

  private static String header(List<String> head, String name) {
    for (String h : head.subList(1, head.size())) {
      if (name(h).equals(name.toLowerCase(Locale.ROOT))) {
        return h.substring(h.indexOf(':') + 1).trim();
      }
    }
    return null;
  }

  private static String name(String headerLine) {
    int colon = headerLine.indexOf(':');
    return (colon < 0 ? headerLine : headerLine.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
  }

  /** The request line and headers, up to the empty line; empty if the stream ends first. */
  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c != '\n') {
        line.write(c);
        continue;
      }
      String s = line.toString(StandardCharsets.ISO_8859_1);
      line.reset();
      if (s.endsWith("\r")) {
        s = s.substring(0, s.length() - 1);
      }
      if (s.isEmpty()) {
        return lines;
      }
      lines.add(s);
    }
    if (lines.isEmpty() && line.size() == 0) {
      return lines;
    }
    throw new EOFException("the request head ended early: " + lines);
  }

  private static void copy(InputStream in, Socket to) {
    try {
      in.transferTo(to.getOutputStream());
    } catch (IOException e) {
      // the answer is complete and the server closed, or the client went away
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : open) {
      s.close(); // Socket.close does not throw for a socket that is already closed
    }
    open.clear();
  }

  @Override
  public String toString() {
    return "FaultyS3Proxy[" + endpoint() + " -> " + target + ", seen " + seen + "]";
  }
}
