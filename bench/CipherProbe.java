import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import com.goterl.lazysodium.SodiumJava;
import io.etcdbackup.core.stream.AgeDecryption;
import io.etcdbackup.core.stream.AgeEncryption;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Provider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * ChaCha20-Poly1305 as age's STREAM uses it (64 KiB chunks, 12-byte nonces, empty AAD, 16-byte
 * tags), through each candidate, in one JVM on the same data, for the cipher section of
 * docs/benchmarks.md. Run by bench/cipher.sh once per JDK:
 *
 * <pre>
 * java -Xmx3g -cp CLASSPATH bench/CipherProbe.java [MB [ROUNDS]]
 * </pre>
 *
 * Candidates: {@code chunks}, the bare cipher over the chunks (no age framing) through the JDK's
 * own provider, Conscrypt (BoringSSL) and libsodium (lazysodium-java, JNA); {@code age}, a whole
 * age file through Jagged's channels with the JDK's provider and with Conscrypt's;
 * {@code etcd-backup}, {@code AgeEncryption}/{@code AgeDecryption} as they stand, with the provider
 * they choose on this JVM (-Detcdbackup.cipher=...). Every round encrypts and decrypts all of the
 * data; rounds go round the candidates, the first warms the JIT and is not counted, and the best of
 * the others is printed in MB/s of plaintext (10^6 bytes), one tab-separated line per candidate.
 */
public final class CipherProbe {
  static final int CHUNK = 64 * 1024;
  static final int TAG = 16;

  public static void main(String[] args) throws Exception {
    int mb = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    byte[] data = k8sJson(mb * 1_000_000, 42);
    System.err.printf("data: %d bytes of Kubernetes-like JSON; %s %s%n", data.length,
        System.getProperty("java.vm.name"), Runtime.version());

    Provider conscrypt = org.conscrypt.Conscrypt.newProvider();
    SodiumJava sodium = new SodiumJava();
    if (sodium.sodium_init() < 0) {
      throw new IllegalStateException("sodium_init failed");
    }
    List<Candidate> all = new ArrayList<>();
    all.add(new Candidate("chunks", "JDK (" + Cipher.getInstance("ChaCha20-Poly1305").getProvider().getName() + ")",
        new JceChunks(null)));
    all.add(new Candidate("chunks", "Conscrypt " + conscryptVersion() + " (BoringSSL)", new JceChunks(conscrypt)));
    all.add(new Candidate("chunks", "libsodium (lazysodium-java " + System.getProperty("probe.lazysodium", "?") + ", JNA)", new SodiumChunks(sodium)));
    all.add(new Candidate("age", "Jagged 1.0.0 + JDK provider", new JaggedAge(null)));
    all.add(new Candidate("age", "Jagged 1.0.0 + Conscrypt", new JaggedAge(conscrypt)));
    all.add(new Candidate("etcd-backup", "AgeEncryption/AgeDecryption (etcdbackup.cipher="
        + System.getProperty("etcdbackup.cipher", "auto") + ")", new Production()));

    // Rounds go round the candidates, so noise from other work on the machine spreads over all.
    double[] bestEnc = new double[all.size()];
    double[] bestDec = new double[all.size()];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < all.size(); i++) {
        Candidate c = all.get(i);
        long t0 = System.nanoTime();
        Object sealed = c.impl.encrypt(data);
        long t1 = System.nanoTime();
        byte[] plain = c.impl.decrypt(sealed, data.length);
        long t2 = System.nanoTime();
        if (!Arrays.equals(plain, data)) {
          throw new AssertionError(c.name + ": the round trip lost data");
        }
        if (r > 0) {
          bestEnc[i] = Math.max(bestEnc[i], data.length / ((t1 - t0) / 1e3));
          bestDec[i] = Math.max(bestDec[i], data.length / ((t2 - t1) / 1e3));
        }
      }
    }
    for (int i = 0; i < all.size(); i++) {
      System.out.printf("%s\t%s\t%.0f\t%.0f%n", all.get(i).kind, all.get(i).name, bestEnc[i], bestDec[i]);
    }
  }

  static String conscryptVersion() {
    String v = org.conscrypt.Conscrypt.class.getPackage().getImplementationVersion();
    return v != null ? v : System.getProperty("probe.conscrypt", "?");
  }

  record Candidate(String kind, String name, Impl impl) {}

  interface Impl {
    Object encrypt(byte[] plain) throws Exception;

    byte[] decrypt(Object sealed, int plainLength) throws Exception;
  }

  /** age's STREAM nonce: an 11-byte big-endian chunk counter, then 1 on the last chunk, else 0. */
  static byte[] nonce(long counter, boolean last) {
    byte[] n = new byte[12];
    for (int i = 10; i >= 3; i--) {
      n[i] = (byte) counter;
      counter >>>= 8;
    }
    n[11] = (byte) (last ? 1 : 0);
    return n;
  }

  static final byte[] KEY = new byte[32];

  static {
    new SplittableRandom(7).nextBytes(KEY);
  }

  /** The bare AEAD through a JCE provider (null: the JDK's own), one Cipher.init per chunk. */
  static final class JceChunks implements Impl {
    private final Provider provider;
    private final SecretKeySpec key = new SecretKeySpec(KEY, "ChaCha20");

    JceChunks(Provider provider) {
      this.provider = provider;
    }

    private Cipher cipher() throws Exception {
      return provider == null ? Cipher.getInstance("ChaCha20-Poly1305") : Cipher.getInstance("ChaCha20-Poly1305", provider);
    }

    // Chunk by chunk through buffers of one chunk, as a stream has them: a JNI provider handed the
    // whole array may copy all of it on every call (Conscrypt does: 4 MB/s that way).
    @Override
    public Object encrypt(byte[] plain) throws Exception {
      int chunks = Math.max(1, (plain.length + CHUNK - 1) / CHUNK);
      byte[] out = new byte[plain.length + chunks * TAG];
      byte[] m = new byte[CHUNK];
      byte[] c = new byte[CHUNK + TAG];
      Cipher cipher = cipher();
      int o = 0;
      for (int i = 0; i < chunks; i++) {
        int off = i * CHUNK;
        int len = Math.min(CHUNK, plain.length - off);
        System.arraycopy(plain, off, m, 0, len);
        cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonce(i, i == chunks - 1)));
        int n = cipher.doFinal(m, 0, len, c, 0);
        System.arraycopy(c, 0, out, o, n);
        o += n;
      }
      return out;
    }

    @Override
    public byte[] decrypt(Object sealed, int plainLength) throws Exception {
      byte[] in = (byte[]) sealed;
      byte[] out = new byte[plainLength];
      byte[] c = new byte[CHUNK + TAG];
      byte[] m = new byte[CHUNK];
      Cipher cipher = cipher();
      int chunks = Math.max(1, (plainLength + CHUNK - 1) / CHUNK);
      int o = 0;
      for (int i = 0; i < chunks; i++) {
        int off = i * (CHUNK + TAG);
        int len = Math.min(CHUNK + TAG, in.length - off);
        System.arraycopy(in, off, c, 0, len);
        cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(nonce(i, i == chunks - 1)));
        int n = cipher.doFinal(c, 0, len, m, 0);
        System.arraycopy(m, 0, out, o, n);
        o += n;
      }
      return out;
    }
  }

  /** The bare AEAD through libsodium; JNA passes arrays whole, so each chunk goes through a buffer. */
  static final class SodiumChunks implements Impl {
    private final SodiumJava sodium;

    SodiumChunks(SodiumJava sodium) {
      this.sodium = sodium;
    }

    @Override
    public Object encrypt(byte[] plain) {
      int chunks = Math.max(1, (plain.length + CHUNK - 1) / CHUNK);
      byte[] out = new byte[plain.length + chunks * TAG];
      byte[] m = new byte[CHUNK];
      byte[] c = new byte[CHUNK + TAG];
      long[] cLen = new long[1];
      int o = 0;
      for (int i = 0; i < chunks; i++) {
        int off = i * CHUNK;
        int len = Math.min(CHUNK, plain.length - off);
        System.arraycopy(plain, off, m, 0, len);
        if (sodium.crypto_aead_chacha20poly1305_ietf_encrypt(c, cLen, m, len, null, 0, null, nonce(i, i == chunks - 1), KEY) != 0) {
          throw new IllegalStateException("encrypt failed");
        }
        System.arraycopy(c, 0, out, o, (int) cLen[0]);
        o += (int) cLen[0];
      }
      return out;
    }

    @Override
    public byte[] decrypt(Object sealed, int plainLength) {
      byte[] in = (byte[]) sealed;
      byte[] out = new byte[plainLength];
      byte[] c = new byte[CHUNK + TAG];
      byte[] m = new byte[CHUNK];
      long[] mLen = new long[1];
      int chunks = Math.max(1, (plainLength + CHUNK - 1) / CHUNK);
      int o = 0;
      for (int i = 0; i < chunks; i++) {
        int off = i * (CHUNK + TAG);
        int len = Math.min(CHUNK + TAG, in.length - off);
        System.arraycopy(in, off, c, 0, len);
        if (sodium.crypto_aead_chacha20poly1305_ietf_decrypt(m, mLen, null, c, len, null, 0, nonce(i, i == chunks - 1), KEY) != 0) {
          throw new IllegalStateException("tag mismatch");
        }
        System.arraycopy(m, 0, out, o, (int) mLen[0]);
        o += (int) mLen[0];
      }
      return out;
    }
  }

  static final KeyPair PAIR;

  static {
    try {
      PAIR = new X25519KeyPairGenerator().generateKeyPair();
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A whole age file (header, STREAM) through Jagged's channels, with a given provider. */
  static final class JaggedAge implements Impl {
    private final Provider provider;

    JaggedAge(Provider provider) {
      this.provider = provider;
    }

    @Override
    public Object encrypt(byte[] plain) throws Exception {
      ByteArrayOutputStream sealed = new ByteArrayOutputStream(plain.length + plain.length / 1000 + 1024);
      var factory = provider == null ? new StandardEncryptingChannelFactory() : new StandardEncryptingChannelFactory(provider);
      try (OutputStream out = Channels.newOutputStream(factory.newEncryptingChannel(Channels.newChannel(sealed),
          List.of(X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(PAIR.getPublic().toString()))))) {
        out.write(plain);
      }
      return sealed.toByteArray();
    }

    @Override
    public byte[] decrypt(Object sealed, int plainLength) throws Exception {
      var factory = provider == null ? new StandardDecryptingChannelFactory() : new StandardDecryptingChannelFactory(provider);
      try (InputStream in = Channels.newInputStream(factory.newDecryptingChannel(
          Channels.newChannel(new ByteArrayInputStream((byte[]) sealed)),
          List.of(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(PAIR.getPrivate().toString()))))) {
        return in.readNBytes(plainLength + 1);
      }
    }
  }

  /** etcd-backup's own age layer, as the pipeline calls it. */
  static final class Production implements Impl {
    private final AgeEncryption enc = AgeEncryption.toRecipients(List.of(PAIR.getPublic().toString()));
    private final AgeDecryption dec = AgeDecryption.withIdentities(List.of(PAIR.getPrivate().toString()));

    @Override
    public Object encrypt(byte[] plain) throws Exception {
      ByteArrayOutputStream sealed = new ByteArrayOutputStream(plain.length + plain.length / 1000 + 1024);
      try (OutputStream out = enc.encrypt(sealed)) {
        // 1 MiB writes, about what the pipeline's zstd stage hands on
        for (int off = 0; off < plain.length; off += 1 << 20) {
          out.write(plain, off, Math.min(1 << 20, plain.length - off));
        }
      }
      return sealed.toByteArray();
    }

    @Override
    public byte[] decrypt(Object sealed, int plainLength) throws Exception {
      try (InputStream in = dec.decrypt(new ByteArrayInputStream((byte[]) sealed), "probe")) {
        return in.readNBytes(plainLength + 1);
      }
    }
  }

  /** Kubernetes-like JSON objects of 1-20 KiB, one per line, as bench/Loader.java makes them. */
  static byte[] k8sJson(int size, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    String[] kinds = {"Pod", "ConfigMap", "Secret", "Event", "Service", "Deployment", "ReplicaSet", "Lease"};
    String[] namespaces = {"default", "kube-system", "monitoring", "ingress", "payments"};
    StringBuilder sb = new StringBuilder(size + 32 * 1024);
    while (sb.length() < size) {
      int target = (int) Math.exp(Math.log(1024) + r.nextDouble() * Math.log(20));
      int start = sb.length();
      String kind = kinds[r.nextInt(kinds.length)];
      sb.append("{\"apiVersion\":\"v1\",\"kind\":\"").append(kind).append("\",\"metadata\":{\"name\":\"")
          .append(kind.toLowerCase()).append('-').append(hex(r, 10)).append("\",\"namespace\":\"")
          .append(namespaces[r.nextInt(namespaces.length)]).append("\",\"uid\":\"").append(hex(r, 8)).append('-')
          .append(hex(r, 4)).append('-').append(hex(r, 4)).append('-').append(hex(r, 12))
          .append("\",\"resourceVersion\":\"").append(r.nextInt(1_000_000_000))
          .append("\",\"labels\":{\"app\":\"svc-").append(r.nextInt(200)).append("\",\"pod-template-hash\":\"")
          .append(hex(r, 10)).append("\"}},\"spec\":{\"containers\":[");
      while (sb.length() - start < target) {
        sb.append("{\"name\":\"c").append(r.nextInt(10)).append("\",\"image\":\"registry.example.io/team/app:")
            .append(r.nextInt(100)).append('.').append(r.nextInt(100)).append("\",\"env\":[{\"name\":\"TOKEN\",\"value\":\"")
            .append(hex(r, 32)).append("\"}],\"resources\":{\"limits\":{\"cpu\":\"").append(r.nextInt(4000))
            .append("m\",\"memory\":\"").append(r.nextInt(8192)).append("Mi\"}}},");
      }
      sb.setLength(sb.length() - 1);
      sb.append("]}}\n");
    }
    return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.UTF_8), size);
  }

  static String hex(SplittableRandom r, int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(Character.forDigit(r.nextInt(16), 16));
    }
    return sb.toString();
  }
}
