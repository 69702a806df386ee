package dev.gumbelrao.cli;

import dev.gumbelrao.BackendKind;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} arguments of one subcommand, checked against what it accepts. */
final class Options {
  private final String command;
  private final Map<String, String> values = new HashMap<>();
  private final Set<String> valued, flags;

  /** Thrown for bad command lines; Main prints its message and exits with status 2. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  Options(String command, String[] args, int from, Set<String> valued, Set<String> flags) {
    this.command = command;
    this.valued = valued;
    this.flags = flags;
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) throw new UsageException("unexpected argument '" + a + "'");
      String name = a.substring(2);
      String inline = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        inline = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (flags.contains(name) && inline == null) {
        values.put(name, "true");
      } else if (valued.contains(name)) {
        if (inline == null) {
          if (i + 1 >= args.length) throw new UsageException("--" + name + " needs a value");
          inline = args[++i];
        }
        values.put(name, inline);
      } else {
        throw new UsageException("--" + name + " is not an option of " + command + " (it takes "
            + accepted() + ")");
      }
    }
  }

  /** The options this command takes, sorted: "--a, --b V, ...". */
  private String accepted() {
    java.util.TreeSet<String> names = new java.util.TreeSet<>();
    for (String v : valued) names.add("--" + v + " V");
    for (String f : flags) names.add("--" + f);
    return String.join(", ", names);
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  String required(String name) {
    String v = values.get(name);
    if (v == null) throw new UsageException("--" + name + " is required");
    return v;
  }

  int integer(String name, int fallback) {
    String v = values.get(name);
    if (v == null) return fallback;
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
    }
  }

  /** An integer option that must lie in [min, max]. */
  int integer(String name, int fallback, int min, int max) {
    String v = values.get(name);
    if (v == null) return fallback;
    long x;
    try {
      x = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
    }
    if (x < min || x > max) {
      throw new UsageException("--" + name + " must be in [" + min + ", " + max + "], got " + v);
    }
    return (int) x;
  }

  long longValue(String name, long fallback) {
    String v = values.get(name);
    if (v == null) return fallback;
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
    }
  }

  /** A long option that must lie in [min, max]. */
  long longValue(String name, long fallback, long min, long max) {
    long x = longValue(name, fallback);
    if (x < min || x > max) {
      throw new UsageException("--" + name + " must be in [" + min + ", " + max + "], got "
          + values.get(name).trim());
    }
    return x;
  }

  float floatValue(String name, float fallback) {
    String v = values.get(name);
    return v == null ? fallback : parseFloat(name, v);
  }

  float[] floats(String name) {
    String[] parts = required(name).split(",", -1);
    float[] out = new float[parts.length];
    for (int i = 0; i < parts.length; i++) out[i] = parseFloat(name, parts[i]);
    return out;
  }

  /** A required comma-separated list of integers. */
  int[] ints(String name) {
    String[] parts = required(name).split(",", -1);
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new UsageException("--" + name + " has '" + parts[i] + "', not an integer");
      }
    }
    return out;
  }

  BackendKind backend() {
    String v = string("backend", "auto");
    try {
      return BackendKind.valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--backend must be auto, cpu, java or cuda, got '" + v + "'");
    }
  }

  private float parseFloat(String name, String v) {
    String s = v.trim();
    switch (s.toLowerCase(Locale.ROOT)) {
      case "-inf":
      case "-infinity":
        return Float.NEGATIVE_INFINITY;
      case "inf":
      case "+inf":
      case "infinity":
        return Float.POSITIVE_INFINITY;
      case "nan":
        return Float.NaN;
      default:
        try {
          return Float.parseFloat(s);
        } catch (NumberFormatException e) {
          throw new UsageException("--" + name + " has '" + v + "', not a number");
        }
    }
  }
}
