package io.etcdbackup.core.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.etcdbackup.core.IntegrityException;
import io.etcdbackup.core.UserText;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** manifest.json to and from {@link Manifest}. Unknown fields are ignored, so newer writers stay readable. */
public final class ManifestCodec {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .changeDefaultPropertyInclusion(v -> v.withValueInclusion(JsonInclude.Include.NON_NULL))
      .build();

  /**
   * What a signature covers: compact, properties and map entries in alphabetical order, the
   * signature left out. Both sides build it from the parsed record, so whitespace, field order and
   * fields this version does not know never change it.
   */
  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .changeDefaultPropertyInclusion(v -> v.withValueInclusion(JsonInclude.Include.NON_NULL))
      .build();

  private ManifestCodec() {}

  /** The bytes {@link ManifestKey} signs: {@code m} without its signature, canonical JSON. */
  static byte[] canonicalForSigning(Manifest m) {
    return CANONICAL.writeValueAsBytes(m.withSignature(null));
  }

  /** Initialises the mapper (class loading and introspection take most of a second the first time). */
  public static void warmUp() {
    JSON.writeValueAsBytes(new Manifest.Timings(0, 0, 0, 0));
  }

  public static byte[] toJson(Manifest m) {
    return JSON.writeValueAsBytes(m);
  }

  /** Parses a manifest; {@link IntegrityException} naming {@code where} if it is not one. */
  public static Manifest fromJson(byte[] json, String where) {
    JsonNode tree;
    Manifest m;
    try {
      tree = JSON.readTree(json);
      // The version first: a newer manifest may lack or retype fields this version requires, and
      // "upgrade etcd-backup" is the useful answer, not a complaint about one of its fields.
      JsonNode version = tree == null ? null : tree.get("formatVersion");
      if (version != null && version.isIntegralNumber() && version.asLong() != Manifest.FORMAT_VERSION) {
        throw new IntegrityException(where + " has formatVersion " + version.asLong()
            + "; this etcd-backup reads version " + Manifest.FORMAT_VERSION + ": upgrade etcd-backup");
      }
      m = JSON.treeToValue(tree, Manifest.class);
    } catch (JacksonException e) {
      throw new IntegrityException(where + " is not a valid manifest: " + UserText.escape(e.getOriginalMessage()));
    }
    if (m == null || m.formatVersion() != Manifest.FORMAT_VERSION) {
      throw new IntegrityException(where + " is not a valid manifest: formatVersion " + Manifest.FORMAT_VERSION
          + " is missing");
    }
    return m;
  }
}
