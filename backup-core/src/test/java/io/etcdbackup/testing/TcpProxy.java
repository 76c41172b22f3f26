package io.etcdbackup.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * A loopback TCP forwarder to fault-inject the network between the tool and a real server: {@link
 * #cut()} closes the listener and every connection (the server "goes away": connection refused),
 * {@link #restore()} listens on the same port again; {@link #stallDownstreamAfter(long)} hangs a
 * stream part way (the server's bytes stop arriving, the connection stays open). Test code only.
 */
public final class TcpProxy implements AutoCloseable {
  private final InetSocketAddress target;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket listener;
  private volatile long downstreamLimit = Long.MAX_VALUE;
  private volatile CountDownLatch stalls = new CountDownLatch(1);

  private TcpProxy(InetSocketAddress target, int port) {
    this.target = target;
    this.port = port;
  }

  /** Forwards a new loopback port to {@code host:port}. */
  public static TcpProxy to(String host, int targetPort) throws IOException {
    ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    int port = probe.getLocalPort();
    probe.close();
    TcpProxy p = new TcpProxy(new InetSocketAddress(host, targetPort), port);
    p.restore();
    return p;
  }

  public int port() {
    return port;
  }

  /** Listens (again) and forwards every connection it accepts. */
  public synchronized void restore() throws IOException {
    if (listener != null) {
      return;
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    listener = s;
    Thread accept = new Thread(() -> acceptLoop(s), "tcp-proxy-" + port);
    accept.setDaemon(true);
    accept.start();
  }

  /**
   * Connections accepted from now on forward at most {@code bytes} from the server to the client,
   * then hold the rest back until {@link #cut()}: a stream that stops part way, its connection open.
   */
  public TcpProxy stallDownstreamAfter(long bytes) {
    downstreamLimit = bytes;
    return this;
  }

  /** Closes the listener and every forwarded connection: clients see resets, then refusals. */
  public synchronized void cut() {
    ServerSocket s = listener;
    listener = null;
    stalls.countDown();
    stalls = new CountDownLatch(1);
    closeQuietly(s);
    open.forEach(TcpProxy::closeQuietly);
    open.clear();
  }

  private void acceptLoop(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket client = s.accept();
        Socket server = new Socket();
        server.connect(target, 5000);
        open.add(client);
        open.add(server);
        pump(client, server, Long.MAX_VALUE);
        pump(server, client, downstreamLimit);
      } catch (IOException e) {
        // closed by cut(), or the target refused: the client's connection just ends
      }
    }
  }

  private void pump(Socket from, Socket to, long limit) {
    CountDownLatch stalled = stalls;
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        long left = limit;
        int n;
        while ((n = in.read(buf, 0, (int) Math.min(buf.length, Math.max(left, 1)))) >= 0) {
          if (left <= 0) {
            stalled.await(); // holds what it read, like a hung network, until cut()
            break;
          }
          out.write(buf, 0, n);
          left -= n;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // either side closed
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    cut();
  }
}
