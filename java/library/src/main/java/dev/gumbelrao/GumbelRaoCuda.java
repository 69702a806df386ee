package dev.gumbelrao;


/**
 * The operations of {@link GumbelRao} on device-resident data of one CUDA device, queued on a
 * stream without any synchronisation: the formulas, noise and validation are those of
 * {@link GumbelRao} (see there), and for the same key the results equal the CPU backend's to
 * float rounding.
 *
 * <p>Two forms of each operation:
 * <ul>
 *   <li>raw: device addresses ({@code long}) of float32/int32 arrays of the sizes GumbelRao
 *       documents, a {@code cudaStream_t} handle ({@code 0}: the legacy default stream) and an
 *       optional {@link DeviceStatus}. Addresses cannot be sized from Java: they must point to
 *       enough device memory of this device. The stream handle is validated before use
 *       ({@code cudaStreamGetFlags}); a destroyed stream gives a {@link CudaException}.
 *   <li>{@link DeviceBuffer}s and a {@link CudaStream}: element types, lengths and devices are
 *       checked before launching; bad values are reported to the stream's status and thrown by
 *       {@link CudaStream#synchronize()}.
 * </ul>
 * Shapes and scalars are validated before any launch (IllegalArgumentException naming the
 * argument); bad values in the data (NaN logits, choices out of range, ...) are found by the
 * kernels, which skip those rows and record the lowest in the status word, since reporting them
 * at once would need a synchronisation. JCuda pointers and streams: see
 * {@code dev.gumbelrao.jcuda.JCudaGumbelRao}.
 *
 * <p>Thread-safe: calls from several threads, each on its own stream, run concurrently.
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
   * @throws BackendUnavailableException when CUDA cannot run here, or there is no such device
   */
  public static GumbelRaoCuda open(int device) {
    BackendStatus cuda = Backends.status(Backend.CUDA);
    if (!cuda.available()) throw new BackendUnavailableException(cuda);
    int count = Backends.cudaDeviceCount();
    if (device < 0 || device >= count) {
      throw new IllegalArgumentException("device must be in [0, " + count + "), got " + device);
    }
    CudaException.check(NativeKernels.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
    return new GumbelRaoCuda(device);
  }

  public int device() {
    return device;
  }

  @Override
  public void close() {
    closed = true;
  }

  /** A buffer of {@code length} floats on this device. */
  public DeviceBuffer allocateFloats(long length) {
    open();
    return new DeviceBuffer(device, DeviceBuffer.Type.FLOAT32, length);
  }

  /** A buffer of {@code length} ints on this device. */
  public DeviceBuffer allocateInts(long length) {
    open();
    return new DeviceBuffer(device, DeviceBuffer.Type.INT32, length);
  }

  /** A new stream on this device, with its own status word. */
  public CudaStream createStream() {
    open();
    return new CudaStream(device);
  }

  /** A status word for raw calls (reset, ready on the legacy default stream). */
  public DeviceStatus createStatus() {
    open();
    return new DeviceStatus(device, 0);
  }

  // ---------------------------------------------------------------------------- raw addresses

  /** {@link GumbelRao#sample(float[], int, int, NoiseKey, int[], float[])}; oneHot may be 0. */
  public void sample(long logits, int rows, int arity, NoiseKey key, long choice, long oneHot,
      long stream, DeviceStatus status) {
    Checks.batch(rows, arity);
    address(logits, "logits");
    Checks.notNull(key, "key");
    address(choice, "choice");
    launch("sample", stream, status, (s, st) -> NativeKernels.cudaSample(logits, rows, arity,
        key.seed(), key.offsetWord(), choice, oneHot, st, s));
  }

  /** {@link GumbelRao#conditionalGumbel(float[], int[], int, int, int, NoiseKey, float[])}. */
  public void conditionalGumbel(long logits, long choice, int rows, int arity, int samples,
      NoiseKey key, long noise, long stream, DeviceStatus status) {
    Checks.noiseElements(samples, Checks.batch(rows, arity));
    address(logits, "logits");
    address(choice, "choice");
    Checks.notNull(key, "key");
    address(noise, "noise");
    launch("conditionalGumbel", stream, status, (s, st) -> NativeKernels.cudaConditionalGumbel(
        logits, choice, rows, arity, samples, key.seed(), key.offsetWord(), noise, st, s));
  }

  /** {@link GumbelRao#gumbelRaoBackward(float[], int[], float[], int, int, int, float, NoiseKey, float[])}. */
  public void gumbelRaoBackward(long logits, long choice, long upstream, int rows, int arity,
      int samples, float tau, NoiseKey key, long grad, long stream, DeviceStatus status) {
    Checks.batch(rows, arity);
    address(logits, "logits");
    address(choice, "choice");
    address(upstream, "upstream");
    Checks.samples(samples);
    Checks.tau(tau);
    Checks.notNull(key, "key");
    address(grad, "grad");
    distinct(grad, "grad", logits, "logits", upstream, "upstream");
    launch("gumbelRaoBackward", stream, status, (s, st) -> NativeKernels.cudaGumbelRaoBackward(
        logits, choice, upstream, rows, arity, samples, tau, key.seed(), key.offsetWord(), grad,
        st, s));
  }

  /** {@link GumbelRao#gumbelSoftmaxForward(float[], int, int, float, NoiseKey, float[])}. */
  public void gumbelSoftmaxForward(long logits, int rows, int arity, float tau, NoiseKey key,
      long soft, long stream, DeviceStatus status) {
    Checks.batch(rows, arity);
    address(logits, "logits");
    Checks.tau(tau);
    Checks.notNull(key, "key");
    address(soft, "soft");
    distinct(soft, "soft", logits, "logits", 0, "");
    launch("gumbelSoftmaxForward", stream, status, (s, st) ->
        NativeKernels.cudaGumbelSoftmaxForward(logits, rows, arity, tau, key.seed(),
            key.offsetWord(), soft, st, s));
  }

  /** {@link GumbelRao#gumbelSoftmaxBackward(float[], float[], int, int, float, NoiseKey, float[])}. */
  public void gumbelSoftmaxBackward(long logits, long upstream, int rows, int arity, float tau,
      NoiseKey key, long grad, long stream, DeviceStatus status) {
    Checks.batch(rows, arity);
    address(logits, "logits");
    address(upstream, "upstream");
    Checks.tau(tau);
    Checks.notNull(key, "key");
    address(grad, "grad");
    distinct(grad, "grad", logits, "logits", upstream, "upstream");
    launch("gumbelSoftmaxBackward", stream, status, (s, st) ->
        NativeKernels.cudaGumbelSoftmaxBackward(logits, upstream, rows, arity, tau, key.seed(),
            key.offsetWord(), grad, st, s));
  }

  /** {@link GumbelRao#straightThroughBackward(float[], float[], int, int, float, float[])}. */
  public void straightThroughBackward(long logits, long upstream, int rows, int arity, float tau,
      long grad, long stream, DeviceStatus status) {
    Checks.batch(rows, arity);
    address(logits, "logits");
    address(upstream, "upstream");
    Checks.tau(tau);
    address(grad, "grad");
    distinct(grad, "grad", logits, "logits", upstream, "upstream");
    launch("straightThroughBackward", stream, status, (s, st) ->
        NativeKernels.cudaStraightThroughBackward(logits, upstream, rows, arity, tau, grad, st,
            s));
  }

  /**
   * REINFORCE on the device: grad = (f - baseline)(onehot(D) - p). The running mean of the
   * losses lives on the device with them, so the caller passes the baseline value (a host-side
   * {@link RunningMeanBaseline} would need a synchronisation to read the batch's losses).
   */
  public void reinforceBackward(long logits, long choice, long losses, float baseline, int rows,
      int arity, long grad, long stream, DeviceStatus status) {
    Checks.batch(rows, arity);
    address(logits, "logits");
    address(choice, "choice");
    address(losses, "losses");
    Checks.finite(baseline, "baseline");
    address(grad, "grad");
    distinct(grad, "grad", logits, "logits", losses, "losses");
    launch("reinforceBackward", stream, status, (s, st) -> NativeKernels.cudaReinforceBackward(
        logits, choice, losses, baseline, rows, arity, grad, st, s));
  }

  // ------------------------------------------------------------------ DeviceBuffers, CudaStream

  /** {@link #sample(long, int, int, NoiseKey, long, long, long, DeviceStatus)} on buffers; oneHot may be null. */
  public void sample(DeviceBuffer logits, int rows, int arity, NoiseKey key, DeviceBuffer choice,
      DeviceBuffer oneHot, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    sample(floats(logits, "logits", n), rows, arity, key, ints(choice, "choice", rows),
        oneHot == null ? 0 : floats(oneHot, "oneHot", n), s.handle(), s.status());
  }

  public void conditionalGumbel(DeviceBuffer logits, DeviceBuffer choice, int rows, int arity,
      int samples, NoiseKey key, DeviceBuffer noise, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    long total = Checks.noiseElements(samples, (int) n);
    CudaStream s = stream(stream);
    conditionalGumbel(floats(logits, "logits", n), ints(choice, "choice", rows), rows, arity,
        samples, key, floats(noise, "noise", total), s.handle(), s.status());
  }

  public void gumbelRaoBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer upstream,
      int rows, int arity, int samples, float tau, NoiseKey key, DeviceBuffer grad,
      CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    gumbelRaoBackward(floats(logits, "logits", n), ints(choice, "choice", rows),
        floats(upstream, "upstream", n), rows, arity, samples, tau, key,
        floats(grad, "grad", n), s.handle(), s.status());
  }

  public void gumbelSoftmaxForward(DeviceBuffer logits, int rows, int arity, float tau,
      NoiseKey key, DeviceBuffer soft, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    gumbelSoftmaxForward(floats(logits, "logits", n), rows, arity, tau, key,
        floats(soft, "soft", n), s.handle(), s.status());
  }

  public void gumbelSoftmaxBackward(DeviceBuffer logits, DeviceBuffer upstream, int rows,
      int arity, float tau, NoiseKey key, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    gumbelSoftmaxBackward(floats(logits, "logits", n), floats(upstream, "upstream", n), rows,
        arity, tau, key, floats(grad, "grad", n), s.handle(), s.status());
  }

  public void straightThroughBackward(DeviceBuffer logits, DeviceBuffer upstream, int rows,
      int arity, float tau, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    straightThroughBackward(floats(logits, "logits", n), floats(upstream, "upstream", n), rows,
        arity, tau, floats(grad, "grad", n), s.handle(), s.status());
  }

  public void reinforceBackward(DeviceBuffer logits, DeviceBuffer choice, DeviceBuffer losses,
      float baseline, int rows, int arity, DeviceBuffer grad, CudaStream stream) {
    long n = Checks.batch(rows, arity);
    CudaStream s = stream(stream);
    reinforceBackward(floats(logits, "logits", n), ints(choice, "choice", rows),
        floats(losses, "losses", rows), baseline, rows, arity, floats(grad, "grad", n),
        s.handle(), s.status());
  }

  // ---------------------------------------------------------------------------------- helpers

  @FunctionalInterface
  private interface Launch {
    int run(long stream, long status);
  }

  private void open() {
    if (closed) throw new IllegalStateException("this GumbelRaoCuda is closed");
  }

  private void launch(String operation, long stream, DeviceStatus status, Launch launch) {
    open();
    if (status != null && status.device() != device) {
      throw new IllegalArgumentException("status lives on device " + status.device()
          + ", the call runs on device " + device);
    }
    CudaException.check(NativeKernels.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
    CudaException.check(NativeKernels.cudaStreamCheck(stream), operation + ": stream 0x"
        + Long.toHexString(stream) + " is not a usable stream");
    CudaException.check(launch.run(stream, status == null ? 0 : status.address()), operation);
  }

  private static void address(long address, String name) {
    if (address == 0) {
      throw new IllegalArgumentException(name + " must be a device address, got 0 (null)");
    }
  }

  private static void distinct(long out, String outName, long a, String aName, long b,
      String bName) {
    if (out == a) {
      throw new IllegalArgumentException(outName + " must not be the same memory as " + aName);
    }
    if (b != 0 && out == b) {
      throw new IllegalArgumentException(outName + " must not be the same memory as " + bName);
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
}
