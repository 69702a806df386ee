package dev.gumbelrao.backends;

import java.nio.Buffer;

/**
 * Where an argument's elements lie, for the overlap checks of outputs against inputs: the
 * memory's identity (the array itself, or {@link #NATIVE} for direct buffers) and the byte range
 * [start, end) within it. Two arguments overlap when they share the identity and their ranges
 * intersect, so a view shifted by one element over another argument's memory is caught as well
 * as the same array passed twice.
 */
record Extent(Object memory, long start, long end) {
  /** The identity of all native memory: direct buffers compare by address. */
  static final Object NATIVE = new Object();

  static Extent of(Object array, int length) {
    return new Extent(array, 0, 4L * length);
  }

  /**
   * The extent of a buffer's remaining elements (4 bytes each), or null when it cannot be known:
   * a read-only heap buffer (its array is hidden) or a direct buffer while the native library is
   * not loaded. Both occur only on the JAVA backend, which copies every buffer input before
   * writing an output, so an unknown extent never gives a wrong result.
   */
  static Extent of(Buffer buffer) {
    long bytes = 4L * buffer.remaining();
    if (buffer.isDirect()) {
      if (!NativeSupport.loaded()) return null;
      long address = buffer instanceof java.nio.FloatBuffer
          ? NativeRuntime.address((java.nio.FloatBuffer) buffer)
          : NativeRuntime.address((java.nio.IntBuffer) buffer);
      return new Extent(NATIVE, address, address + bytes);
    }
    if (!buffer.hasArray()) return null;
    long start = 4L * (buffer.arrayOffset() + buffer.position());
    return new Extent(buffer.array(), start, start + bytes);
  }

  boolean overlaps(Extent other) {
    return other != null && memory == other.memory && start < other.end && other.start < end
        && start < end && other.start < other.end;
  }
}
