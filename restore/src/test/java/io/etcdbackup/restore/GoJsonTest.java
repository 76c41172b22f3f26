package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GoJsonTest {

  @Test
  void escapesLikeGoEncodingJsonWithHtmlEscaping() {
    assertThat(GoJson.quote("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
    assertThat(GoJson.quote("<&>")).isEqualTo("\"\\u003c\\u0026\\u003e\"");
    assertThat(GoJson.quote("\n\r\t")).isEqualTo("\"\\n\\r\\t\"");
    // Go 1.22+ (etcdutl 3.5.30 is built with Go 1.26) writes \b and \f short forms.
    assertThat(GoJson.quote("\b\f")).isEqualTo("\"\\b\\f\"");
    assertThat(GoJson.quote("\u0000\u001f")).isEqualTo("\"\\u0000\\u001f\"");
    assertThat(GoJson.quote("\u2028\u2029")).isEqualTo("\"\\u2028\\u2029\"");
  }

  @Test
  void keepsOtherCharactersAsTheyAre() {
    assertThat(GoJson.quote("é/ü\u007f😀'")).isEqualTo("\"é/ü\u007f😀'\"");
  }

  @Test
  void unpairedSurrogatesBecomeTheReplacementCharacter() {
    assertThat(GoJson.quote("a\ud800b\udc00")).isEqualTo("\"a\\ufffdb\\ufffd\"");
  }

  @Test
  void stringArraysAndUnsignedNumbers() {
    StringBuilder sb = new StringBuilder();
    GoJson.appendStringArray(sb, List.of("x", "y"));
    assertThat(sb).hasToString("[\"x\",\"y\"]");
    assertThat(GoJson.unsigned(0xebe7375547f84cfbL)).isEqualTo("16998616157952429307");
  }

  @Test
  void memberJsonHasEtcdsFieldOrderAndOmitsEmptyFields() {
    PlannedMember m = new PlannedMember("b<&>\"é", 0x655c9f7380796ec7L,
        List.of("http://10.0.0.2:2380", "https://[::1]:2381"));

    assertThat(new String(MemberJson.member(m), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(
        "{\"id\":7303888014113599175,\"peerURLs\":[\"http://10.0.0.2:2380\",\"https://[::1]:2381\"],"
            + "\"name\":\"b\\u003c\\u0026\\u003e\\\"é\"}");
    assertThat(MemberJson.raftAttributes(m))
        .isEqualTo("{\"peerURLs\":[\"http://10.0.0.2:2380\",\"https://[::1]:2381\"]}");
  }
}
