package io.etcdbackup.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.IntegrityException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EtcdSchemaTest {

  @Test
  void u64MetaValuesAreEightBytesBigEndian() {
    byte[] b = EtcdSchema.encodeU64(0x0102030405060708L);
    assertThat(HexFormat.of().formatHex(b)).isEqualTo("0102030405060708");
    assertThat(EtcdSchema.decodeU64(b)).isEqualTo(0x0102030405060708L);
    // etcd's values are uint64: the top bit is data, not a sign to extend
    assertThat(EtcdSchema.decodeU64(EtcdSchema.encodeU64(-2))).isEqualTo(-2);
    assertThat(HexFormat.of().formatHex(EtcdSchema.encodeU64(-2))).isEqualTo("fffffffffffffffe");
  }

  @Test
  void anAbsentValueReadsAsZeroAndAWrongLengthIsRefused() {
    assertThat(EtcdSchema.decodeU64(null)).isZero();
    assertThatThrownBy(() -> EtcdSchema.decodeU64(new byte[7])).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("8 bytes").hasMessageContaining("7");
    assertThatThrownBy(() -> EtcdSchema.decodeU64(new byte[9])).isInstanceOf(IntegrityException.class);
  }
}
