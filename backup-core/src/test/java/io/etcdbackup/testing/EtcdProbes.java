package io.etcdbackup.testing;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** The waits every launcher of test etcd processes needs: until a member serves, until a leader is agreed. */
final class EtcdProbes {
  private EtcdProbes() {}

  /**
   * Polls {@code url + path} until {@code ok} accepts the response body of a 200; fails at once if
   * the process dies, with its log.
   */
  static void awaitHttp(String who, Process process, String url, HttpClient http, Predicate<String> ok,
      Supplier<String> logTail, Duration timeout) {
    awaitHttp(who, process::isAlive, url, http, ok, logTail, timeout);
  }

  /** As above, for a member whose liveness is not a local process (a container). */
  static void awaitHttp(String who, BooleanSupplier alive, String url, HttpClient http, Predicate<String> ok,
      Supplier<String> logTail, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!alive.getAsBoolean()) {
        throw new IllegalStateException(who + " exited while starting:\n" + logTail.get());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && ok.test(r.body())) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(100);
    }
    throw new IllegalStateException(who + " did not answer " + url + " within " + timeout + ":\n" + logTail.get());
  }

  /**
   * Waits until every endpoint reports the same leader and that leader is one of them. Call it
   * after killing a member before writing again: a write sent while the old leader is still
   * believed alive times out in etcd itself.
   */
  static void awaitLeader(Client c, List<String> endpoints, Supplier<String> logs, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        Set<Long> ids = new HashSet<>();
        Set<Long> leaders = new HashSet<>();
        for (String endpoint : endpoints) {
          StatusResponse s = c.getMaintenanceClient().statusMember(endpoint).get(2, TimeUnit.SECONDS);
          ids.add(s.getHeader().getMemberId());
          leaders.add(s.getLeader());
        }
        if (leaders.size() == 1 && ids.containsAll(leaders)) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (Exception e) {
        last = e;
      }
      sleep(100);
    }
    throw new IllegalStateException("no leader among " + endpoints + " within " + timeout + " (last error: " + last
        + "):\n" + logs.get());
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
