package io.etcdbackup.core.bbolt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Fnv1a64Test {

  @Test
  void matchesPublishedVectors() {
    // Test vectors of the FNV reference (Landon Curt Noll), 64-bit FNV-1a.
    assertThat(Fnv1a64.hash(new byte[0], 0, 0)).isEqualTo(0xcbf29ce484222325L);
    assertThat(Fnv1a64.hash(Fixtures.utf8("a"), 0, 1)).isEqualTo(0xaf63dc4c8601ec8cL);
    assertThat(Fnv1a64.hash(Fixtures.utf8("foobar"), 0, 6)).isEqualTo(0x85944171f73967e8L);
  }

  @Test
  void hashesOnlyTheGivenRange() {
    byte[] b = Fixtures.utf8("xxfoobarxx");
    assertThat(Fnv1a64.hash(b, 2, 6)).isEqualTo(0x85944171f73967e8L);
  }

  @Test
  void metaChecksumCoversMagicToTxid() {
    byte[] page = new byte[4096];
    Meta.write(page, 1, 4096, 3, Meta.NO_FREELIST, 4, 1);
    Meta m = Meta.parse(page, 0, 1);
    assertThat(m.valid()).isTrue();
    assertThat(m.checksum()).isEqualTo(Fnv1a64.hash(page, 16, 56));
    page[16 + 48] ^= 1; // txid
    assertThat(Meta.parse(page, 0, 1).problem()).startsWith("checksum mismatch");
  }
}
