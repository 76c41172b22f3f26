package io.etcdbackup.core.etcd;

import io.etcdbackup.core.InvalidInputException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Reads PEM certificates and private keys in the forms Kubernetes clusters hold them.
 *
 * <p>netty's own PEM reader only takes PKCS#8 ({@code BEGIN PRIVATE KEY}); kubeadm writes PKCS#1
 * RSA keys ({@code BEGIN RSA PRIVATE KEY}) and openssl writes SEC1 EC keys ({@code BEGIN EC PRIVATE
 * KEY}), so keys are parsed here with BouncyCastle and handed to netty as {@link PrivateKey}s
 * (LIBRARIES.md, jetcd 0.8.7).
 */
final class PemFiles {
  private PemFiles() {}

  static List<X509Certificate> certificates(String flag, Path file) {
    List<X509Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof X509CertificateHolder h) {
          out.add(converter.getCertificate(h));
        }
      }
    } catch (IOException | CertificateException e) {
      throw new InvalidInputException(flag + " (" + file + ") is not a PEM certificate file: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new InvalidInputException(flag + " (" + file + ") holds no PEM certificate (BEGIN CERTIFICATE)");
    }
    return out;
  }

  static PrivateKey privateKey(String flag, Path file) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof PEMKeyPair kp) {          // PKCS#1 RSA, SEC1 EC
          // A SEC1 key may omit its public key, so convert only the private part.
          return converter.getPrivateKey(kp.getPrivateKeyInfo());
        }
        if (o instanceof PrivateKeyInfo info) {    // PKCS#8
          return converter.getPrivateKey(info);
        }
        if (o instanceof org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo
            || o instanceof org.bouncycastle.openssl.PEMEncryptedKeyPair) {
          throw new InvalidInputException(flag + " (" + file
              + ") is an encrypted private key: etcd clients need an unencrypted key");
        }
      }
    } catch (PEMException e) {
      throw new InvalidInputException(flag + " (" + file + ") is not a usable PEM private key: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new InvalidInputException(flag + " (" + file + ") cannot be read: " + e.getMessage(), e);
    }
    throw new InvalidInputException(flag + " (" + file
        + ") holds no private key (expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)");
  }

  /**
   * Refuses a private key that does not belong to the certificate: signs a random challenge with
   * the key and verifies it with the certificate's public key. Without this check the TLS handshake
   * fails later with "General OpenSslEngine problem" (netty) and no word about which file is wrong.
   */
  static void requireMatching(Path keyFile, PrivateKey key, Path certFile, X509Certificate cert) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null; // an algorithm we cannot sign with here: leave it to the handshake
    };
    if (algorithm == null) {
      return;
    }
    boolean matches;
    try {
      byte[] challenge = new byte[32];
      new java.security.SecureRandom().nextBytes(challenge);
      java.security.Signature signer = java.security.Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(challenge);
      matches = verifier.verify(signature);
    } catch (java.security.InvalidKeyException | java.security.SignatureException e) {
      matches = false; // e.g. an RSA key beside an EC certificate
    } catch (java.security.NoSuchAlgorithmException e) {
      return;
    }
    if (!matches) {
      throw new InvalidInputException("--key " + keyFile + " does not belong to --cert " + certFile
          + ": the certificate's public key is not this key's; give the key issued with the certificate");
    }
  }
}
