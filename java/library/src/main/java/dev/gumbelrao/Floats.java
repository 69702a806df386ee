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

  /** The view of a buffer's remaining elements, or null for a null buffer. */
  static Floats of(FloatBuffer buffer, String name) {
    return buffer == null ? null : new Floats(name, null, buffer);
  }

  int length() {
    return array != null ? array.length : buffer.remaining();
  }

  /** The array or the buffer: what identifies the caller's memory. */
  Object target() {
    return array != null ? array : buffer;
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
