package io.etcdbackup.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcdbackup.core.InvalidInputException;
import org.junit.jupiter.api.Test;

class ObjectKeysTest {

  @Test
  void layoutKeysAreValid() {
    String key = "v1/prod/20240102T030405Z-r00000000000000012345-ab12/snapshot.db.zst.age";
    assertThat(ObjectKeys.check("s3://b/p", key)).isEqualTo(key);
    assertThat(ObjectKeys.check("s3://b/p", "a")).isEqualTo("a");
    assertThat(ObjectKeys.check("s3://b/p", "a.b/c..d/e.")).isEqualTo("a.b/c..d/e.");
  }

  @Test
  void badKeysAreRefusedWithTheKeyTheStoreAndTheRule() {
    assertThatThrownBy(() -> ObjectKeys.check("s3://b/p", "a/../b"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("object key 'a/../b' in s3://b/p must not have a segment starting with '.' (such as ..)");
    assertThatThrownBy(() -> ObjectKeys.check("s3://b/p", "/etc/passwd")).hasMessageContaining("must be relative");
    assertThatThrownBy(() -> ObjectKeys.check("s3://b/p", "a//b")).hasMessageContaining("empty segment");
    assertThatThrownBy(() -> ObjectKeys.check("s3://b/p", "a/")).hasMessageContaining("empty segment");
    assertThatThrownBy(() -> ObjectKeys.check("s3://b/p", "")).hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> ObjectKeys.check("s3://b/p", null)).hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> ObjectKeys.check("s3://b/p", "a\nb")).hasMessageContaining("control character");
    assertThatThrownBy(() -> ObjectKeys.check("s3://b/p", "a\\b")).hasMessageContaining("backslash");
    assertThatThrownBy(() -> ObjectKeys.check("s3://b/p", "x".repeat(901))).hasMessageContaining("at most 900");
  }

  @Test
  void prefixesMayEndInASlashOrAPartialSegment() {
    assertThat(ObjectKeys.checkPrefix("l", "")).isEmpty();
    assertThat(ObjectKeys.checkPrefix("l", "v1/")).isEqualTo("v1/");
    assertThat(ObjectKeys.checkPrefix("l", "v1/pro")).isEqualTo("v1/pro");
    assertThatThrownBy(() -> ObjectKeys.checkPrefix("l", "../")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ObjectKeys.checkPrefix("l", "a//")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ObjectKeys.checkPrefix("l", "/a")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ObjectKeys.checkPrefix("l", null)).isInstanceOf(InvalidInputException.class);
  }
}
