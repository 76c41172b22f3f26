package io.etcdbackup.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for tests: a CA, server certificates valid for 127.0.0.1 and
 * localhost (also usable as peer client certificates), and client certificates whose private key
 * is written in any of the PEM forms operators meet (PKCS#8, PKCS#1 RSA as kubeadm writes, SEC1 EC).
 */
public final class TestPki {

  /** The PEM form a private key file is written in. */
  public enum KeyFormat {
    /** {@code BEGIN PRIVATE KEY}, an EC key. */
    PKCS8_EC,
    /** {@code BEGIN PRIVATE KEY}, an RSA key. */
    PKCS8_RSA,
    /** {@code BEGIN RSA PRIVATE KEY}: what kubeadm and openssl genrsa (1.x) write. */
    PKCS1_RSA,
    /** {@code BEGIN EC PRIVATE KEY}: what openssl ecparam -genkey writes. */
    SEC1_EC
  }

  /** Paths of one certificate and its key. */
  public record CertFiles(Path cert, Path key) {}

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final String name;
  private final KeyPair caKeys;
  private final X509Certificate caCert;
  private final Path caFile;

  private TestPki(Path dir, String name) {
    this.dir = dir;
    this.name = name;
    try {
      Files.createDirectories(dir);
      this.caKeys = ecKeys();
      X500Name subject = new X500Name("CN=" + name + " test CA");
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))),
          subject, caKeys.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
      this.caCert = sign(b, caKeys.getPrivate());
      this.caFile = dir.resolve(name + "-ca.crt");
      writePem(caFile, caCert);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot create test CA", e);
    }
  }

  /** A new CA whose files live in {@code dir}; {@code name} prefixes every file name. */
  public static TestPki create(Path dir, String name) {
    return new TestPki(dir, name);
  }

  public Path caFile() {
    return caFile;
  }

  /** The directory every file of this PKI is written to. */
  public Path dir() {
    return dir;
  }

  public X509Certificate caCertificate() {
    return caCert;
  }

  /** A server certificate for 127.0.0.1 and localhost that may also act as a TLS client (etcd peers). */
  public CertFiles server(String cn) {
    return server(cn, List.of());
  }

  /** As {@link #server(String)}, also valid for {@code dnsNames} (containers reached by network alias). */
  public CertFiles server(String cn, List<String> dnsNames) {
    return issue(cn, KeyFormat.PKCS8_EC, true, Instant.now().plus(Duration.ofDays(1)), dnsNames);
  }

  /** A client certificate with the given common name (etcd maps it to a user when auth is on). */
  public CertFiles client(String cn, KeyFormat format) {
    return issue(cn, format, false, Instant.now().plus(Duration.ofDays(1)));
  }

  /** A client certificate that expired an hour ago. */
  public CertFiles expiredClient(String cn) {
    return issue(cn, KeyFormat.PKCS8_EC, false, Instant.now().minus(Duration.ofHours(1)));
  }

  /** An SSLContext trusting this CA and presenting the given certificate: for HTTP probes in tests. */
  public SSLContext sslContext(String cn) {
    try {
      KeyPair kp = ecKeys();
      X509Certificate cert = certificate(cn, kp, false, Instant.now().plus(Duration.ofDays(1)));
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("client", kp.getPrivate(), new char[0], new java.security.cert.Certificate[] {cert, caCert});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), trustManagers().getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A trust manager factory holding only this CA. */
  public TrustManagerFactory trustManagers() {
    try {
      KeyStore ts = KeyStore.getInstance("PKCS12");
      ts.load(null, null);
      ts.setCertificateEntry("ca", caCert);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ts);
      return tmf;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A PKCS#12 key store (password {@code password}) with a server certificate: for HTTPS test servers. */
  public Path serverKeyStore(String cn, String password) {
    try {
      KeyPair kp = ecKeys();
      X509Certificate cert = certificate(cn, kp, true, Instant.now().plus(Duration.ofDays(1)));
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("server", kp.getPrivate(), password.toCharArray(),
          new java.security.cert.Certificate[] {cert, caCert});
      Path p = dir.resolve(name + "-" + cn + "-" + SERIAL.incrementAndGet() + ".p12");
      try (var out = Files.newOutputStream(p)) {
        ks.store(out, password.toCharArray());
      }
      return p;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private CertFiles issue(String cn, KeyFormat format, boolean server, Instant notAfter) {
    return issue(cn, format, server, notAfter, List.of());
  }

  private CertFiles issue(String cn, KeyFormat format, boolean server, Instant notAfter, List<String> dnsNames) {
    try {
      KeyPair kp = switch (format) {
        case PKCS8_EC, SEC1_EC -> ecKeys();
        case PKCS8_RSA, PKCS1_RSA -> rsaKeys();
      };
      X509Certificate cert = certificate(cn, kp, server, notAfter, dnsNames);
      String base = name + "-" + cn + "-" + format.name().toLowerCase() + "-" + SERIAL.incrementAndGet();
      Path certFile = dir.resolve(base + ".crt");
      Path keyFile = dir.resolve(base + ".key");
      writePem(certFile, cert);
      switch (format) {
        case PKCS8_EC, PKCS8_RSA -> writePem(keyFile, new JcaPKCS8Generator(kp.getPrivate(), null).generate());
        // JcaPEMWriter writes a bare RSA key as PKCS#1, as kubeadm does.
        case PKCS1_RSA -> writePem(keyFile, kp.getPrivate());
        case SEC1_EC -> writePem(keyFile, sec1(kp));
      }
      return new CertFiles(certFile, keyFile);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue test certificate " + cn, e);
    }
  }

  private X509Certificate certificate(String cn, KeyPair kp, boolean server, Instant notAfter)
      throws GeneralSecurityException, IOException {
    return certificate(cn, kp, server, notAfter, List.of());
  }

  private X509Certificate certificate(String cn, KeyPair kp, boolean server, Instant notAfter, List<String> dnsNames)
      throws GeneralSecurityException, IOException {
    Instant notBefore = notAfter.isBefore(Instant.now())
        ? notAfter.minus(Duration.ofDays(1)) : Instant.now().minus(Duration.ofHours(1));
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
        Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + cn), kp.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true,
        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
    if (server) {
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
          new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      List<GeneralName> names = new ArrayList<>(List.of(
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
          new GeneralName(GeneralName.dNSName, "localhost")));
      dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
    } else {
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    }
    return sign(b, caKeys.getPrivate());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) throws GeneralSecurityException {
    try {
      ContentSigner cs = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
      return new JcaX509CertificateConverter().getCertificate(b.build(cs));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /**
   * SEC1 {@code EC PRIVATE KEY} with the curve and public key, as {@code openssl ecparam -genkey}
   * writes it (JcaPEMWriter would omit the curve, which no tool can read back).
   */
  private static org.bouncycastle.util.io.pem.PemObject sec1(KeyPair kp) throws IOException {
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(kp.getPrivate().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey inner =
        org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
    org.bouncycastle.asn1.x509.SubjectPublicKeyInfo spki =
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey full = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
        spki.getPublicKeyData(), info.getPrivateKeyAlgorithm().getParameters());
    return new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", full.getEncoded());
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet()).add(BigInteger.valueOf(RANDOM.nextInt(1 << 20)));
  }

  private static KeyPair ecKeys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static KeyPair rsaKeys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static void writePem(Path file, Object o) {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Files.writeString(file, sw.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
