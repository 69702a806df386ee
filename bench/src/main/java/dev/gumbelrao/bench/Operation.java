package dev.gumbelrao.bench;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The operations the suite measures, by the names its {@code operation} parameter takes. */
enum Operation {
  SAMPLE("sample", "sample (forward, with one-hot)", false),
  CONDITIONAL("conditional", "conditional Gumbel sampling", true),
  GUMBEL_RAO("gumbel-rao", "Gumbel-Rao backward", true),
  ST_GS("st-gs", "ST-GS backward", false);

  /** The parameter value, as in {@code -p operation=gumbel-rao}. */
  final String id;
  /** How tables and plots name it. */
  final String title;
  /** Whether the operation draws K samples per element; the others run with K = 1 only. */
  final boolean usesK;

  Operation(String id, String title, boolean usesK) {
    this.id = id;
    this.title = title;
    this.usesK = usesK;
  }

  static Operation of(String id) {
    for (Operation op : values()) {
      if (op.id.equals(id)) return op;
    }
    throw new IllegalArgumentException("unknown operation '" + id + "'; known: " + ids());
  }

  static String ids() {
    return Arrays.stream(values()).map(op -> op.id).collect(Collectors.joining(","));
  }
}
