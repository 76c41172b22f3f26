package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RevisionsTest {

  @Test
  void encodesBigEndianMainUnderscoreSub() {
    byte[] k = Revisions.encode(0x0102030405060708L, 3);
    assertThat(HexFormat.of().formatHex(k)).isEqualTo("0102030405060708" + "5f" + "0000000000000003");
    assertThat(Revisions.main(k)).isEqualTo(0x0102030405060708L);
    assertThat(Revisions.sub(k)).isEqualTo(3);
    assertThat(Revisions.isTombstone(k)).isFalse();
  }

  @Test
  void tombstoneIsEighteenBytesEndingInT() {
    byte[] t = Arrays.copyOf(Revisions.encode(12, 0), 18);
    t[17] = 't';
    assertThat(Revisions.isTombstone(t)).isTrue();
    assertThat(Revisions.main(t)).isEqualTo(12);
    t[17] = 'x';
    assertThat(Revisions.isTombstone(t)).isFalse();
  }

  @Test
  void byteOrderIsRevisionOrder() {
    assertThat(Arrays.compareUnsigned(Revisions.encode(255, 0), Revisions.encode(256, 0))).isNegative();
    assertThat(Arrays.compareUnsigned(Revisions.encode(7, 1), Revisions.encode(7, 2))).isNegative();
    assertThat(Arrays.compareUnsigned(Revisions.encode(1L << 40, 0), Revisions.encode((1L << 40) + 1, 0))).isNegative();
  }

  @Test
  void shortKeysAreRefused() {
    assertThatThrownBy(() -> Revisions.main(new byte[8])).isInstanceOf(IllegalArgumentException.class);
  }
}
