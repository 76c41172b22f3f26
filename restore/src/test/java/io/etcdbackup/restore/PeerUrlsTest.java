package io.etcdbackup.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeerUrlsTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "http://127.0.0.1:2380|http://127.0.0.1:2380",
      "'  http://127.0.0.1:2380\t'|http://127.0.0.1:2380",
      "HTTPS://Node-1.Example:2380|https://Node-1.Example:2380",
      "http://[::1]:2380|http://[::1]:2380",
      "http://[fe80::1]:|http://[fe80::1]:",
      "http://:2380|http://:2380",
      "http://h:|http://h:",
      "unix://localhost:1234|unix://localhost:1234",
      "unixs:///tmp/etcd.sock|unixs:///tmp/etcd.sock",
      "unix:/tmp/etcd.sock|unix:/tmp/etcd.sock"})
  void canonicalFormIsGoUrlString(String in, String expected) {
    assertThat(PeerUrls.canonical(in)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "127.0.0.1:2380|URL scheme must be http, https, unix, or unixs: 127.0.0.1:2380",
      "ftp://h:1|URL scheme must be http, https, unix, or unixs: ftp://h:1",
      "http://h|URL address does not have the form \"host:port\": http://h",
      "http://::1:2380|URL address does not have the form \"host:port\": http://::1:2380",
      "http:h:1|URL address does not have the form \"host:port\": http:h:1",
      "http://h:1/|URL must not contain a path: http://h:1/",
      "http://h:x|invalid port \":x\" after host: http://h:x",
      "http://u@h:1|URL must not contain user info: http://u@h:1",
      "http://h:1?a=b|URL must not contain a query: http://h:1?a=b",
      "http://h:1#f|URL must not contain a fragment: http://h:1#f",
      "http://h h:1|unsupported character \" \" in host name: http://h h:1",
      "http://[::1:2380|missing ']' in host: http://[::1:2380",
      ":x|URL scheme must be http, https, unix, or unixs: :x"})
  void refusesWhatEtcdRefusesOrWhatCannotBeReproducedExactly(String in, String message) {
    assertThatThrownBy(() -> PeerUrls.canonical(in))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void refusesControlCharacters() {
    assertThatThrownBy(() -> PeerUrls.canonical("http://h\u0001:1"))
        .hasMessage("invalid control character in URL: \"http://h\\u0001:1\"");
  }

  @Test
  void listIsSortedByStringForm() {
    assertThat(PeerUrls.parse(List.of("https://b:1", "http://c:1", "HTTP://a:1")))
        .containsExactly("http://a:1", "http://c:1", "https://b:1");
  }

  @Test
  void emptyListIsRefused() {
    assertThatThrownBy(() -> PeerUrls.parse(List.of())).hasMessage("no valid URLs given");
  }
}
