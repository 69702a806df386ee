package dev.gumbelrao.cuda;

import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.Place;


/**
 * A CUDA stream of one device with its own status word: operations queued on it report bad values
 * there (the lowest bad row), and {@link #synchronize()} waits for the stream and throws them.
 * Either a stream the library created ({@link CudaDevice#createStream()}: non-blocking with
 * respect to the legacy default stream, destroyed by {@link #close()}) or a view of another
 * library's stream ({@link CudaDevice#wrapStream(long)}: closing it frees only the status
 * word).
 */
public final class CudaStream implements AutoCloseable {
  private final int device;
  private final boolean owner;
  private final long handle;
  private volatile boolean closed;
  private final DeviceStatus status;
  private final Place place;

  CudaStream(int device) {
    this.device = device;
    this.owner = true;
    long[] out = new long[1];
    CudaException.check(NativeRuntime.cudaSetDevice(device), "cudaSetDevice");
    CudaException.check(NativeRuntime.cudaStreamCreate(out), "cudaStreamCreate");
    handle = out[0];
    DeviceStatus s;
    try {
      s = new DeviceStatus(device, handle);
    } catch (RuntimeException e) {
      NativeRuntime.cudaStreamDestroy(handle);
      throw e;
    }
    status = s;
    place = Place.of(Place.ON_CUDA, device, handle, status.address());
  }

  /** A view of a stream other code owns (0: the legacy default stream). */
  CudaStream(int device, long handle) {
    this.device = device;
    this.owner = false;
    this.handle = handle;
    CudaException.check(NativeRuntime.cudaSetDevice(device), "cudaSetDevice");
    this.status = new DeviceStatus(device, handle);
    place = Place.of(Place.ON_CUDA, device, handle, status.address());
  }

  /** The cudaStream_t handle (0 for a view of the legacy default stream), for other CUDA code. */
  public long handle() {
    if (closed) throw new IllegalStateException("this CudaStream is closed");
    return handle;
  }

  /** Whether closing this stream destroys it (false for a view of another library's stream). */
  public boolean ownsStream() {
    return owner;
  }

  public int device() {
    return device;
  }

  /** Where the operations queued on this stream run (its handle and status word). */
  Place place() {
    if (closed) throw new IllegalStateException("this CudaStream is closed");
    return place;
  }

  /** The status word operations on this stream report to. */
  DeviceStatus status() {
    if (closed) throw new IllegalStateException("this CudaStream is closed");
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
    CudaException.check(NativeRuntime.cudaSetDevice(device), "cudaSetDevice");
    CudaException.check(NativeRuntime.cudaStreamSynchronize(handle()), "cudaStreamSynchronize");
  }

  /** Waits for the stream's work, frees the status word and, for an owned stream, destroys it. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    NativeRuntime.cudaSetDevice(device);
    NativeRuntime.cudaStreamSynchronize(handle);
    status.close();
    if (owner) NativeRuntime.cudaStreamDestroy(handle);
  }
}
