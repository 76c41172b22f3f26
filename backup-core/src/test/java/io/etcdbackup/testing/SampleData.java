package io.etcdbackup.testing;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** Writes realistic histories and bulk data into a test cluster. */
public final class SampleData {
  private SampleData() {}

  /** What {@link #history} wrote, for assertions. */
  public record History(long leaseId, long compactedAt, long revision) {}

  /**
   * A history that exercises every part of the db: puts, updates, deletes, a lease with two keys
   * attached, a compaction, and more puts after it.
   */
  public static History history(Client c) throws Exception {
    KV kv = c.getKVClient();
    for (int i = 0; i < 20; i++) {
      kv.put(bytes("/registry/pods/default/pod-" + i), bytes("{\"kind\":\"Pod\",\"v\":1,\"i\":" + i + "}")).get(10, TimeUnit.SECONDS);
    }
    for (int i = 0; i < 10; i++) {
      kv.put(bytes("/registry/pods/default/pod-" + i), bytes("{\"kind\":\"Pod\",\"v\":2,\"i\":" + i + "}")).get(10, TimeUnit.SECONDS);
    }
    for (int i = 15; i < 20; i++) {
      kv.delete(bytes("/registry/pods/default/pod-" + i)).get(10, TimeUnit.SECONDS);
    }
    long lease = c.getLeaseClient().grant(3600).get(10, TimeUnit.SECONDS).getID();
    PutOption withLease = PutOption.builder().withLeaseId(lease).build();
    kv.put(bytes("/registry/leases/kube-system/holder-a"), bytes("a"), withLease).get(10, TimeUnit.SECONDS);
    kv.put(bytes("/registry/leases/kube-system/holder-b"), bytes("b"), withLease).get(10, TimeUnit.SECONDS);
    long compactAt = kv.put(bytes("/registry/events/e1"), bytes("event")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    kv.compact(compactAt).get(10, TimeUnit.SECONDS);
    long rev = 0;
    for (int i = 0; i < 5; i++) {
      rev = kv.put(bytes("/registry/configmaps/default/cm-" + i), bytes("data-" + i)).get(10, TimeUnit.SECONDS)
          .getHeader().getRevision();
    }
    return new History(lease, compactAt, rev);
  }

  /**
   * About {@code totalBytes} of Kubernetes-like JSON values ({@code valueSize} each) under
   * {@code prefix}, written with up to 64 puts in flight.
   */
  public static long bulk(Client c, String prefix, long totalBytes, int valueSize, long seed) throws Exception {
    KV kv = c.getKVClient();
    Semaphore inFlight = new Semaphore(64);
    List<CompletableFuture<?>> pending = new ArrayList<>();
    Random r = new Random(seed);
    long written = 0;
    long lastRev = 0;
    for (int i = 0; written < totalBytes; i++) {
      byte[] value = jsonValue(r, valueSize);
      inFlight.acquire();
      CompletableFuture<?> f = kv.put(bytes(prefix + String.format("%08d", i)), ByteSequence.from(value))
          .whenComplete((res, err) -> inFlight.release());
      pending.add(f);
      written += value.length;
      if (pending.size() >= 1024) {
        for (CompletableFuture<?> p : pending) {
          p.get(60, TimeUnit.SECONDS);
        }
        pending.clear();
      }
    }
    for (CompletableFuture<?> p : pending) {
      p.get(60, TimeUnit.SECONDS);
    }
    return written;
  }

  /** A JSON-like value that compresses the way Kubernetes objects do (several times, not infinitely). */
  public static byte[] jsonValue(Random r, int size) {
    StringBuilder sb = new StringBuilder(size + 64);
    sb.append("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"uid\":\"")
        .append(Long.toHexString(r.nextLong())).append("\"},\"data\":{");
    int n = 0;
    while (sb.length() < size - 40) {
      sb.append("\"key-").append(n++).append("\":\"").append(Long.toString(r.nextLong() & Long.MAX_VALUE, 36))
          .append("-value-").append(r.nextInt(1000)).append("\",");
    }
    sb.append("\"end\":\"x\"}}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
