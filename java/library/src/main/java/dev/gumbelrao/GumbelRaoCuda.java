package dev.gumbelrao;

/**
 * The library on one CUDA device, for device-resident data: every {@link Estimator} runs on it
 * ({@link Estimator#forward(GumbelRaoCuda, DeviceBuffer, int, int, NoiseKey, DeviceBuffer,
 * DeviceBuffer, CudaStream)}), and it offers the low-level operations of {@link GumbelRao}
 * (sampling and conditional Gumbel noise) on {@link DeviceBuffer}s. Work is queued on a
 * {@link CudaStream} without any synchronisation, allocation or host-side blocking (except the
 * REINFORCE backward pass, which reads the batch's losses to update its baseline), so a training
 * step can be captured into a CUDA graph. The formulas, noise and validation are those of
 * {@link GumbelRao}; for the same key the results equal the CPU backend's to float rounding.
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
public final class GumbelRaoCuda implements AutoCloseable {
  private final int device;
  private volatile boolean closed;

  private GumbelRaoCuda(int device) {
    this.device = device;
  }

  /**
   * Opens CUDA device {@code device}.
   *
   * @throws BackendUnavailableException when CUDA cannot run here
   * @throws IllegalArgumentException when there is no such device
   */
  public static GumbelRaoCuda open(int device) {
    BackendStatus cuda = Backends.status(Backend.CUDA);
    if (!cuda.available()) throw new BackendUnavailableException(cuda);
    int count = Backends.cudaDeviceCount();
    if (device < 0 || device >= count) {
      throw new IllegalArgumentException("device must be in [0, " + count + "), got " + device);
    }
    return new GumbelRaoCuda(device);
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
    int err = withDevice(() -> NativeKernels.cudaPointerInfo(address, memoryType, owner));
    if (err != 0 || (memoryType[0] != 2 && memoryType[0] != 3)) {
      throw new IllegalArgumentException("address 0x" + Long.toHexString(address)
          + " is not device memory" + (err != 0 ? " (cudaPointerGetAttributes: "
              + NativeKernels.cudaErrorString(err) + ")" : ""));
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

  /** {@link GumbelRao#sample(float[], int, int, NoiseKey, int[], float[])}; oneHot may be null. */
  public void sample(DeviceBuffer logits, int rows, int arity, NoiseKey key, DeviceBuffer choice,
      DeviceBuffer oneHot, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n);
    Checks.notNull(key, "key");
    long d = ints(choice, "choice", rows);
    long oh = oneHot == null ? 0 : floats(oneHot, "oneHot", n);
    Ranges.disjoint(choice, "choice", rows, logits, "logits", n);
    if (oneHot != null) {
      Ranges.disjoint(oneHot, "oneHot", n, logits, "logits", n);
      Ranges.disjoint(oneHot, "oneHot", n, choice, "choice", rows);
    }
    launch("sample", s, st -> NativeKernels.cudaSample(th, rows, arity, key.seed(),
        key.offsetWord(), d, oh, st, s.handle()));
    choice.markWritten();
  }

  /** {@link GumbelRao#conditionalGumbel(float[], int[], int, int, int, NoiseKey, float[])}. */
  public void conditionalGumbel(DeviceBuffer logits, DeviceBuffer choice, int rows, int arity,
      int samples, NoiseKey key, DeviceBuffer noise, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    long total = Checks.noiseElements(samples, (int) n);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), d = ints(choice, "choice", rows);
    Checks.notNull(key, "key");
    long out = floats(noise, "noise", total);
    Ranges.disjoint(noise, "noise", total, logits, "logits", n);
    Ranges.disjoint(noise, "noise", total, choice, "choice", rows);
    launch("conditionalGumbel", s, st -> NativeKernels.cudaConditionalGumbel(th, d, rows, arity,
        samples, key.seed(), key.offsetWord(), out, st, s.handle()));
  }

  // ========================================================= the estimators' passes (package)

  void checkShape(DeviceBuffer logits, int rows, int arity, NoiseKey key, CudaStream stream) {
    floats(logits, "logits", Checks.batch(rows, arity));
    Checks.notNull(key, "key");
    stream(stream);
  }

  void gumbelRaoBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer upstream,
      int rows, int arity, int samples, float tau, NoiseKey key, DeviceBuffer grad,
      CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), d = ints(choice, "choice", rows);
    long g = floats(upstream, "upstream", n);
    Checks.samples(samples);
    Checks.tau(tau);
    long out = floats(grad, "grad", n);
    Ranges.disjoint(grad, "grad", n, logits, "logits", n);
    Ranges.disjoint(grad, "grad", n, upstream, "upstream", n);
    Ranges.disjoint(grad, "grad", n, choice, "choice", rows);
    launch("gumbelRaoBackward", s, st -> NativeKernels.cudaGumbelRaoBackward(th, d, g, rows,
        arity, samples, tau, key.seed(), key.offsetWord(), out, st, s.handle()));
  }

  void gumbelSoftmaxForward(DeviceBuffer logits, int rows, int arity, float tau, NoiseKey key,
      DeviceBuffer soft, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n);
    Checks.tau(tau);
    Checks.notNull(key, "key");
    long out = floats(soft, "values", n);
    Ranges.disjoint(soft, "values", n, logits, "logits", n);
    launch("gumbelSoftmaxForward", s, st -> NativeKernels.cudaGumbelSoftmaxForward(th, rows,
        arity, tau, key.seed(), key.offsetWord(), out, st, s.handle()));
  }

  void gumbelSoftmaxBackward(DeviceBuffer logits, DeviceBuffer upstream, int rows, int arity,
      float tau, NoiseKey key, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), g = floats(upstream, "upstream", n);
    Checks.tau(tau);
    long out = floats(grad, "grad", n);
    Ranges.disjoint(grad, "grad", n, logits, "logits", n);
    Ranges.disjoint(grad, "grad", n, upstream, "upstream", n);
    launch("gumbelSoftmaxBackward", s, st -> NativeKernels.cudaGumbelSoftmaxBackward(th, g,
        rows, arity, tau, key.seed(), key.offsetWord(), out, st, s.handle()));
  }

  void straightThroughBackward(DeviceBuffer logits, DeviceBuffer upstream, int rows, int arity,
      float tau, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), g = floats(upstream, "upstream", n);
    Checks.tau(tau);
    long out = floats(grad, "grad", n);
    Ranges.disjoint(grad, "grad", n, logits, "logits", n);
    Ranges.disjoint(grad, "grad", n, upstream, "upstream", n);
    launch("straightThroughBackward", s, st -> NativeKernels.cudaStraightThroughBackward(th, g,
        rows, arity, tau, out, st, s.handle()));
  }

  void reinforceBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer losses,
      float baseline, int rows, int arity, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), d = ints(choice, "choice", rows);
    long f = floats(losses, "losses", rows);
    Checks.finite(baseline, "baseline");
    long out = floats(grad, "grad", n);
    Ranges.disjoint(grad, "grad", n, logits, "logits", n);
    Ranges.disjoint(grad, "grad", n, losses, "losses", rows);
    Ranges.disjoint(grad, "grad", n, choice, "choice", rows);
    launch("reinforceBackward", s, st -> NativeKernels.cudaReinforceBackward(th, d, f, baseline,
        rows, arity, out, st, s.handle()));
  }

  // ------------------------------------------------------ the estimators beyond the paper

  void binarySample(DeviceBuffer logits, int rows, NoiseKey key, boolean antithetic,
      DeviceBuffer choice, DeviceBuffer values, CudaStream stream) {
    Checks.batch(rows, 1);
    CudaStream s = stream(stream);
    int draws = antithetic ? 2 : 1;
    long th = floats(logits, "logits", rows);
    Checks.notNull(key, "key");
    long d = ints(choice, "choice", (long) draws * rows);
    long v = values == null ? 0 : floats(values, "values", (long) draws * rows);
    Ranges.disjoint(choice, "choice", (long) draws * rows, logits, "logits", rows);
    if (values != null) {
      Ranges.disjoint(values, "values", (long) draws * rows, logits, "logits", rows);
      Ranges.disjoint(values, "values", (long) draws * rows, choice, "choice",
          (long) draws * rows);
    }
    launch("binarySample", s, st -> NativeKernels.cudaBinarySample(th, rows, key.seed(),
        key.offsetWord(), antithetic ? 1 : 0, d, v, st, s.handle()));
    choice.markWritten();
  }

  void gumbelRaoTotalBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer upstream,
      int rows, int arity, int samples, float tau, NoiseKey key, DeviceBuffer grad,
      CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), d = ints(choice, "choice", rows);
    long g = floats(upstream, "upstream", n);
    Checks.samples(samples);
    Checks.tau(tau);
    long out = floats(grad, "grad", n);
    gradDisjoint(grad, n, logits, upstream, "upstream", n, choice, rows);
    launch("gumbelRaoTotalBackward", s, st -> NativeKernels.cudaGumbelRaoTotalBackward(th, d, g,
        rows, arity, samples, tau, key.seed(), key.offsetWord(), out, st, s.handle()));
  }

  void zgrBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer upstream, int rows,
      int arity, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), d = ints(choice, "choice", rows);
    long g = floats(upstream, "upstream", n), out = floats(grad, "grad", n);
    gradDisjoint(grad, n, logits, upstream, "upstream", n, choice, rows);
    launch("zgrBackward", s, st -> NativeKernels.cudaZgrBackward(th, d, g, rows, arity, out, st,
        s.handle()));
  }

  void zgrBinaryBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer upstream,
      int rows, DeviceBuffer grad, CudaStream stream) {
    Checks.batch(rows, 1);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", rows), d = ints(choice, "choice", rows);
    long g = floats(upstream, "upstream", rows), out = floats(grad, "grad", rows);
    gradDisjoint(grad, rows, logits, upstream, "upstream", rows, choice, rows);
    launch("zgrBinaryBackward", s, st -> NativeKernels.cudaZgrBinaryBackward(th, d, g, rows, out,
        st, s.handle()));
  }

  void reinMaxBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer upstream,
      int rows, int arity, float tau, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), d = ints(choice, "choice", rows);
    long g = floats(upstream, "upstream", n);
    Checks.tau(tau);
    long out = floats(grad, "grad", n);
    gradDisjoint(grad, n, logits, upstream, "upstream", n, choice, rows);
    launch("reinMaxBackward", s, st -> NativeKernels.cudaReinMaxBackward(th, d, g, rows, arity,
        tau, out, st, s.handle()));
  }

  void gstBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer upstream, int rows,
      int arity, float tau, float gap, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), d = ints(choice, "choice", rows);
    long g = floats(upstream, "upstream", n);
    Checks.tau(tau);
    long out = floats(grad, "grad", n);
    gradDisjoint(grad, n, logits, upstream, "upstream", n, choice, rows);
    launch("gstBackward", s, st -> NativeKernels.cudaGstBackward(th, d, g, rows, arity, tau, gap,
        out, st, s.handle()));
  }

  void rlooBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer losses, int rows,
      int arity, int samples, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", n), d = ints(choice, "choice", (long) samples * rows);
    long f = floats(losses, "losses", (long) samples * rows), out = floats(grad, "grad", n);
    gradDisjoint(grad, n, logits, losses, "losses", (long) samples * rows, choice,
        (long) samples * rows);
    launch("rlooBackward", s, st -> NativeKernels.cudaRlooBackward(th, d, f, rows, arity,
        samples, out, st, s.handle()));
  }

  void disarmBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer losses, int rows,
      DeviceBuffer grad, CudaStream stream) {
    Checks.batch(rows, 1);
    CudaStream s = stream(stream);
    long th = floats(logits, "logits", rows), d = ints(choice, "choice", 2L * rows);
    long f = floats(losses, "losses", 2L * rows), out = floats(grad, "grad", rows);
    gradDisjoint(grad, rows, logits, losses, "losses", 2L * rows, choice, 2L * rows);
    launch("disarmBackward", s, st -> NativeKernels.cudaDisarmBackward(th, d, f, rows, out, st,
        s.handle()));
  }

  /** grad (n elements) against the logits (n), the second input (m: upstream or losses), D. */
  private static void gradDisjoint(DeviceBuffer grad, long n, DeviceBuffer logits,
      DeviceBuffer second, String secondName, long m, DeviceBuffer choice, long choices) {
    Ranges.disjoint(grad, "grad", n, logits, "logits", n);
    Ranges.disjoint(grad, "grad", n, second, secondName, m);
    Ranges.disjoint(grad, "grad", n, choice, "choice", choices);
  }

  // ---------------------------------------------------------------------------------- helpers

  @FunctionalInterface
  private interface Launch {
    int run(long status);
  }

  @FunctionalInterface
  private interface Call {
    int run();
  }

  private void open() {
    if (closed) throw new IllegalStateException("this GumbelRaoCuda is closed");
  }

  private void launch(String operation, CudaStream stream, Launch launch) {
    open();
    long status = stream.status().address();
    CudaException.check(withDevice(() -> launch.run(status)), operation);
  }

  /** Runs call with this instance's device current, then makes the caller's current again. */
  private int withDevice(Call call) {
    int[] previous = {-1};
    CudaException.check(NativeKernels.cudaGetDevice(previous), "cudaGetDevice");
    boolean switched = previous[0] != device;
    if (switched) CudaException.check(NativeKernels.cudaSetDevice(device),
        "cudaSetDevice(" + device + ")");
    try {
      return call.run();
    } finally {
      if (switched) NativeKernels.cudaSetDevice(previous[0]);
    }
  }

  private CudaStream stream(CudaStream stream) {
    Checks.notNull(stream, "stream");
    if (stream.device() != device) {
      throw new IllegalArgumentException("stream lives on device " + stream.device()
          + ", the call runs on device " + device);
    }
    return stream;
  }

  private long floats(DeviceBuffer b, String name, long needed) {
    return Checks.notNull(b, name).argument(name, DeviceBuffer.Type.FLOAT32, needed, device);
  }

  private long ints(DeviceBuffer b, String name, long needed) {
    return Checks.notNull(b, name).argument(name, DeviceBuffer.Type.INT32, needed, device);
  }

  /** Overlap checks of device arguments by address range (the elements a call touches). */
  private static final class Ranges {
    static void disjoint(DeviceBuffer out, String name, long outElements, DeviceBuffer in,
        String inName, long inElements) {
      if (out == null || in == null) return;
      long a = out.address(), b = in.address();
      if (a < b + 4 * inElements && b < a + 4 * outElements) {
        throw new IllegalArgumentException(name + " overlaps the memory of " + inName
            + (a == b ? " (the same buffer)" : " (views that share elements)")
            + ": outputs must not overlap inputs");
      }
    }
  }
}
