package dev.gumbelrao.backends;

import dev.gumbelrao.cuda.DeviceBuffer;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * An array argument of an operation, whatever memory holds it: a Java array, the remaining
 * elements of an NIO buffer, or a CUDA {@link DeviceBuffer}; with the argument's name for error
 * messages. Every backend implements each operation once for every kind of caller memory.
 */
public final class Memory {
  /** Where the elements live. */
  public enum Kind {
    /** a {@code float[]} or {@code int[]} */
    ARRAY,
    /** the remaining elements of a {@code FloatBuffer} or {@code IntBuffer} */
    BUFFER,
    /** a {@link DeviceBuffer} */
    DEVICE
  }

  private final String name;
  private final Object array;
  private final Buffer buffer;
  private final DeviceBuffer device;

  private Memory(String name, Object array, Buffer buffer, DeviceBuffer device) {
    this.name = name;
    this.array = array;
    this.buffer = buffer;
    this.device = device;
  }

  /** The view of an array, or null for a null array. */
  public static Memory of(float[] array, String name) {
    return array == null ? null : new Memory(name, array, null, null);
  }

  public static Memory of(int[] array, String name) {
    return array == null ? null : new Memory(name, array, null, null);
  }

  /**
   * The view of a buffer's remaining elements (a slice: later moves of the caller's position do
   * not change it), or null for a null buffer.
   */
  public static Memory of(FloatBuffer buffer, String name) {
    return buffer == null ? null : new Memory(name, null, buffer.slice(), null);
  }

  public static Memory of(IntBuffer buffer, String name) {
    return buffer == null ? null : new Memory(name, null, buffer.slice(), null);
  }

  public static Memory of(DeviceBuffer buffer, String name) {
    return buffer == null ? null : new Memory(name, null, null, buffer);
  }

  /**
   * A new zeroed int array of n elements owned by the library, of the host kind {@code like}: an
   * array, or a direct buffer in native byte order when the call's other arguments are buffers.
   */
  public static Memory allocateInts(long n, Kind like, String name) {
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + ": " + n + " elements exceed 2^31 - 1");
    }
    if (like == Kind.ARRAY) return of(new int[(int) n], name);
    return of(ByteBuffer.allocateDirect(4 * (int) n).order(ByteOrder.nativeOrder()).asIntBuffer(),
        name);
  }

  /** A copy of an array the library will own. */
  public static Memory copyOf(int[] array, String name) {
    return of(array.clone(), name);
  }

  public String name() {
    return name;
  }

  public Kind kind() {
    return array != null ? Kind.ARRAY : buffer != null ? Kind.BUFFER : Kind.DEVICE;
  }

  /** Whether it lives in host memory (an array or a buffer). */
  public boolean host() {
    return device == null;
  }

  public ElementType type() {
    if (array != null) return array instanceof float[] ? ElementType.FLOAT32 : ElementType.INT32;
    if (buffer != null) return buffer instanceof FloatBuffer ? ElementType.FLOAT32 : ElementType.INT32;
    return device.type() == DeviceBuffer.Type.FLOAT32 ? ElementType.FLOAT32 : ElementType.INT32;
  }

  public long length() {
    if (array != null) return array instanceof float[] ? ((float[]) array).length
        : ((int[]) array).length;
    return buffer != null ? buffer.remaining() : device.length();
  }

  /** The float[] itself (the critical-region path); null for another kind. */
  public float[] floatArray() {
    return array instanceof float[] ? (float[]) array : null;
  }

  public int[] intArray() {
    return array instanceof int[] ? (int[]) array : null;
  }

  public Buffer buffer() {
    return buffer;
  }

  public DeviceBuffer device() {
    return device;
  }

  /**
   * A view of elements [first, first + count) of a buffer or of device memory (writes through it
   * land in this memory); Java arrays have no views.
   */
  public Memory slice(long first, long count) {
    if (buffer != null) {
      Buffer b = buffer.duplicate().position((int) first).limit((int) (first + count));
      return new Memory(name, null, b.slice(), null);
    }
    if (device != null) return new Memory(name, null, null, device.slice(first, count));
    throw new IllegalStateException(name + ": a Java array has no views");
  }

  /** Where the elements lie, for the overlap checks of host memory (null when unknown). */
  Extent extent() {
    return array != null ? Extent.of(array, (int) length()) : Extent.of(buffer);
  }

  /**
   * The address of element 0 for a native call: a direct buffer's position, or device memory.
   * A heap buffer has none (the caller checked {@link Arguments#requireDirect}).
   */
  public long address() {
    if (device != null) return device.address();
    return buffer instanceof FloatBuffer ? NativeRuntime.address((FloatBuffer) buffer)
        : NativeRuntime.address((IntBuffer) buffer);
  }

  // ------------------------------------------------------- the JAVA backend's access to memory

  /** The contents: the array itself, or a copy of the buffer's remaining elements. */
  public float[] readFloats() {
    if (array != null) return (float[]) array;
    FloatBuffer b = (FloatBuffer) buffer;
    float[] copy = new float[b.remaining()];
    b.get(b.position(), copy);
    return copy;
  }

  public int[] readInts() {
    if (array != null) return (int[]) array;
    IntBuffer b = (IntBuffer) buffer;
    int[] copy = new int[b.remaining()];
    b.get(b.position(), copy);
    return copy;
  }

  /** An array to write an output into: the array itself, or a new one for a buffer. */
  public float[] floatTarget() {
    return array != null ? (float[]) array : new float[buffer.remaining()];
  }

  public int[] intTarget() {
    return array != null ? (int[]) array : new int[buffer.remaining()];
  }

  /** Completes an output written into {@link #floatTarget()}. */
  public void commit(float[] written) {
    if (array == null) ((FloatBuffer) buffer).put(buffer.position(), written);
  }

  public void commit(int[] written) {
    if (array == null) ((IntBuffer) buffer).put(buffer.position(), written);
  }

  /** Element i of int memory (arrays and buffers). */
  public int intAt(int i) {
    return array != null ? ((int[]) array)[i] : ((IntBuffer) buffer).get(i);
  }

  @Override
  public String toString() {
    return name + " (" + kind() + ", " + length() + " x " + type() + ")";
  }
}
