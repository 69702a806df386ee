package dev.gumbelrao;

import java.nio.FloatBuffer;

/**
 * A float argument of an operation: a {@code float[]} or the remaining elements of a
 * {@code FloatBuffer}, with the argument's name for error messages. Lets every backend implement
 * each operation once for both kinds of caller memory.
 */
final class Floats {
  final String name;
  final float[] array;
  final FloatBuffer buffer;

  private Floats(String name, float[] array, FloatBuffer buffer) {
    this.name = name;
    this.array = array;
    this.buffer = buffer;
  }

  /** The view of an array, or null for a null array. */
  static Floats of(float[] array, String name) {
    return array == null ? null : new Floats(name, array, null);
  }

  /**
   * The view of a buffer's remaining elements (a slice: later moves of the caller's position do
   * not change it), or null for a null buffer.
   */
  static Floats of(FloatBuffer buffer, String name) {
    return buffer == null ? null : new Floats(name, null, buffer.slice());
  }

  int length() {
    return array != null ? array.length : buffer.remaining();
  }

  /** Where the elements lie (null when that cannot be known: see {@link Extent#of(java.nio.Buffer)}). */
  Extent extent() {
    return array != null ? Extent.of(array, array.length) : Extent.of(buffer);
  }

  /** The contents as an array: the array itself, or a copy of the buffer's remaining elements. */
  float[] read() {
    if (array != null) return array;
    float[] copy = new float[buffer.remaining()];
    buffer.get(buffer.position(), copy);
    return copy;
  }

  /** An array to write the output into: the array itself, or a new one for a buffer. */
  float[] writeTarget() {
    return array != null ? array : new float[buffer.remaining()];
  }

  /** Completes an output written into {@link #writeTarget()}. */
  void commit(float[] written) {
    if (array == null) buffer.put(buffer.position(), written);
  }
}
