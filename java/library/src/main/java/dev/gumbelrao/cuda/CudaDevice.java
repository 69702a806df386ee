package dev.gumbelrao.cuda;

import dev.gumbelrao.BackendKind;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.BackendUnavailableException;
import dev.gumbelrao.Backends;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.backends.Arguments;
import dev.gumbelrao.backends.ArrayParameter;
import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.backends.NativeOperations;
import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.Place;
import dev.gumbelrao.backends.Status;
import dev.gumbelrao.backends.Target;
import dev.gumbelrao.backends.Targets;
import java.util.List;

/**
 * The library on one CUDA device, for device-resident data: every estimator runs on it
 * ({@code Estimator.forward(CudaDevice, DeviceBuffer, int, int, NoiseKey, DeviceBuffer,
 * DeviceBuffer, CudaStream)}), and it offers the low-level operations of
 * {@link dev.gumbelrao.Backend} (sampling and conditional Gumbel noise) on {@link DeviceBuffer}s. Work is queued on a
 * {@link CudaStream} without any synchronisation, allocation or host-side blocking (except the
 * REINFORCE backward pass, which reads the batch's losses to update its baseline), so a training
 * step can be captured into a CUDA graph. The formulas, noise and validation are those of
 * {@link dev.gumbelrao.Backend}; for the same key the results equal the CPU backend's to float rounding.
 *
 * <p>Shapes, scalars, buffer types, lengths, devices and overlaps are checked before any launch
 * (IllegalArgumentException naming the argument). Bad values in the data (NaN logits, choices out
 * of range, ...) are found by the kernels, which skip those rows and record the lowest in the
 * stream's status word, thrown by {@link CudaStream#synchronize()}: reporting them at once would
 * need a synchronisation. Memory and streams that other CUDA code owns (JCuda, a DL framework)
 * enter as views: {@link #wrap(long, DeviceBuffer.Type, long)} and {@link #wrapStream(long)}; see
 * {@code dev.gumbelrao.jcuda.JCudaInterop} for JCuda objects.
 *
 * <p>Each call makes this instance's device current for the launch and restores the caller's
 * current device afterwards. Thread-safe: calls from several threads, each on its own stream, run
 * concurrently.
 */
public final class CudaDevice implements AutoCloseable {
  static {
    Targets.registerStream((device, stream) -> device.target(stream));
  }

  private final int device;
  private volatile boolean closed;

  private CudaDevice(int device) {
    this.device = device;
  }

  /**
   * Opens CUDA device {@code device}.
   *
   * @throws BackendUnavailableException when CUDA cannot run here
   * @throws IllegalArgumentException when there is no such device
   */
  public static CudaDevice open(int device) {
    BackendStatus cuda = Backends.status(BackendKind.CUDA);
    if (!cuda.available()) throw new BackendUnavailableException(cuda);
    int count = Backends.cudaDeviceCount();
    if (device < 0 || device >= count) {
      throw new IllegalArgumentException("device must be in [0, " + count + "), got " + device);
    }
    return new CudaDevice(device);
  }

  public int device() {
    return device;
  }

  /** Marks the instance closed; buffers and streams it made stay valid until closed themselves. */
  @Override
  public void close() {
    closed = true;
  }

  /** A buffer of {@code length} floats on this device (cudaMalloc; not for a captured step). */
  public DeviceBuffer allocateFloats(long length) {
    open();
    return new DeviceBuffer(device, DeviceBuffer.Type.FLOAT32, length);
  }

  /** A buffer of {@code length} ints on this device (cudaMalloc; not for a captured step). */
  public DeviceBuffer allocateInts(long length) {
    open();
    return new DeviceBuffer(device, DeviceBuffer.Type.INT32, length);
  }

  /**
   * A view of device memory that other code allocated on this device: {@code length} elements of
   * {@code type} from {@code address}. The view does not own the memory (closing it frees
   * nothing), and the memory must stay allocated while the view is used.
   *
   * @throws IllegalArgumentException when the address is 0, not device (or managed) memory, or
   *     on another device
   */
  public DeviceBuffer wrap(long address, DeviceBuffer.Type type, long length) {
    open();
    Checks.notNull(type, "type");
    if (address == 0) throw new IllegalArgumentException("address must not be 0 (null)");
    int[] memoryType = new int[1], owner = new int[1];
    int err = (int) withDevice(() -> NativeRuntime.cudaPointerInfo(address, memoryType, owner));
    if (err != 0 || (memoryType[0] != 2 && memoryType[0] != 3)) {
      throw new IllegalArgumentException("address 0x" + Long.toHexString(address)
          + " is not device memory" + (err != 0 ? " (cudaPointerGetAttributes: "
              + NativeRuntime.cudaErrorString(err) + ")" : ""));
    }
    if (memoryType[0] == 2 && owner[0] != device) {
      throw new IllegalArgumentException("address 0x" + Long.toHexString(address)
          + " lives on device " + owner[0] + ", this instance runs on device " + device);
    }
    return new DeviceBuffer(device, type, length, address);
  }

  /** A new stream on this device, with its own status word. */
  public CudaStream createStream() {
    open();
    return new CudaStream(device);
  }

  /**
   * A view of a {@code cudaStream_t} that other code created on this device ({@code 0}: the
   * legacy default stream), with a status word of its own; closing the view frees the word, not
   * the stream. The handle must stay valid while the view is used: a destroyed handle cannot be
   * detected (CUDA leaves its use undefined).
   */
  public CudaStream wrapStream(long handle) {
    open();
    return new CudaStream(device, handle);
  }

  // ------------------------------------------------------------------------ low-level operations

  /** {@link dev.gumbelrao.Backend#sample(float[], int, int, NoiseKey, int[], float[])}; oneHot may be null. */
  public void sample(DeviceBuffer logits, int rows, int arity, NoiseKey key, DeviceBuffer choice,
      DeviceBuffer oneHot, CudaStream stream) {
    target(stream).execute(new Calls.Sample(Memory.of(logits, "logits"), rows, arity, key,
        Memory.of(choice, "choice"), Memory.of(oneHot, "oneHot")));
  }

  /**
   * {@link dev.gumbelrao.Backend#conditionalGumbel(float[], int[], int, int, int, NoiseKey,
   * float[])}.
   */
  public void conditionalGumbel(DeviceBuffer logits, DeviceBuffer choice, int rows, int arity,
      int samples, NoiseKey key, DeviceBuffer noise, CudaStream stream) {
    target(stream).execute(new Calls.ConditionalGumbel(Memory.of(logits, "logits"),
        Memory.of(choice, "choice"), rows, arity, samples, key, Memory.of(noise, "noise")));
  }

  @Override
  public String toString() {
    return "CudaDevice[" + device + (closed ? ", closed" : "") + "]";
  }

  // ---------------------------------------------------------------------------------- helpers

  private void open() {
    if (closed) throw new IllegalStateException("this CudaDevice is closed");
  }

  /** Where calls on {@code stream} run: the stream's place, this device made current. */
  private Target target(CudaStream stream) {
    open();
    Checks.notNull(stream, "stream");
    if (stream.device() != device) {
      throw new IllegalArgumentException("stream lives on device " + stream.device()
          + ", the call runs on device " + device);
    }
    return new StreamTarget(stream);
  }

  /**
   * Device memory on one stream: the arguments checked for this device, the call queued with no
   * synchronisation (bad rows go to the stream's status word, thrown by
   * {@link CudaStream#synchronize()}), the outputs marked written.
   */
  private final class StreamTarget implements Target {
    private final CudaStream stream;

    StreamTarget(CudaStream stream) {
      this.stream = stream;
    }

    @Override
    public BackendKind kind() {
      return BackendKind.CUDA;
    }

    @Override
    public String description() {
      return "CUDA (device " + device + ", stream 0x" + Long.toHexString(stream.handle()) + ")";
    }

    @Override
    public boolean device() {
      return true;
    }

    @Override
    public void execute(Call c) {
      open();
      Arguments.checkDevice(c, device);
      Memory[] arrays = c.arrays();
      long[] addresses = new long[arrays.length];
      for (int i = 0; i < arrays.length; i++) {
        addresses[i] = arrays[i] == null ? 0 : arrays[i].address();
      }
      Place place = stream.place();
      long status;
      try {
        status = withDevice(() -> NativeOperations.addressed(place.address(), c, addresses));
      } finally {
        place.keepAlive();
      }
      if (Status.code(status) == Status.CUDA_ERROR) {
        throw new CudaException(c.operation().cName(), (int) Status.row(status));
      }
      Status.check(status, c);
      List<ArrayParameter> params = c.operation().arrays();
      for (int i = 0; i < arrays.length; i++) {
        if (arrays[i] != null && params.get(i).output()) arrays[i].device().markWritten();
      }
    }
  }

  @FunctionalInterface
  private interface NativeCall {
    long run();
  }

  /** Runs call with this instance's device current, then makes the caller's current again. */
  private long withDevice(NativeCall call) {
    int[] previous = {-1};
    CudaException.check(NativeRuntime.cudaGetDevice(previous), "cudaGetDevice");
    boolean switched = previous[0] != device;
    if (switched) CudaException.check(NativeRuntime.cudaSetDevice(device),
        "cudaSetDevice(" + device + ")");
    try {
      return call.run();
    } finally {
      if (switched) NativeRuntime.cudaSetDevice(previous[0]);
    }
  }
}
