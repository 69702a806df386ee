package dev.gumbelrao;

import static dev.gumbelrao.DirectBuffers.address;
import static dev.gumbelrao.DirectBuffers.require;


/**
 * The CUDA backend for host memory: each operation is one JNI call that stages direct buffers
 * through the calling thread's page-locked and device memory, runs the kernel on the thread's
 * own stream of this instance's device, copies the outputs back and synchronises
 * (gumbel_rao_cuda_host.h). Arrays are first copied into direct memory ({@link Staging}): a JNI
 * critical region held across the GPU round trip would block every allocation in the JVM. Threads
 * never share a stream or buffer, so concurrent calls from many threads run concurrently on the
 * GPU.
 */
final class CudaKernels implements Kernels {
  private final int device;
  private final String name;

  CudaKernels(int device) {
    BackendStatus cuda = Backends.status(Backend.CUDA);
    if (!cuda.available()) throw new BackendUnavailableException(cuda);
    int count = Backends.cudaDeviceCount();
    if (device < 0 || device >= count) {
      throw new IllegalArgumentException("device must be in [0, " + count + "), got " + device);
    }
    this.device = device;
    this.name = Backends.cudaDeviceName(device);
  }

  @Override
  public Backend backend() {
    return Backend.CUDA;
  }

  @Override
  public String description() {
    return "CUDA (device " + device + ": " + name + ")";
  }

  @Override
  public void close() {
    // every thread's staging memory, not only the closing thread's: the threads that made
    // calls may be pooled and idle (a running call on another thread finishes first)
    int error = NativeKernels.cudaHostReleaseAll();
    if (error != 0) {
      System.getLogger("dev.gumbelrao").log(System.Logger.Level.WARNING,
          "releasing the CUDA backend's staging memory failed: cudaError_t " + error);
    }
  }

  private static long bytes(long n) {
    return Staging.bytes(n);
  }

  @Override
  public long sample(Floats logits, int rows, int arity, NoiseKey key, Ints choice,
      Floats oneHot) {
    long n = (long) rows * arity;
    Staging s = new Staging(2 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), oh = s.out(oneHot);
    Ints d = s.out(choice);
    require(th, d, oh);
    long status = NativeKernels.cudaHostSample(device, address(th), rows, arity, key.seed(),
        key.offsetWord(), address(d), address(oh));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long conditionalGumbel(Floats logits, Ints choice, int rows, int arity, int samples,
      NoiseKey key, Floats noise) {
    long n = (long) rows * arity;
    Staging s = new Staging(bytes(n) + bytes(rows) + bytes(n * samples));
    Floats th = s.in(logits), out = s.out(noise);
    Ints d = s.in(choice);
    require(th, d, out);
    long status = NativeKernels.cudaHostConditionalGumbel(device, address(th), address(d), rows,
        arity, samples, key.seed(), key.offsetWord(), address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gumbelRaoBackward(Floats logits, Ints choice, Floats upstream, int rows,
      int arity, int samples, float tau, NoiseKey key, Floats grad) {
    long n = (long) rows * arity;
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = NativeKernels.cudaHostGumbelRaoBackward(device, address(th), address(d),
        address(g), rows, arity, samples, tau, key.seed(), key.offsetWord(), address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gumbelSoftmaxForward(Floats logits, int rows, int arity, float tau, NoiseKey key,
      Floats soft) {
    long n = (long) rows * arity;
    Staging s = new Staging(2 * bytes(n));
    Floats th = s.in(logits), out = s.out(soft);
    require(th, out);
    long status = NativeKernels.cudaHostGumbelSoftmaxForward(device, address(th), rows, arity,
        tau, key.seed(), key.offsetWord(), address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gumbelSoftmaxBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, NoiseKey key, Floats grad) {
    long n = (long) rows * arity;
    Staging s = new Staging(3 * bytes(n));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    require(th, g, out);
    long status = NativeKernels.cudaHostGumbelSoftmaxBackward(device, address(th), address(g),
        rows, arity, tau, key.seed(), key.offsetWord(), address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long straightThroughBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, Floats grad) {
    long n = (long) rows * arity;
    Staging s = new Staging(3 * bytes(n));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    require(th, g, out);
    long status = NativeKernels.cudaHostStraightThroughBackward(device, address(th), address(g),
        rows, arity, tau, address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long reinforceBackward(Floats logits, Ints choice, Floats losses, float baseline,
      int rows, int arity, Floats grad) {
    long n = (long) rows * arity;
    Staging s = new Staging(2 * bytes(n) + 2 * bytes(rows));
    Floats th = s.in(logits), f = s.in(losses), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, f, out);
    long status = NativeKernels.cudaHostReinforceBackward(device, address(th), address(d),
        address(f), baseline, rows, arity, address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  // ------------------------------------------------------ the estimators beyond the paper

  @Override
  public long binarySample(Floats logits, int rows, NoiseKey key, boolean antithetic,
      Ints choice, Floats values) {
    long draws = antithetic ? 2 : 1;
    Staging s = new Staging(bytes(rows) + 2 * bytes(draws * rows));
    Floats th = s.in(logits), v = s.out(values);
    Ints d = s.out(choice);
    require(th, d, v);
    long status = NativeKernels.cudaHostBinarySample(device, address(th), rows, key.seed(),
        key.offsetWord(), antithetic ? 1 : 0, address(d), address(v));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gumbelRaoTotalBackward(Floats logits, Ints choice, Floats upstream, int rows,
      int arity, int samples, float tau, NoiseKey key, Floats grad) {
    long n = (long) rows * arity;
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = NativeKernels.cudaHostGumbelRaoTotalBackward(device, address(th), address(d),
        address(g), rows, arity, samples, tau, key.seed(), key.offsetWord(), address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long zgrBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      Floats grad) {
    long n = (long) rows * arity;
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = NativeKernels.cudaHostZgrBackward(device, address(th), address(d), address(g),
        rows, arity, address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long zgrBinaryBackward(Floats logits, Ints choice, Floats upstream, int rows,
      Floats grad) {
    Staging s = new Staging(4 * bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = NativeKernels.cudaHostZgrBinaryBackward(device, address(th), address(d),
        address(g), rows, address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long reinMaxBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      float tau, Floats grad) {
    long n = (long) rows * arity;
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = NativeKernels.cudaHostReinMaxBackward(device, address(th), address(d),
        address(g), rows, arity, tau, address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gstBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      float tau, float gap, Floats grad) {
    long n = (long) rows * arity;
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = NativeKernels.cudaHostGstBackward(device, address(th), address(d), address(g),
        rows, arity, tau, gap, address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long rlooBackward(Floats logits, Ints choice, Floats losses, int rows, int arity,
      int samples, Floats grad) {
    long n = (long) rows * arity, draws = (long) samples * rows;
    Staging s = new Staging(2 * bytes(n) + 2 * bytes(draws));
    Floats th = s.in(logits), f = s.in(losses), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, f, out);
    long status = NativeKernels.cudaHostRlooBackward(device, address(th), address(d),
        address(f), rows, arity, samples, address(out));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long disarmBackward(Floats logits, Ints choice, Floats losses, int rows, Floats grad) {
    Staging s = new Staging(2 * bytes(rows) + 2 * bytes(2L * rows));
    Floats th = s.in(logits), f = s.in(losses), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, f, out);
    long status = NativeKernels.cudaHostDisarmBackward(device, address(th), address(d),
        address(f), rows, address(out));
    if (status == Status.OK) s.commit();
    return status;
  }
}
