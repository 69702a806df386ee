package dev.gumbelrao;


/**
 * A CUDA stream of one device (non-blocking with respect to the legacy default stream) with its
 * own {@link DeviceStatus}: operations queued on it with {@link GumbelRaoCuda}'s buffer overloads
 * report bad values there, and {@link #synchronize()} waits for the stream and throws them.
 */
public final class CudaStream implements AutoCloseable {
  private final int device;
  private volatile long handle;
  private final DeviceStatus status;

  CudaStream(int device) {
    this.device = device;
    long[] out = new long[1];
    CudaException.check(NativeKernels.cudaSetDevice(device), "cudaSetDevice");
    CudaException.check(NativeKernels.cudaStreamCreate(out), "cudaStreamCreate");
    handle = out[0];
    DeviceStatus s;
    try {
      s = new DeviceStatus(device, handle);
    } catch (RuntimeException e) {
      NativeKernels.cudaStreamDestroy(handle);
      throw e;
    }
    status = s;
  }

  /** The cudaStream_t handle, for raw calls and for other CUDA code. */
  public long handle() {
    long h = handle;
    if (h == 0) throw new IllegalStateException("this CudaStream is closed");
    return h;
  }

  public int device() {
    return device;
  }

  /** The status word operations on this stream report to. */
  public DeviceStatus status() {
    return status;
  }

  /**
   * Waits for every operation queued on this stream; throws the IllegalArgumentException of the
   * lowest bad row any of them met since the last synchronize, or a {@link CudaException}.
   */
  public void synchronize() {
    status.check(handle());
  }

  /**
   * Waits for every operation queued on this stream without reading the status word (one copy
   * and one memset fewer than {@link #synchronize()}); a CUDA error still throws.
   */
  public void await() {
    CudaException.check(NativeKernels.cudaSetDevice(device), "cudaSetDevice");
    CudaException.check(NativeKernels.cudaStreamSynchronize(handle()), "cudaStreamSynchronize");
  }

  @Override
  public void close() {
    long h = handle;
    if (h != 0) {
      handle = 0;
      NativeKernels.cudaSetDevice(device);
      NativeKernels.cudaStreamSynchronize(h);
      status.close();
      NativeKernels.cudaStreamDestroy(h);
    }
  }
}
