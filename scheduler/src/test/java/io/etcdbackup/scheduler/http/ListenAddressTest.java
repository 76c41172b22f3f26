package io.etcdbackup.scheduler.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ListenAddressTest {

  @Test
  void noHostIsEveryInterface() {
    ListenAddress a = ListenAddress.parse("--listen", ":9808");

    assertThat(a.socket().getAddress().isAnyLocalAddress()).isTrue();
    assertThat(a.socket().getPort()).isEqualTo(9808);
    assertThat(a).hasToString("--listen :9808");
  }

  @Test
  void hostsAndLiterals() throws Exception {
    assertThat(ListenAddress.parse("--listen", "127.0.0.1:0").socket().getAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(ListenAddress.parse("--listen", "[::1]:9808").socket().getAddress()).isEqualTo(InetAddress.getByName("::1"));
    assertThat(ListenAddress.parse("--listen", "localhost:65535").socket().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void badValuesNameTheOptionAndTheRule() {
    for (String bad : new String[] {"9808", "", "host", "::1:9808", "127.0.0.1:", "127.0.0.1:http", ":-1", "[::1]9808"}) {
      assertThatThrownBy(() -> ListenAddress.parse("--listen", bad)).as(bad).isInstanceOf(InvalidInputException.class)
          .hasMessage("--listen (" + bad + ") must be [HOST]:PORT, e.g. :9808 or 127.0.0.1:9808");
    }
    assertThatThrownBy(() -> ListenAddress.parse("--listen", ":99999"))
        .hasMessage("--listen (:99999) must have a port from 0 to 65535");
  }
}
