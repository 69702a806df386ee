package dev.gumbelrao;

import static dev.gumbelrao.DirectBuffers.address;
import static dev.gumbelrao.DirectBuffers.require;

/**
 * The native CPU backend: each operation is one JNI call into the C++ kernels. Short calls on
 * arrays hand them over as critical regions (no copies). A critical region blocks every
 * allocation in the JVM once a garbage collection is due, for as long as the call runs, so calls
 * of more than {@link #CRITICAL_WORK} element-draws stage their arrays through direct memory
 * ({@link Staging}) instead: one copy in and out, a small part of a long call. Direct buffers go
 * by address, after every buffer argument has been checked to be direct and in native byte order.
 */
final class CpuKernels implements Kernels {
  /**
   * The most element-draws a call on arrays may hold a critical region for: about 10-20 ms of
   * work on 2 cores, so an allocating thread waits at most that long.
   */
  static final long CRITICAL_WORK = 1L << 24;

  CpuKernels() {
    NativeSupport.require();
  }

  @Override
  public Backend backend() {
    return Backend.CPU;
  }

  @Override
  public String description() {
    return "CPU (" + NativeSupport.cpuIsa() + ", " + NativeKernels.cpuThreads() + " threads)";
  }

  @Override
  public void close() {}

  private static boolean critical(Floats logits, long work) {
    return logits.array != null && work <= CRITICAL_WORK;
  }

  /**
   * A staged call, cancellable: an interrupt of the calling thread while it runs ends it with
   * {@link Status#CANCELLED} (see {@link CancelWatch}).
   */
  private static long watched(java.util.function.LongSupplier call) {
    try (CancelWatch w = CancelWatch.begin()) {
      return call.getAsLong();
    }
  }

  private static long bytes(long n) {
    return Staging.bytes(n);
  }

  @Override
  public long sample(Floats logits, int rows, int arity, NoiseKey key, Ints choice,
      Floats oneHot) {
    long n = (long) rows * arity;
    if (critical(logits, n)) {
      return NativeKernels.sample(logits.array, rows, arity, key.seed(), key.offsetWord(),
          choice.array, oneHot == null ? null : oneHot.array);
    }
    Staging s = new Staging(2 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), oh = s.out(oneHot);
    Ints d = s.out(choice);
    require(th, d, oh);
    long status = watched(() -> NativeKernels
        .sample(address(th), rows, arity, key.seed(), key.offsetWord(),
        address(d), address(oh)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long conditionalGumbel(Floats logits, Ints choice, int rows, int arity, int samples,
      NoiseKey key, Floats noise) {
    long n = (long) rows * arity, work = n * samples;
    if (critical(logits, work)) {
      return NativeKernels.conditionalGumbel(logits.array, choice.array, rows, arity, samples,
          key.seed(), key.offsetWord(), noise.array);
    }
    Staging s = new Staging(bytes(n) + bytes(rows) + bytes(work));
    Floats th = s.in(logits), out = s.out(noise);
    Ints d = s.in(choice);
    require(th, d, out);
    long status = watched(() -> NativeKernels
        .conditionalGumbel(address(th), address(d), rows, arity, samples,
        key.seed(), key.offsetWord(), address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gumbelRaoBackward(Floats logits, Ints choice, Floats upstream, int rows,
      int arity, int samples, float tau, NoiseKey key, Floats grad) {
    long n = (long) rows * arity;
    if (critical(logits, n * samples)) {
      return NativeKernels.gumbelRaoBackward(logits.array, choice.array, upstream.array, rows,
          arity, samples, tau, key.seed(), key.offsetWord(), grad.array);
    }
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = watched(() -> NativeKernels
        .gumbelRaoBackward(address(th), address(d), address(g), rows,
        arity, samples, tau, key.seed(), key.offsetWord(), address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gumbelSoftmaxForward(Floats logits, int rows, int arity, float tau, NoiseKey key,
      Floats soft) {
    long n = (long) rows * arity;
    if (critical(logits, n)) {
      return NativeKernels.gumbelSoftmaxForward(logits.array, rows, arity, tau, key.seed(),
          key.offsetWord(), soft.array);
    }
    Staging s = new Staging(2 * bytes(n));
    Floats th = s.in(logits), out = s.out(soft);
    require(th, out);
    long status = watched(() -> NativeKernels
        .gumbelSoftmaxForward(address(th), rows, arity, tau, key.seed(),
        key.offsetWord(), address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gumbelSoftmaxBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, NoiseKey key, Floats grad) {
    long n = (long) rows * arity;
    if (critical(logits, n)) {
      return NativeKernels.gumbelSoftmaxBackward(logits.array, upstream.array, rows, arity, tau,
          key.seed(), key.offsetWord(), grad.array);
    }
    Staging s = new Staging(3 * bytes(n));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    require(th, g, out);
    long status = watched(() -> NativeKernels
        .gumbelSoftmaxBackward(address(th), address(g), rows, arity, tau,
        key.seed(), key.offsetWord(), address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long straightThroughBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, Floats grad) {
    long n = (long) rows * arity;
    if (critical(logits, n)) {
      return NativeKernels.straightThroughBackward(logits.array, upstream.array, rows, arity,
          tau, grad.array);
    }
    Staging s = new Staging(3 * bytes(n));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    require(th, g, out);
    long status = watched(() -> NativeKernels
        .straightThroughBackward(address(th), address(g), rows, arity,
        tau, address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long reinforceBackward(Floats logits, Ints choice, Floats losses, float baseline,
      int rows, int arity, Floats grad) {
    long n = (long) rows * arity;
    if (critical(logits, n)) {
      return NativeKernels.reinforceBackward(logits.array, choice.array, losses.array, baseline,
          rows, arity, grad.array);
    }
    Staging s = new Staging(2 * bytes(n) + 2 * bytes(rows));
    Floats th = s.in(logits), f = s.in(losses), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, f, out);
    long status = watched(() -> NativeKernels
        .reinforceBackward(address(th), address(d), address(f), baseline,
        rows, arity, address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  // ------------------------------------------------------ the estimators beyond the paper

  @Override
  public long binarySample(Floats logits, int rows, NoiseKey key, boolean antithetic,
      Ints choice, Floats values) {
    int draws = antithetic ? 2 : 1, flag = antithetic ? 1 : 0;
    if (critical(logits, rows)) {
      return NativeKernels.binarySample(logits.array, rows, key.seed(), key.offsetWord(), flag,
          choice.array, values == null ? null : values.array);
    }
    Staging s = new Staging(bytes(rows) + 2 * bytes((long) draws * rows));
    Floats th = s.in(logits), v = s.out(values);
    Ints d = s.out(choice);
    require(th, d, v);
    long status = watched(() -> NativeKernels
        .binarySample(address(th), rows, key.seed(), key.offsetWord(),
        flag, address(d), address(v)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gumbelRaoTotalBackward(Floats logits, Ints choice, Floats upstream, int rows,
      int arity, int samples, float tau, NoiseKey key, Floats grad) {
    long n = (long) rows * arity;
    if (critical(logits, n * samples)) {
      return NativeKernels.gumbelRaoTotalBackward(logits.array, choice.array, upstream.array,
          rows, arity, samples, tau, key.seed(), key.offsetWord(), grad.array);
    }
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = watched(() -> NativeKernels
        .gumbelRaoTotalBackward(address(th), address(d), address(g),
        rows, arity, samples, tau, key.seed(), key.offsetWord(), address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long zgrBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      Floats grad) {
    long n = (long) rows * arity;
    if (critical(logits, n)) {
      return NativeKernels.zgrBackward(logits.array, choice.array, upstream.array, rows, arity,
          grad.array);
    }
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = watched(() -> NativeKernels
        .zgrBackward(address(th), address(d), address(g), rows, arity,
        address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long zgrBinaryBackward(Floats logits, Ints choice, Floats upstream, int rows,
      Floats grad) {
    if (critical(logits, rows)) {
      return NativeKernels.zgrBinaryBackward(logits.array, choice.array, upstream.array, rows,
          grad.array);
    }
    Staging s = new Staging(4 * bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = watched(() -> NativeKernels
        .zgrBinaryBackward(address(th), address(d), address(g), rows,
        address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long reinMaxBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      float tau, Floats grad) {
    long n = (long) rows * arity;
    if (critical(logits, n)) {
      return NativeKernels.reinMaxBackward(logits.array, choice.array, upstream.array, rows,
          arity, tau, grad.array);
    }
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = watched(() -> NativeKernels
        .reinMaxBackward(address(th), address(d), address(g), rows,
        arity, tau, address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long gstBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      float tau, float gap, Floats grad) {
    long n = (long) rows * arity;
    if (critical(logits, n)) {
      return NativeKernels.gstBackward(logits.array, choice.array, upstream.array, rows, arity,
          tau, gap, grad.array);
    }
    Staging s = new Staging(3 * bytes(n) + bytes(rows));
    Floats th = s.in(logits), g = s.in(upstream), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, g, out);
    long status = watched(() -> NativeKernels
        .gstBackward(address(th), address(d), address(g), rows, arity,
        tau, gap, address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long rlooBackward(Floats logits, Ints choice, Floats losses, int rows, int arity,
      int samples, Floats grad) {
    long n = (long) rows * arity, draws = (long) samples * rows;
    if (critical(logits, n * samples)) {
      return NativeKernels.rlooBackward(logits.array, choice.array, losses.array, rows, arity,
          samples, grad.array);
    }
    Staging s = new Staging(2 * bytes(n) + 2 * bytes(draws));
    Floats th = s.in(logits), f = s.in(losses), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, f, out);
    long status = watched(() -> NativeKernels
        .rlooBackward(address(th), address(d), address(f), rows, arity,
        samples, address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }

  @Override
  public long disarmBackward(Floats logits, Ints choice, Floats losses, int rows, Floats grad) {
    if (critical(logits, rows)) {
      return NativeKernels.disarmBackward(logits.array, choice.array, losses.array, rows,
          grad.array);
    }
    Staging s = new Staging(2 * bytes(rows) + 2 * bytes(2L * rows));
    Floats th = s.in(logits), f = s.in(losses), out = s.out(grad);
    Ints d = s.in(choice);
    require(th, d, f, out);
    long status = watched(() -> NativeKernels
        .disarmBackward(address(th), address(d), address(f), rows,
        address(out)));
    if (status == Status.OK) s.commit();
    return status;
  }
}
