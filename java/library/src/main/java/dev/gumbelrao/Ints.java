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
    return buffer == null ? null : new Ints(name, null, buffer.slice());
  }

  /**
   * A new zeroed int output of n elements owned by the library: an array, or a direct buffer in
   * native byte order when the call's other arguments are buffers.
   */
  static Ints allocate(int n, boolean buffer, String name) {
    if (!buffer) return new Ints(name, new int[n], null);
    return new Ints(name, null, java.nio.ByteBuffer.allocateDirect(4 * n)
        .order(java.nio.ByteOrder.nativeOrder()).asIntBuffer());
  }

  /** A copy of an array the library will own. */
  static Ints copyOf(int[] array, String name) {
    return new Ints(name, array.clone(), null);
  }

  int length() {
    return array != null ? array.length : buffer.remaining();
  }

  Extent extent() {
    return array != null ? Extent.of(array, array.length) : Extent.of(buffer);
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
