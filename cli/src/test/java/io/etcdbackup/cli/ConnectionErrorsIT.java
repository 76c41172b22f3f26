package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcdbackup.testing.EtcdCluster;
import io.etcdbackup.testing.EtcdClusterExtension;
import io.etcdbackup.testing.EtcdVersion;
import io.etcdbackup.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each connection mistake an operator makes gives one line naming the endpoint and the cause, a
 * non-zero exit code, and no stack trace; every PEM key form kubeadm and openssl write works.
 */
class ConnectionErrorsIT {

  @RegisterExtension
  static final EtcdClusterExtension ETCD =
      new EtcdClusterExtension(EtcdCluster.builder().version(EtcdVersion.V3_5).members(1).auth("r00t-pw"));

  private static EtcdCluster cluster() {
    return ETCD.cluster();
  }

  private static Cli.Result members(String... connection) {
    return new Cli().run(List.of(connection), "members");
  }

  private static void assertOneLine(Cli.Result r, int code, String... fragments) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
    String err = r.err().strip();
    assertThat(err.lines()).as(r.toString()).hasSize(1);
    assertThat(err).startsWith("etcd-backup: ").doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(err).contains(fragments);
  }

  private static String[] auth(EtcdCluster c, TestPki.CertFiles client, Path ca) {
    return new String[] {"--endpoints", c.endpoints(), "--cacert", ca.toString(), "--cert", client.cert().toString(),
        "--key", client.key().toString(), "--user", "root", "--password", c.rootPassword()};
  }

  @Test
  void rightCredentialsWork() {
    EtcdCluster c = cluster();
    Cli.Result ok = members(auth(c, c.clientCert(), c.caFile()));
    assertThat(ok.exitCode()).as(ok.toString()).isZero();
    assertThat(ok.out()).contains("m1").contains(c.member(0).clientUrl());
  }

  @Test
  void wrongCaNamesTheEndpointAndTheCa(@org.junit.jupiter.api.io.TempDir Path tmp) {
    EtcdCluster c = cluster();
    TestPki other = TestPki.create(tmp, "other");
    Cli.Result r = members(auth(c, c.clientCert(), other.caFile()));
    assertOneLine(r, ExitCodes.UNAVAILABLE, c.member(0).clientUrl(), "not signed by a CA in --cacert " + other.caFile());
  }

  @Test
  void missingClientCertificateSaysToPassOne() {
    EtcdCluster c = cluster();
    Cli.Result r = members("--endpoints", c.endpoints(), "--cacert", c.caFile().toString(),
        "--user", "root", "--password", c.rootPassword());
    assertOneLine(r, ExitCodes.UNAVAILABLE, c.member(0).clientUrl(), "requires a client certificate: pass --cert and --key");
  }

  @Test
  void expiredClientCertificateIsNamed() {
    EtcdCluster c = cluster();
    TestPki.CertFiles expired = c.pki().expiredClient("old-client");
    Cli.Result r = members(auth(c, expired, c.caFile()));
    assertOneLine(r, ExitCodes.UNAVAILABLE, c.member(0).clientUrl(), "--cert " + expired.cert() + " expired on");
  }

  /** Issue 13, defect 6: this said "General OpenSslEngine problem", naming neither file. */
  @Test
  void aKeyThatIsNotTheCertificatesIsAUsageErrorNamingBothFiles() {
    EtcdCluster c = cluster();
    TestPki.CertFiles other = c.pki().client("someone-else", TestPki.KeyFormat.PKCS8_EC);
    String[] args = auth(c, c.clientCert(), c.caFile());
    args[7] = other.key().toString(); // --key of another certificate
    Cli.Result r = members(args);
    assertOneLine(r, ExitCodes.USAGE, "--key " + other.key() + " does not belong to --cert " + c.clientCert().cert());
  }

  /** Issue 13, defect 6: this said "Network closed for unknown reason". */
  @Test
  void plainHttpToTheTlsPortSaysToUseHttps() {
    EtcdCluster c = cluster();
    String[] args = auth(c, c.clientCert(), c.caFile());
    args[1] = c.member(0).clientUrl().replace("https://", "http://");
    Cli.Result r = members(args);
    assertOneLine(r, ExitCodes.UNAVAILABLE, args[1], "use https://");
  }

  @Test
  void unreachableEndpointSaysConnectionRefused() {
    EtcdCluster c = cluster();
    int port = EtcdCluster.freePorts(1)[0];
    String[] args = auth(c, c.clientCert(), c.caFile());
    args[1] = "https://127.0.0.1:" + port;
    Cli.Result r = members(args);
    assertOneLine(r, ExitCodes.UNAVAILABLE, "https://127.0.0.1:" + port, "connection refused");
  }

  @Test
  void badPasswordSaysAuthenticationFailed(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    EtcdCluster c = cluster();
    Path pw = Files.writeString(tmp.resolve("pw"), "not-the-password\n");
    Cli.Result r = members("--endpoints", c.endpoints(), "--cacert", c.caFile().toString(),
        "--cert", c.clientCert().cert().toString(), "--key", c.clientCert().key().toString(),
        "--user", "root", "--password-file", pw.toString());
    assertOneLine(r, ExitCodes.UNAVAILABLE, c.member(0).clientUrl(), "authentication failed for user root");
  }

  @Test
  void noCredentialsWithAuthOnSaysAuthenticationIsRequired() {
    EtcdCluster c = cluster();
    Cli.Result r = members("--endpoints", c.endpoints(), "--cacert", c.caFile().toString(),
        "--cert", c.clientCert().cert().toString(), "--key", c.clientCert().key().toString());
    // health's linearizable read is refused too: the endpoint is reported, with the cause
    Cli.Result h = new Cli().run("health", "--endpoints", c.endpoints(), "--cacert", c.caFile().toString(),
        "--cert", c.clientCert().cert().toString(), "--key", c.clientCert().key().toString());
    // etcd serves the member list without authentication, so members works; health needs more
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(h.exitCode()).as(h.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(h.out()).contains(c.member(0).clientUrl() + " is unhealthy: status: etcd requires authentication");
  }

  @Test
  void environmentVariablesOfEtcdctlCarryOver() {
    EtcdCluster c = cluster();
    Cli.Result r = new Cli()
        .env("ETCDCTL_ENDPOINTS", c.endpoints())
        .env("ETCDCTL_CACERT", c.caFile().toString())
        .env("ETCDCTL_CERT", c.clientCert().cert().toString())
        .env("ETCDCTL_KEY", c.clientCert().key().toString())
        .env("ETCDCTL_USER", "root")
        .env("ETCD_BACKUP_PASSWORD", c.rootPassword())
        .run("members", "-w", "json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("\"name\" : \"m1\"");
  }

  @ParameterizedTest
  @EnumSource(TestPki.KeyFormat.class)
  void everyPemKeyFormWorks(TestPki.KeyFormat format) throws Exception {
    EtcdCluster c = cluster();
    TestPki.CertFiles client = c.pki().client("client-" + format.name().toLowerCase(), format);
    String pem = Files.readString(client.key());
    switch (format) {
      case PKCS1_RSA -> assertThat(pem).contains("BEGIN RSA PRIVATE KEY");
      case SEC1_EC -> assertThat(pem).contains("BEGIN EC PRIVATE KEY");
      default -> assertThat(pem).contains("BEGIN PRIVATE KEY");
    }
    Cli.Result r = members(auth(c, client, c.caFile()));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).contains("m1");
  }

  @Test
  void badValuesAreUsageErrors(@org.junit.jupiter.api.io.TempDir Path tmp) {
    Cli.Result noKey = new Cli().run("members", "--endpoints", "https://127.0.0.1:1", "--cert", "/etc/hostname");
    assertOneLine(noKey, ExitCodes.USAGE, "--cert is given without --key");
    Cli.Result badScheme = new Cli().run("members", "--endpoints", "ftp://127.0.0.1:1");
    assertOneLine(badScheme, ExitCodes.USAGE, "--endpoints (ftp://127.0.0.1:1) must use http or https");
    Cli.Result badDuration = new Cli().run("members", "--dial-timeout", "soon");
    assertThat(badDuration.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(badDuration.err()).contains("'soon' is not a duration");
  }
}
