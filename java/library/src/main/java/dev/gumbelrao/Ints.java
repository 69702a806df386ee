package dev.gumbelrao;

import java.nio.IntBuffer;

/** An int argument of an operation: an {@code int[]} or an {@code IntBuffer}; see {@link Floats}. */
final class Ints {
  final String name;
  final int[] array;
  final IntBuffer buffer;

  private Ints(String name, int[] array, IntBuffer buffer) {
    this.name = name;
    this.array = array;
    this.buffer = buffer;
  }

  static Ints of(int[] array, String name) {
    return array == null ? null : new Ints(name, array, null);
  }

  static Ints of(IntBuffer buffer, String name) {
    return buffer == null ? null : new Ints(name, null, buffer);
  }

  int length() {
    return array != null ? array.length : buffer.remaining();
  }

  Object target() {
    return array != null ? array : buffer;
  }

  int[] read() {
    if (array != null) return array;
    int[] copy = new int[buffer.remaining()];
    buffer.get(buffer.position(), copy);
    return copy;
  }

  int[] writeTarget() {
    return array != null ? array : new int[buffer.remaining()];
  }

  void commit(int[] written) {
    if (array == null) buffer.put(buffer.position(), written);
  }
}
