package dev.gumbelrao;

/**
 * Checks of the array and buffer arguments of an operation: present, of the expected length,
 * writable when an output, and not overlapping the call's inputs (see {@link Extent}). Every
 * failure is an IllegalArgumentException naming the argument.
 */
final class Args {
  private Args() {}

  static void input(Floats f, String name, long expected, String what) {
    Checks.notNull(f, name);
    if (f.array != null) Checks.length(f.array, name, expected, what);
    else Checks.length(f.buffer, name, expected, what);
  }

  static void input(Ints f, String name, long expected, String what) {
    Checks.notNull(f, name);
    if (f.array != null) Checks.length(f.array, name, expected, what);
    else Checks.length(f.buffer, name, expected, what);
  }

  /** An output: {@link #input}'s checks, writable, and no overlap with any of {@code inputs}. */
  static void output(Floats out, String name, long expected, String what, Object... inputs) {
    input(out, name, expected, what);
    if (out.buffer != null) Checks.writable(out.buffer, name);
    disjoint(out.extent(), name, inputs);
  }

  static void output(Ints out, String name, long expected, String what, Object... inputs) {
    input(out, name, expected, what);
    if (out.buffer != null) Checks.writable(out.buffer, name);
    disjoint(out.extent(), name, inputs);
  }

  /** inputs: Floats and Ints arguments (nulls, absent optional ones, are skipped). */
  private static void disjoint(Extent out, String name, Object[] inputs) {
    if (out == null) return;
    for (Object in : inputs) {
      Extent e;
      String inName;
      if (in instanceof Floats) {
        e = ((Floats) in).extent();
        inName = ((Floats) in).name;
      } else if (in instanceof Ints) {
        e = ((Ints) in).extent();
        inName = ((Ints) in).name;
      } else {
        continue;
      }
      if (out.overlaps(e)) {
        throw new IllegalArgumentException(name + " overlaps the memory of " + inName
            + (out.equals(e) ? " (the same array or buffer)" : " (views that share elements)")
            + ": outputs must not overlap inputs");
      }
    }
  }
}
