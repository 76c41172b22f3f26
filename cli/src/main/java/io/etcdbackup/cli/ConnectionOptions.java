package io.etcdbackup.cli;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.etcd.EtcdClients;
import io.etcdbackup.core.etcd.EtcdConnectionConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * etcdctl's connection flags, with its names and environment variables (see {@link EnvDefaults}),
 * shared by every command that talks to etcd.
 */
final class ConnectionOptions {

  @Option(names = "--endpoints", paramLabel = "URLS", defaultValue = "127.0.0.1:2379",
      description = "Comma-separated etcd client URLs (env ETCD_BACKUP_ENDPOINTS or ETCDCTL_ENDPOINTS; default ${DEFAULT-VALUE}).")
  String endpoints;

  @Option(names = "--cacert", paramLabel = "FILE",
      description = "CA bundle (PEM) that verifies the etcd servers' certificates (env ETCDCTL_CACERT).")
  Path cacert;

  @Option(names = "--cert", paramLabel = "FILE", description = "Client certificate (PEM) (env ETCDCTL_CERT).")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE",
      description = "Client private key: PKCS#8, PKCS#1 RSA or SEC1 EC PEM (env ETCDCTL_KEY).")
  Path key;

  @Option(names = "--user", paramLabel = "NAME[:PASSWORD]",
      description = "etcd user, optionally with its password after a colon (env ETCDCTL_USER).")
  String user;

  @Option(names = "--password", paramLabel = "PASSWORD", arity = "1",
      description = "Password of --user; prefer --password-file (env ETCDCTL_PASSWORD).")
  String password;

  @Option(names = "--password-file", paramLabel = "FILE",
      description = "File whose first line is the password of --user.")
  Path passwordFile;

  @Option(names = "--insecure-skip-tls-verify", defaultValue = "false",
      description = "Accept any server certificate (emergencies only).")
  boolean insecureSkipTlsVerify;

  @Option(names = "--dial-timeout", paramLabel = "DURATION", defaultValue = "2s", converter = GoDuration.class,
      description = "Time to connect to one endpoint (default ${DEFAULT-VALUE}).")
  Duration dialTimeout;

  @Option(names = "--command-timeout", paramLabel = "DURATION", defaultValue = "5s", converter = GoDuration.class,
      description = "Time one request may take (default ${DEFAULT-VALUE}).")
  Duration commandTimeout;

  EtcdConnectionConfig toConfig() {
    boolean tls = cacert != null || cert != null || insecureSkipTlsVerify;
    Optional<String> name = Optional.ofNullable(user);
    Optional<String> pw = Optional.ofNullable(password);
    // etcdctl accepts --user name:password
    if (user != null && user.contains(":") && password == null && passwordFile == null) {
      name = Optional.of(user.substring(0, user.indexOf(':')));
      pw = Optional.of(user.substring(user.indexOf(':') + 1));
    }
    if (passwordFile != null) {
      if (password != null) {
        throw new InvalidInputException("--password and --password-file are both given: use one");
      }
      pw = Optional.of(EtcdConnectionConfig.readPasswordFile(passwordFile));
    }
    return new EtcdConnectionConfig(EtcdConnectionConfig.parseEndpoints(endpoints, tls),
        Optional.ofNullable(cacert), Optional.ofNullable(cert), Optional.ofNullable(key), name, pw,
        insecureSkipTlsVerify, dialTimeout, commandTimeout);
  }

  EtcdClients clients() {
    return new EtcdClients(toConfig());
  }
}
