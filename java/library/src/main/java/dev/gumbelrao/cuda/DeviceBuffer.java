package dev.gumbelrao.cuda;

import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.NativeRuntime;

import java.nio.Buffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * A block of device memory holding {@code length} float32 or int32 elements, so that GPU use
 * does not require JCuda. Created by {@link CudaDevice#allocateFloats} /
 * {@link CudaDevice#allocateInts} (owning: {@link #close()} frees it), or a view of memory
 * other code owns ({@link CudaDevice#wrap}; closing a view frees nothing). Every operation
 * checks each buffer's element type, length and device before launching. Copies are synchronous
 * (and must not be used inside a captured CUDA graph).
 */
public final class DeviceBuffer implements AutoCloseable {
  /** The element type; both are 4 bytes. */
  public enum Type {
    FLOAT32,
    INT32
  }

  private final int device;
  private final Type type;
  private final long length;
  private final boolean owner;
  private volatile long address;
  // Writes by the library's operations and copies: a device sample remembers the count its
  // choices were written at, and refuses its backward pass once another write came.
  private final java.util.concurrent.atomic.AtomicLong writes;

  DeviceBuffer(int device, Type type, long length) {
    checkLength(length);
    this.device = device;
    this.type = type;
    this.length = length;
    this.owner = true;
    this.writes = new java.util.concurrent.atomic.AtomicLong();
    long[] out = new long[1];
    CudaException.check(NativeRuntime.cudaSetDevice(device), "cudaSetDevice");
    CudaException.check(NativeRuntime.cudaMalloc(4 * length, out),
        "cudaMalloc(" + 4 * length + " bytes)");
    address = out[0];
  }

  /** A view of memory other code owns. */
  DeviceBuffer(int device, Type type, long length, long address) {
    this(device, type, length, address, new java.util.concurrent.atomic.AtomicLong());
  }

  /** A view that counts its writes with {@code writes} (a slice shares its buffer's count). */
  private DeviceBuffer(int device, Type type, long length, long address,
      java.util.concurrent.atomic.AtomicLong writes) {
    checkLength(length);
    this.device = device;
    this.type = type;
    this.length = length;
    this.owner = false;
    this.address = address;
    this.writes = writes;
  }

  private static void checkLength(long length) {
    if (length < 1 || length > Long.MAX_VALUE / 4) {
      throw new IllegalArgumentException("length must be in [1, 2^61), got " + length);
    }
  }

  /**
   * A view of elements [first, first + count): a buffer of the same memory that does not own it
   * (closing it frees nothing).
   */
  public DeviceBuffer slice(long first, long count) {
    if (first < 0 || count < 1 || first + count > length) {
      throw new IllegalArgumentException("elements [" + first + ", " + (first + count)
          + ") are not inside a buffer of " + length);
    }
    return new DeviceBuffer(device, type, count, address() + 4 * first, writes);
  }

  /** Whether closing this buffer frees its memory (false for a view of other code's memory). */
  public boolean ownsMemory() {
    return owner;
  }

  /**
   * How many times the library wrote this buffer (its operations' outputs and copies into it): a
   * device sample compares it to refuse a backward pass whose choices were overwritten.
   */
  public long writes() {
    return writes.get();
  }

  void markWritten() {
    writes.incrementAndGet();
  }

  /** The device address of element 0. */
  public long address() {
    long a = address;
    if (a == 0) throw new IllegalStateException("this DeviceBuffer is closed");
    return a;
  }

  public long length() {
    return length;
  }

  public Type type() {
    return type;
  }

  public int device() {
    return device;
  }

  /** Copies src into elements [0, src.length). */
  public DeviceBuffer copyFrom(float[] src) {
    expect(Type.FLOAT32, "copyFrom(float[])");
    fits(Checks.notNull(src, "src").length);
    copy(NativeRuntime.cudaCopyToDevice(address(), src, 4L * src.length), "copyFrom");
    return this;
  }

  /** Copies src into elements [0, src.length). */
  public DeviceBuffer copyFrom(int[] src) {
    expect(Type.INT32, "copyFrom(int[])");
    fits(Checks.notNull(src, "src").length);
    copy(NativeRuntime.cudaCopyToDevice(address(), src, 4L * src.length), "copyFrom");
    return this;
  }

  /** Copies the remaining elements of a direct buffer in native byte order into [0, n). */
  public DeviceBuffer copyFrom(FloatBuffer src) {
    expect(Type.FLOAT32, "copyFrom(FloatBuffer)");
    direct(src, "src");
    copy(NativeRuntime.cudaCopyToDevice(address(), NativeRuntime.address(src),
        4L * src.remaining()), "copyFrom");
    return this;
  }

  /** Copies the remaining elements of a direct buffer in native byte order into [0, n). */
  public DeviceBuffer copyFrom(IntBuffer src) {
    expect(Type.INT32, "copyFrom(IntBuffer)");
    direct(src, "src");
    copy(NativeRuntime.cudaCopyToDevice(address(), NativeRuntime.address(src),
        4L * src.remaining()), "copyFrom");
    return this;
  }

  /** Copies elements [0, dst.length) into dst. */
  public void copyTo(float[] dst) {
    expect(Type.FLOAT32, "copyTo(float[])");
    fits(Checks.notNull(dst, "dst").length);
    copy(NativeRuntime.cudaCopyToHost(dst, address(), 4L * dst.length), "copyTo");
  }

  /** Copies elements [0, dst.length) into dst. */
  public void copyTo(int[] dst) {
    expect(Type.INT32, "copyTo(int[])");
    fits(Checks.notNull(dst, "dst").length);
    copy(NativeRuntime.cudaCopyToHost(dst, address(), 4L * dst.length), "copyTo");
  }

  /** Copies elements [0, dst.remaining()) into a direct buffer's remaining elements. */
  public void copyTo(FloatBuffer dst) {
    expect(Type.FLOAT32, "copyTo(FloatBuffer)");
    direct(dst, "dst");
    Checks.writable(dst, "dst");
    copy(NativeRuntime.cudaCopyToHost(NativeRuntime.address(dst), address(),
        4L * dst.remaining()), "copyTo");
  }

  /** Copies elements [0, dst.remaining()) into a direct buffer's remaining elements. */
  public void copyTo(IntBuffer dst) {
    expect(Type.INT32, "copyTo(IntBuffer)");
    direct(dst, "dst");
    Checks.writable(dst, "dst");
    copy(NativeRuntime.cudaCopyToHost(NativeRuntime.address(dst), address(),
        4L * dst.remaining()), "copyTo");
  }

  private void expect(Type t, String what) {
    if (type != t) {
      throw new IllegalArgumentException(what + " on a " + type + " buffer");
    }
  }

  private void fits(long n) {
    if (n > length) {
      throw new IllegalArgumentException(n + " elements do not fit a buffer of " + length);
    }
  }

  private void direct(Buffer b, String name) {
    Checks.notNull(b, name);
    Checks.direct(b, name);
    fits(b.remaining());
  }

  private void copy(int error, String what) {
    if (what.startsWith("copyFrom")) markWritten();
    CudaException.check(error, what + " (" + type + "[" + length + "] on device "
        + device + ")");
  }

  @Override
  public void close() {
    long a = address;
    if (a != 0) {
      address = 0;
      if (owner) {
        NativeRuntime.cudaSetDevice(device);
        NativeRuntime.cudaFree(a);
      }
    }
  }

  @Override
  public String toString() {
    return type + "[" + length + "] on device " + device + (owner ? "" : " (view)");
  }
}
