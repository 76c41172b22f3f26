package io.etcdbackup.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import io.etcdbackup.core.etcd.EtcdConnectionConfig;
import io.etcdbackup.core.store.ObjectLock;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OptionsTest {

  @Test
  void goDurationsParseAsEtcdctlWritesThem() {
    assertThat(GoDuration.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(GoDuration.parse("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(GoDuration.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(GoDuration.parse("PT3S")).isEqualTo(Duration.ofSeconds(3));
    assertThatThrownBy(() -> GoDuration.parse("5")).isInstanceOf(InvalidInputException.class).hasMessageContaining("'5'");
    assertThatThrownBy(() -> GoDuration.parse("2s junk")).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void environmentFillsConnectionOptionsOursBeforeEtcdctls() {
    ConnectionOptions o = parse(Map.of("ETCDCTL_ENDPOINTS", "https://a:2379", "ETCD_BACKUP_ENDPOINTS", "https://b:2379",
        "ETCDCTL_DIAL_TIMEOUT", "7s"));
    assertThat(o.endpoints).isEqualTo("https://b:2379");
    assertThat(o.dialTimeout).isEqualTo(Duration.ofSeconds(7));
    ConnectionOptions flagWins = parse(Map.of("ETCDCTL_ENDPOINTS", "https://a:2379"), "--endpoints", "https://c:1");
    assertThat(flagWins.endpoints).isEqualTo("https://c:1");
  }

  @Test
  void userWithColonCarriesThePasswordAsInEtcdctl() {
    ConnectionOptions o = parse(Map.of(), "--endpoints", "http://127.0.0.1:2379", "--user", "root:pa:ss");
    EtcdConnectionConfig c = o.toConfig();
    assertThat(c.user()).contains("root");
    assertThat(c.password()).contains("pa:ss");
    assertThat(c.toString()).doesNotContain("pa:ss").contains("password=****");
  }

  @Test
  void bareHostPortGetsHttpsOnlyWithTlsMaterial() {
    assertThat(EtcdConnectionConfig.parseEndpoints("10.0.0.1:2379, 10.0.0.2:2379", true))
        .containsExactly(URI.create("https://10.0.0.1:2379"), URI.create("https://10.0.0.2:2379"));
    assertThat(EtcdConnectionConfig.parseEndpoints("10.0.0.1:2379", false)).containsExactly(URI.create("http://10.0.0.1:2379"));
    assertThatThrownBy(() -> EtcdConnectionConfig.parseEndpoints("https://h:1/v3", true))
        .hasMessageContaining("must not have a path");
  }

  @Test
  void userWithoutPasswordIsRefusedWithWhatToDo() {
    ConnectionOptions o = parse(Map.of(), "--user", "root");
    assertThatThrownBy(o::toConfig).isInstanceOf(InvalidInputException.class)
        .hasMessage("--user root is given without a password: use --password-file FILE, --password, or --user NAME:PASSWORD");
  }

  @Test
  void sizesPrintLikeEtcdctl() {
    assertThat(Formats.bytes(20480)).isEqualTo("20 kB");
    assertThat(Formats.bytes(999)).isEqualTo("999 B");
    assertThat(Formats.bytes(1_234_567)).isEqualTo("1.2 MB");
    assertThat(Formats.bytes(8L << 30)).isEqualTo("8.6 GB");
  }

  @Test
  void objectLockFlagsComeFromTheEnvironmentToo() {
    StoreHolder h = new StoreHolder();
    CommandLine cl = new CommandLine(h);
    cl.setDefaultValueProvider(new EnvDefaults(Map.of("ETCD_BACKUP_S3_OBJECT_LOCK_DAYS", "30")));
    cl.parseArgs("--s3-object-lock-mode", "compliance");
    assertThat(h.store.options().objectLock()).isEqualTo(new ObjectLock(ObjectLock.Mode.COMPLIANCE, Duration.ofDays(30)));

    StoreHolder modeOnly = new StoreHolder();
    new CommandLine(modeOnly).parseArgs("--s3-object-lock-mode", "GOVERNANCE");
    assertThatThrownBy(modeOnly.store::options).isInstanceOf(InvalidInputException.class)
        .hasMessage("--s3-object-lock-mode (GOVERNANCE) needs --s3-object-lock-days as well");
  }

  @CommandLine.Command(name = "s")
  static final class StoreHolder {
    @CommandLine.Mixin StoreMixin store;
  }

  private static ConnectionOptions parse(Map<String, String> env, String... args) {
    Holder h = new Holder();
    CommandLine cl = new CommandLine(h);
    cl.setDefaultValueProvider(new EnvDefaults(env));
    cl.parseArgs(args);
    return h.connection;
  }

  @CommandLine.Command(name = "t")
  static final class Holder {
    @CommandLine.Mixin ConnectionOptions connection;
  }
}
