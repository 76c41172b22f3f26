package io.etcdbackup.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class LogLinesTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Instant T = Instant.parse("2026-12-02T10:00:00.123Z");

  @Test
  void aJsonLineIsOneObjectWithTheContextPairsAsFields() {
    String line = LogLines.json("io.etcdbackup.scheduler.ScheduleDaemon", Level.INFO,
        "job end cluster=prod job=backup outcome=success reason=ok duration=1.2s: backup 20261202T100000Z-r42 revision 42",
        null, T);
    assertThat(line).endsWith("}\n").doesNotContain("\n{");
    assertThat(line.strip()).doesNotContain("\n");
    JsonNode j = JSON.readTree(line);
    assertThat(j.get("time").asString()).isEqualTo("2026-12-02T10:00:00.123Z");
    assertThat(j.get("level").asString()).isEqualTo("INFO");
    assertThat(j.get("logger").asString()).isEqualTo("io.etcdbackup.scheduler.ScheduleDaemon");
    assertThat(j.get("cluster").asString()).isEqualTo("prod");
    assertThat(j.get("duration").asString()).as("the colon after it is prose").isEqualTo("1.2s");
    assertThat(j.get("reason").asString()).isEqualTo("ok");
    assertThat(j.get("message").asString()).startsWith("job end cluster=prod");
  }

  @Test
  void controlCharactersAndQuotesAreEscapedAndAStackIsAField() {
    String line = LogLines.json("x.Y", Level.WARN, "a \"quoted\"\nfake line\u0007 message=override level=DEBUG",
        new IllegalStateException("boom"), T);
    assertThat(line.strip()).as("one line whatever the message holds").doesNotContain("\n");
    JsonNode j = JSON.readTree(line);
    assertThat(j.get("message").asString()).isEqualTo("a \"quoted\"\nfake line\u0007 message=override level=DEBUG");
    assertThat(j.get("level").asString()).as("a pair never overrides a reserved field").isEqualTo("WARN");
    assertThat(j.get("error").asString()).isEqualTo("java.lang.IllegalStateException: boom");
    assertThat(j.get("stack").asString()).contains("at io.etcdbackup.cli.logging.LogLinesTest");
  }

  @Test
  void theTextLineIsTimeLevelShortNameAndMessage() {
    String line = LogLines.text("io.etcdbackup.core.backup.SnapshotBackup", Level.INFO, "backup committed cluster=prod", null, T);
    assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.123\\S* INFO SnapshotBackup - backup committed cluster=prod\n");
  }

  @Test
  void theLongestPrefixSetsTheLevel() {
    try {
      LogLines.configure(LogLines.Format.TEXT, Level.WARN,
          java.util.Map.of("io.etcdbackup", Level.INFO, "io.grpc.netty.NettyClientHandler", Level.INFO, "io.grpc", Level.DEBUG));
      assertThat(LogLines.enabled("io.etcdbackup.cli.Main", Level.INFO)).isTrue();
      assertThat(LogLines.enabled("io.etcdbackup.cli.Main", Level.DEBUG)).isFalse();
      assertThat(LogLines.enabled("io.grpc.netty.NettyClientHandler", Level.DEBUG)).isFalse();
      assertThat(LogLines.enabled("io.grpc.netty.Other", Level.DEBUG)).isTrue();
      assertThat(LogLines.enabled("org.other", Level.INFO)).isFalse();
      assertThat(LogLines.enabled("io.etcdbackupx.Y", Level.INFO)).as("a prefix ends at a dot").isFalse();
    } finally {
      LogLines.configure(LogLines.Format.TEXT, Level.WARN, java.util.Map.of("io.etcdbackup", Level.INFO));
    }
  }
}
