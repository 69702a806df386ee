package dev.gumbelrao.jcuda;

import dev.gumbelrao.cuda.CudaStream;
import dev.gumbelrao.cuda.DeviceBuffer;
import dev.gumbelrao.cuda.CudaDevice;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * JCuda objects as the library's device memory and streams, for callers that already hold them:
 * device memory as {@code jcuda.Pointer} / {@code jcuda.driver.CUdeviceptr} (from cudaMalloc or
 * cuMemAlloc) and streams as {@code jcuda.driver.CUstream} or {@code jcuda.runtime.cudaStream_t}
 * (null: the legacy default stream). The results are views ({@link CudaDevice#wrap},
 * {@link CudaDevice#wrapStream}): the memory and the stream stay the caller's, and every
 * estimator and operation of the library runs on them, in the caller's context, without
 * synchronisation.
 *
 * <pre>{@code
 * DeviceBuffer logits = JCudaInterop.floats(cuda, logitsPointer, rows * arity);
 * CudaStream stream = JCudaInterop.stream(cuda, cuStream);
 * Sample d = est.forward(cuda, logits, rows, arity, key, choice, oneHot, stream);
 * }</pre>
 *
 * <p>JCuda is an optional dependency: only this package needs its jars.
 */
public final class JCudaInterop {
  private JCudaInterop() {}

  /** {@code length} floats of device memory at {@code pointer} (its byte offset included). */
  public static DeviceBuffer floats(CudaDevice cuda, Pointer pointer, long length) {
    return wrap(cuda, pointer, DeviceBuffer.Type.FLOAT32, length);
  }

  /** {@code length} ints of device memory at {@code pointer} (its byte offset included). */
  public static DeviceBuffer ints(CudaDevice cuda, Pointer pointer, long length) {
    return wrap(cuda, pointer, DeviceBuffer.Type.INT32, length);
  }

  /** A JCuda {@code CUstream} or {@code cudaStream_t} (null: the legacy default stream). */
  public static CudaStream stream(CudaDevice cuda, NativePointerObject stream) {
    if (cuda == null) throw new IllegalArgumentException("cuda must not be null");
    return cuda.wrapStream(JCudaAddresses.stream(stream));
  }

  private static DeviceBuffer wrap(CudaDevice cuda, Pointer pointer, DeviceBuffer.Type type,
      long length) {
    if (cuda == null) throw new IllegalArgumentException("cuda must not be null");
    if (pointer == null) throw new IllegalArgumentException("pointer must not be null");
    long address = JCudaAddresses.address(pointer);
    if (address == 0) {
      throw new IllegalArgumentException("pointer is not a device pointer (null, or Java memory "
          + "from Pointer.to)");
    }
    return cuda.wrap(address, type, length);
  }
}
