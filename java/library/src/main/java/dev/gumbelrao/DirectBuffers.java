package dev.gumbelrao;


/**
 * The buffer arguments of the native backends: every buffer of a call is checked (direct, native
 * byte order) before any address is taken, then passed by the address of its position.
 */
final class DirectBuffers {
  private DirectBuffers() {}

  /** Checks every Floats and Ints buffer argument; nulls (optional outputs) are skipped. */
  static void require(Object... args) {
    for (Object a : args) {
      if (a instanceof Floats) Checks.direct(((Floats) a).buffer, ((Floats) a).name);
      if (a instanceof Ints) Checks.direct(((Ints) a).buffer, ((Ints) a).name);
    }
  }

  /** The address of a buffer argument's position; 0 for an absent optional one. */
  static long address(Floats f) {
    return f == null ? 0 : NativeKernels.address(f.buffer);
  }

  static long address(Ints f) {
    return NativeKernels.address(f.buffer);
  }
}
