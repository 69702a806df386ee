package dev.gumbelrao.backends;

import dev.gumbelrao.NoiseKey;

/**
 * One call of an operation with its arguments: a record of {@link Calls}, one per operation,
 * generated from native/operations.txt. Everything that treats calls alike (the argument checks,
 * the staging of arrays, the native dispatch) reads them through this interface.
 */
public interface Call {
  Operation operation();

  int rows();

  /** The classes per row; 1 for the binary operations. */
  int arity();

  /** The noise key, or null for an operation without noise. */
  NoiseKey key();

  /** The arrays in the order of {@link Operation#arrays()}: null for an absent optional output. */
  Memory[] arrays();

  /** The same call on other memory (the staged copies of its arrays), in the same order. */
  Call with(Memory[] arrays);

  /** The elements array {@code array} must hold, for this call's shape and scalars. */
  long length(int array);

  /** Element-draws of the call (the CPU backend's measure of its length). */
  long work();

  /** Checks the scalars against the description's rules; the exception names the scalar. */
  void checkScalars();
}
