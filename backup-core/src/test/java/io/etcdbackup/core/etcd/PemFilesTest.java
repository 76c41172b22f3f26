package io.etcdbackup.core.etcd;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.testing.TestPki;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PemFilesTest {
  @TempDir
  Path tmp;

  /** Every key form etcdctl users hold, against its own certificate and against another's. */
  @ParameterizedTest
  @EnumSource(TestPki.KeyFormat.class)
  void aKeyMatchesOnlyItsOwnCertificate(TestPki.KeyFormat format) {
    TestPki pki = TestPki.create(tmp, "ca");
    TestPki.CertFiles mine = pki.client("me", format);
    TestPki.CertFiles rsa = pki.client("rsa", TestPki.KeyFormat.PKCS8_RSA);
    TestPki.CertFiles ec = pki.client("ec", TestPki.KeyFormat.PKCS8_EC);
    var key = PemFiles.privateKey("--key", mine.key());
    assertThatCode(() -> PemFiles.requireMatching(mine.key(), key, mine.cert(),
        PemFiles.certificates("--cert", mine.cert()).get(0))).doesNotThrowAnyException();
    for (TestPki.CertFiles other : java.util.List.of(rsa, ec)) {
      assertThatThrownBy(() -> PemFiles.requireMatching(mine.key(), key, other.cert(),
          PemFiles.certificates("--cert", other.cert()).get(0)))
          .isInstanceOf(InvalidInputException.class)
          .hasMessage("--key " + mine.key() + " does not belong to --cert " + other.cert()
              + ": the certificate's public key is not this key's; give the key issued with the certificate");
    }
  }
}
