package dev.gumbelrao.jcuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUstream;
import jcuda.runtime.cudaStream_t;

/**
 * Reads the device address of a JCuda pointer and the handle of a JCuda stream without
 * reflection: JCuda keeps them in protected members, which a subclass may read from its own
 * instances, and its protected copy constructors copy them into such an instance.
 */
final class JCudaAddresses {
  private JCudaAddresses() {}

  /** A Pointer (CUdeviceptr included) copied into a subclass that may read it. */
  private static final class PointerCopy extends Pointer {
    PointerCopy(Pointer pointer) {
      super(pointer);
    }

    long address() {
      return getNativePointer() + getByteOffset();
    }
  }

  /** A stream copied into a subclass that may read its native handle. */
  private static final class HandleCopy extends NativePointerObject {
    HandleCopy(NativePointerObject handle) {
      super(handle);
    }

    long handle() {
      return getNativePointer();
    }
  }

  /**
   * The device address a {@code jcuda.Pointer} or {@code CUdeviceptr} points to, byte offset
   * included; 0 for a null pointer or a pointer to Java memory (Pointer.to(float[]) and buffers),
   * which the library rejects as a device address.
   */
  static long address(Pointer pointer) {
    return pointer == null ? 0 : new PointerCopy(pointer).address();
  }

  /** The cudaStream_t handle of a CUstream or cudaStream_t; 0 (the default stream) for null. */
  static long stream(NativePointerObject stream) {
    if (stream == null) return 0;
    if (!(stream instanceof CUstream) && !(stream instanceof cudaStream_t)) {
      throw new IllegalArgumentException("stream must be a jcuda.driver.CUstream or a "
          + "jcuda.runtime.cudaStream_t, got " + stream.getClass().getName());
    }
    return new HandleCopy(stream).handle();
  }
}
