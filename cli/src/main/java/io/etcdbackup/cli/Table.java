package io.etcdbackup.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A bordered text table in the style of etcdctl's {@code -w table}. */
final class Table {
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... headers) {
    this.headers = List.of(headers);
  }

  Table row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.size() + " columns");
    }
    rows.add(Arrays.stream(cells).map(c -> c == null ? "" : String.valueOf(c)).toList());
    return this;
  }

  void print(PrintWriter out) {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = headers.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    String rule = rule(width);
    out.println(rule);
    out.println(line(headers, width));
    out.println(rule);
    for (List<String> r : rows) {
      out.println(line(r, width));
    }
    out.println(rule);
  }

  private static String rule(int[] width) {
    StringBuilder sb = new StringBuilder("+");
    for (int w : width) {
      sb.append("-".repeat(w + 2)).append('+');
    }
    return sb.toString();
  }

  private static String line(List<String> cells, int[] width) {
    StringBuilder sb = new StringBuilder("|");
    for (int i = 0; i < width.length; i++) {
      String c = cells.get(i);
      sb.append(' ').append(c).append(" ".repeat(width[i] - c.length())).append(" |");
    }
    return sb.toString();
  }
}
