package io.etcdbackup.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads Prometheus's text format as tests need it: samples, and one sample's value by name and labels. */
public final class PromText {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)( \\d+)?$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private PromText() {}

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  public static List<Sample> samples(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.lines().toList()) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a sample line: " + line);
      }
      Map<String, String> labels = new TreeMap<>();
      if (m.group(3) != null) {
        Matcher lm = LABEL.matcher(m.group(3));
        while (lm.find()) {
          labels.put(lm.group(1), lm.group(2));
        }
      }
      out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
    return out;
  }

  /** The value of the one sample named {@code name} whose labels include {@code labels} (name, value, ...). */
  public static Optional<Double> value(String text, String name, String... labels) {
    Map<String, String> want = new HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      want.put(labels[i], labels[i + 1]);
    }
    List<Sample> hits = samples(text).stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(want.entrySet())).toList();
    if (hits.size() > 1) {
      throw new IllegalStateException("more than one " + name + " with " + want + ": " + hits);
    }
    return hits.stream().findFirst().map(Sample::value);
  }
}
