import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.grpc.netty.GrpcSslContexts;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fills an etcd member with Kubernetes-like data until its db reaches a target size, for bench/run.sh.
 * Run from source against the CLI's fat jar (it carries jetcd):
 *
 * <pre>
 * java -cp cli/target/etcd-backup.jar bench/Loader.java ENDPOINT CA CERT KEY TARGET_BYTES json|random SEED
 * </pre>
 *
 * Keys look like {@code /registry/<resource>/<namespace>/<name>}; values are 1 to 20 KiB, log-uniform
 * (most objects small, a few large). {@code json} values look like Kubernetes objects (metadata,
 * labels, annotations, a pod-like spec, random ids and hashes), so zstd shrinks them about as much as
 * it shrinks real cluster data; {@code random} values are incompressible bytes. One in eight puts
 * rewrites an earlier key, so the db holds some history as a live cluster's does. Up to 128 puts are
 * in flight; the db size is read from the member's status every 2,000 puts.
 */
public final class Loader {
  private static final String[] RESOURCES = {"pods", "configmaps", "secrets", "events", "services/specs",
      "deployments", "replicasets", "leases", "endpointslices", "serviceaccounts", "crd.example.io/widgets"};
  private static final String[] NAMESPACES = {"default", "kube-system", "monitoring", "ingress", "payments",
      "checkout", "search", "batch", "logging", "team-a", "team-b", "team-c"};
  private static final String[] WORDS = {"app", "web", "api", "worker", "cache", "db", "frontend", "backend",
      "nginx", "redis", "kafka", "envoy", "istio-proxy", "prometheus", "node-exporter", "coredns", "registry",
      "k8s.io", "example.com", "v1", "v2", "stable", "canary", "production", "us-east-1a", "ReplicaSet",
      "Always", "IfNotPresent", "TCP", "ClusterFirst", "RollingUpdate", "Running", "True", "Ready"};

  public static void main(String[] args) throws Exception {
    if (args.length != 7) {
      System.err.println("usage: Loader ENDPOINT CA CERT KEY TARGET_BYTES json|random SEED");
      System.exit(2);
    }
    String endpoint = args[0];
    long target = Long.parseLong(args[4]);
    boolean json = switch (args[5]) {
      case "json" -> true;
      case "random" -> false;
      default -> throw new IllegalArgumentException("data kind (" + args[5] + ") must be json or random");
    };
    SplittableRandom rnd = new SplittableRandom(Long.parseLong(args[6]));
    try (Client client = Client.builder().endpoints(endpoint)
        .sslContext(GrpcSslContexts.forClient().trustManager(new File(args[1]))
            .keyManager(new File(args[2]), new File(args[3])).build())
        .maxInboundMessageSize(64 << 20).build()) {
      KV kv = client.getKVClient();
      Semaphore inFlight = new Semaphore(128);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long t0 = System.nanoTime();
      long puts = 0;
      long valueBytes = 0;
      long dbSize = 0;
      while (true) {
        if (puts % 2000 == 0) {
          inFlight.acquire(128); // let the batch land, then ask how big the db has grown
          inFlight.release(128);
          if (failure.get() != null) {
            throw new IllegalStateException("a put failed", failure.get());
          }
          dbSize = client.getMaintenanceClient().statusMember(endpoint).get(30, TimeUnit.SECONDS).getDbSize();
          if (dbSize >= target) {
            break;
          }
        }
        long id = (puts > 1000 && rnd.nextInt(8) == 0) ? rnd.nextLong(puts) : puts;
        int size = (int) Math.round(1024 * Math.pow(20, rnd.nextDouble()));
        byte[] value = json ? k8sObject(new SplittableRandom(id * 31 + puts), id, size) : randomBytes(rnd, size);
        inFlight.acquire();
        kv.put(bytes(keyOf(id)), ByteSequence.from(value)).whenComplete((r, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          }
          inFlight.release();
        });
        puts++;
        valueBytes += value.length;
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf("{\"puts\":%d,\"valueBytes\":%d,\"dbSize\":%d,\"seconds\":%.1f}%n", puts, valueBytes, dbSize, secs);
    }
  }

  static String keyOf(long id) {
    String resource = RESOURCES[(int) (id % RESOURCES.length)];
    String ns = NAMESPACES[(int) ((id / RESOURCES.length) % NAMESPACES.length)];
    return "/registry/" + resource + "/" + ns + "/" + WORDS[(int) (id % 17)] + "-" + Long.toString(id * 2654435761L % 99991, 36)
        + "-" + String.format("%07d", id);
  }

  /** A JSON document shaped like a Kubernetes object, {@code size} bytes long (give or take a few). */
  static byte[] k8sObject(SplittableRandom r, long id, int size) {
    StringBuilder sb = new StringBuilder(size + 256);
    String name = WORDS[r.nextInt(WORDS.length)] + "-" + hex(r, 10);
    sb.append("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"").append(name)
        .append("\",\"namespace\":\"").append(NAMESPACES[(int) (id % NAMESPACES.length)])
        .append("\",\"uid\":\"").append(hex(r, 8)).append('-').append(hex(r, 4)).append('-').append(hex(r, 4))
        .append('-').append(hex(r, 4)).append('-').append(hex(r, 12))
        .append("\",\"resourceVersion\":\"").append(r.nextInt(1, 1 << 30))
        .append("\",\"creationTimestamp\":\"2025-").append(10 + r.nextInt(3)).append('-').append(10 + r.nextInt(18))
        .append("T").append(10 + r.nextInt(14)).append(":").append(10 + r.nextInt(50)).append(":00Z\",\"labels\":{");
    for (int i = 0; i < 3 + r.nextInt(5); i++) {
      sb.append('"').append(WORDS[r.nextInt(WORDS.length)]).append(".kubernetes.io/").append(WORDS[r.nextInt(WORDS.length)])
          .append("\":\"").append(WORDS[r.nextInt(WORDS.length)]).append("\",");
    }
    sb.append("\"pod-template-hash\":\"").append(hex(r, 10)).append("\"},\"managedFields\":[");
    int container = 0;
    // Fill with container-like entries until the target size: names, images with digests, env
    // vars, ports, probes; the mix of repeated field names and random ids is what makes real
    // objects compress a few times, not a hundred.
    while (sb.length() < size - 200) {
      sb.append("{\"name\":\"").append(WORDS[r.nextInt(WORDS.length)]).append('-').append(container++)
          .append("\",\"image\":\"registry.example.com/").append(WORDS[r.nextInt(WORDS.length)]).append("@sha256:")
          .append(hex(r, 64)).append("\",\"env\":[{\"name\":\"").append(WORDS[r.nextInt(WORDS.length)].toUpperCase())
          .append("_TOKEN\",\"value\":\"").append(base64ish(r, 24 + r.nextInt(40)))
          .append("\"}],\"ports\":[{\"containerPort\":").append(r.nextInt(1024, 65535))
          .append(",\"protocol\":\"TCP\"}],\"resources\":{\"limits\":{\"cpu\":\"").append(r.nextInt(1, 4000))
          .append("m\",\"memory\":\"").append(r.nextInt(64, 8192)).append("Mi\"}},\"readinessProbe\":{\"httpGet\":{\"path\":\"/")
          .append(WORDS[r.nextInt(WORDS.length)]).append("\",\"port\":").append(r.nextInt(1024, 65535))
          .append("},\"periodSeconds\":10},\"imagePullPolicy\":\"IfNotPresent\"},");
    }
    sb.append("{}]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.").append(r.nextInt(256)).append('.')
        .append(r.nextInt(256)).append('.').append(r.nextInt(256)).append("\"}}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String hex(SplittableRandom r, int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(Character.forDigit(r.nextInt(16), 16));
    }
    return sb.toString();
  }

  static String base64ish(SplittableRandom r, int n) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(r.nextInt(64)));
    }
    return sb.toString();
  }

  static byte[] randomBytes(SplittableRandom r, int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i += 8) {
      long v = r.nextLong();
      for (int j = 0; j < 8 && i + j < size; j++) {
        b[i + j] = (byte) (v >>> (8 * j));
      }
    }
    return b;
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
