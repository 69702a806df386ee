package dev.gumbelrao.cuda;

import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.Status;


/**
 * Where device-resident operations report bad values, without synchronising: one 64-bit word in
 * device memory, one per {@link CudaStream}. A kernel that meets a bad row (a NaN or +Infinity
 * logit, a row with no finite logit, a choice out of range or on a masked class) records the
 * lowest such row in it and skips the row; {@link #check(long)} waits for the stream, reads the
 * word, resets it and throws the {@link IllegalArgumentException} the host-memory call would have
 * thrown.
 */
final class DeviceStatus implements AutoCloseable {
  private final int device;
  private long address;

  DeviceStatus(int device, long stream) {
    this.device = device;
    long[] out = new long[1];
    CudaException.check(NativeRuntime.cudaSetDevice(device), "cudaSetDevice");
    CudaException.check(NativeRuntime.cudaMalloc(Long.BYTES, out), "cudaMalloc (status word)");
    address = out[0];
    int err = NativeRuntime.cudaStatusReset(address, stream);
    if (err == 0) err = NativeRuntime.cudaStreamSynchronize(stream);
    if (err != 0) {
      NativeRuntime.cudaFree(address);
      throw new CudaException("status word reset", err);
    }
  }

  /** The device address of the word (for the operations queued on its stream). */
  public long address() {
    if (address == 0) throw new IllegalStateException("this DeviceStatus is closed");
    return address;
  }

  public int device() {
    return device;
  }

  /**
   * Waits for {@code stream} (a cudaStream_t, 0 for the legacy default stream), then throws the
   * IllegalArgumentException for the lowest bad row recorded since the last check, if any; the
   * word is reset either way.
   *
   * @param arity the arity of the calls being checked (named in the message)
   */
  public void check(long stream, int arity) {
    long[] decoded = new long[1];
    CudaException.check(NativeRuntime.cudaSetDevice(device), "cudaSetDevice");
    CudaException.check(NativeRuntime.cudaStatusTake(address(), stream, decoded),
        "reading the status word");
    Status.check(decoded[0], arity);
  }

  /** {@link #check(long, int)} without the arity in the messages. */
  public void check(long stream) {
    check(stream, -1);
  }

  @Override
  public void close() {
    if (address != 0) {
      NativeRuntime.cudaSetDevice(device);
      NativeRuntime.cudaFree(address);
      address = 0;
    }
  }
}
