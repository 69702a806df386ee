package dev.gumbelrao;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * The library on one backend, for host memory: the instance every {@link Estimator} runs on, and
 * the two low-level operations (categorical sampling and conditional Gumbel noise).
 *
 * <p>Source: Paulus, Maddison, Krause, "Rao-Blackwellizing the Straight-Through Gumbel-Softmax
 * Gradient Estimator", ICLR 2021 (arXiv 2010.04838). Notation: theta are the logits of a batch of
 * {@code rows} categorical variables of {@code arity} classes (row-major, {@code rows * arity}
 * floats), p = softmax(theta), D the sampled class per row, tau &gt; 0 the temperature.
 *
 * <p>Memory: arrays ({@code float[]}, {@code int[]}) are handed to native code without copying;
 * NIO buffers are read from their position (their remaining elements), and the native backends
 * need them direct and in native byte order. An output may not overlap an input (the same array,
 * or buffer views sharing memory). A logit of {@code -Infinity} masks its class: it is never
 * sampled and gets zero gradient. Noise comes from a {@link NoiseKey}: the same key gives the same
 * noise on every backend and thread count.
 *
 * <p>Errors: every invalid argument raises an {@link IllegalArgumentException} naming it: null or
 * wrongly sized arrays, rows * arity above 2^31 - 1, tau not finite and positive, K &lt; 1, a NaN
 * or +Infinity logit, a row with no finite logit, a choice outside [0, arity) or on a masked
 * class. Shapes and scalars are checked before any native call; values inside the arrays are
 * checked by the kernel as it reads each row, before it writes that row; when an exception is
 * thrown the contents of the outputs are unspecified.
 *
 * <p>Instances are thread-safe: concurrent calls from many threads give the results each would
 * give alone. Close them when done ({@link AutoCloseable}).
 *
 * <pre>{@code
 * try (GumbelRao gr = GumbelRao.create(Backend.AUTO)) {
 *   PathwiseEstimator est = Estimators.gumbelRao(100, 0.5f);
 *   Sample d = est.forward(gr, logits, rows, arity, key, oneHot);
 *   // ... the network reads oneHot and returns upstream = dL/d(oneHot) ...
 *   est.backward(d, upstream, grad);
 * }
 * }</pre>
 */
public final class GumbelRao implements AutoCloseable {
  private final Kernels kernels;
  private volatile boolean closed;

  private GumbelRao(Kernels kernels) {
    this.kernels = kernels;
  }

  /** An instance on the backend {@link Backend#AUTO} chooses. */
  public static GumbelRao create() {
    return create(Backend.AUTO);
  }

  /**
   * An instance on {@code backend} ({@link Backend#AUTO} resolves its choice: see
   * {@link Backends#choose()}).
   *
   * @throws BackendUnavailableException when that backend cannot run here; the message says why
   */
  public static GumbelRao create(Backend backend) {
    Checks.notNull(backend, "backend");
    Backend chosen = Backends.resolve(backend);
    switch (chosen) {
      case JAVA:
        return new GumbelRao(new JavaKernels());
      case CPU:
        return new GumbelRao(new CpuKernels());
      default:
        return new GumbelRao(new CudaKernels(0));
    }
  }

  /**
   * An instance on CUDA device {@code device}, for host memory: each call stages its arrays
   * through the calling thread's pinned and device memory and synchronises that thread's stream.
   * For device-resident data and asynchronous calls use {@link GumbelRaoCuda}.
   *
   * @throws BackendUnavailableException when CUDA cannot run here
   */
  public static GumbelRao createCuda(int device) {
    return new GumbelRao(new CudaKernels(device));
  }

  /** The backend this instance runs on (never AUTO). */
  public Backend backend() {
    return kernels.backend();
  }

  /** One line: the backend and its configuration, e.g. {@code CPU (avx512, 2 threads)}. */
  public String description() {
    return kernels.description();
  }

  @Override
  public void close() {
    closed = true;
    kernels.close();
  }

  @Override
  public String toString() {
    return "GumbelRao[" + description() + (closed ? ", closed" : "") + "]";
  }

  private Kernels kernels() {
    if (closed) throw new IllegalStateException("this GumbelRao instance is closed");
    return kernels;
  }

  // ===================================================================================== sample

  /**
   * Samples D ~ Cat(softmax(theta)) per row by the Gumbel-max trick:
   * D = argmax_j (theta_j + G_j), G_j = -log(-log U_j), U_j the key's forward noise (slot 0):
   * the forward pass of every hard estimator ({@link Estimator#forward} calls it).
   *
   * @param logits theta, rows * arity
   * @param choice output, D per row, rows
   * @param oneHot optional output (null to skip): onehot(D), rows * arity
   */
  public void sample(float[] logits, int rows, int arity, NoiseKey key, int[] choice,
      float[] oneHot) {
    sample(Floats.of(logits, "logits"), rows, arity, key, Ints.of(choice, "choice"),
        Floats.of(oneHot, "oneHot"));
  }

  /** {@link #sample(float[], int, int, NoiseKey, int[], float[])} on buffers. */
  public void sample(FloatBuffer logits, int rows, int arity, NoiseKey key, IntBuffer choice,
      FloatBuffer oneHot) {
    sample(Floats.of(logits, "logits"), rows, arity, key, Ints.of(choice, "choice"),
        Floats.of(oneHot, "oneHot"));
  }

  void sample(Floats logits, int rows, int arity, NoiseKey key, Ints choice, Floats oneHot) {
    int n = Checks.batch(rows, arity);
    Args.input(logits, "logits", n, "rows * arity");
    Checks.notNull(key, "key");
    Args.output(choice, "choice", rows, "rows", logits);
    if (oneHot != null) Args.output(oneHot, oneHot.name, n, "rows * arity", logits, choice);
    Status.check(kernels().sample(logits, rows, arity, key, choice, oneHot), arity);
  }

  // ========================================================== conditional Gumbel sampling

  /**
   * Draws K samples of the Gumbel noise conditioned on the sampled class, G^k | D, such that
   * argmax(theta + G^k) = D exactly (the heart of Gumbel-Rao). With E_j iid Exp(1) from the
   * key's slots 1..K: G_D = -log(p_D E_D) and G_j = -log(E_j + p_j E_D) for j != D (the paper's
   * Eq. for the truncated Gumbel, in a log-space form that cannot overflow). Marginally over
   * D ~ p, the G^k are iid Gumbel(0, 1). A masked class gets G_j = -log E_j (theta_j + G_j =
   * -Infinity). These are the draws {@link Estimators#gumbelRao} averages over.
   *
   * @param choice D per row, rows
   * @param noise output, laid out [K][rows][arity]
   */
  public void conditionalGumbel(float[] logits, int[] choice, int rows, int arity, int samples,
      NoiseKey key, float[] noise) {
    conditionalGumbel(Floats.of(logits, "logits"), Ints.of(choice, "choice"), rows, arity,
        samples, key, Floats.of(noise, "noise"));
  }

  /** {@link #conditionalGumbel(float[], int[], int, int, int, NoiseKey, float[])} on buffers. */
  public void conditionalGumbel(FloatBuffer logits, IntBuffer choice, int rows, int arity,
      int samples, NoiseKey key, FloatBuffer noise) {
    conditionalGumbel(Floats.of(logits, "logits"), Ints.of(choice, "choice"), rows, arity,
        samples, key, Floats.of(noise, "noise"));
  }

  private void conditionalGumbel(Floats logits, Ints choice, int rows, int arity, int samples,
      NoiseKey key, Floats noise) {
    int n = Checks.batch(rows, arity);
    Args.input(logits, "logits", n, "rows * arity");
    Args.input(choice, "choice", rows, "rows");
    int total = Checks.noiseElements(samples, n);
    Checks.notNull(key, "key");
    Args.output(noise, "noise", total, "samples * rows * arity", logits, choice);
    Status.check(kernels().conditionalGumbel(logits, choice, rows, arity, samples, key, noise),
        arity);
  }

  // ================================================ the estimators' passes (package-private)
  // Arguments arrive from the estimators with the shape checked; each pass checks its upstream
  // and outputs, then runs the backend's kernel.

  void gumbelRaoBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      int samples, float tau, NoiseKey key, Floats grad) {
    int n = Checks.batch(rows, arity);
    Args.input(upstream, "upstream", n, "rows * arity");
    Checks.samples(samples);
    Checks.tau(tau);
    Args.output(grad, "grad", n, "rows * arity", logits, upstream, choice);
    Status.check(kernels().gumbelRaoBackward(logits, choice, upstream, rows, arity, samples, tau,
        key, grad), arity);
  }

  void gumbelSoftmaxForward(Floats logits, int rows, int arity, float tau, NoiseKey key,
      Floats soft) {
    int n = Checks.batch(rows, arity);
    Args.input(logits, "logits", n, "rows * arity");
    Checks.tau(tau);
    Checks.notNull(key, "key");
    Args.output(soft, "values", n, "rows * arity", logits);
    Status.check(kernels().gumbelSoftmaxForward(logits, rows, arity, tau, key, soft), arity);
  }

  void gumbelSoftmaxBackward(Floats logits, Floats upstream, int rows, int arity, float tau,
      NoiseKey key, Floats grad) {
    int n = Checks.batch(rows, arity);
    Args.input(upstream, "upstream", n, "rows * arity");
    Checks.tau(tau);
    Args.output(grad, "grad", n, "rows * arity", logits, upstream);
    Status.check(kernels().gumbelSoftmaxBackward(logits, upstream, rows, arity, tau, key, grad),
        arity);
  }

  void straightThroughBackward(Floats logits, Floats upstream, int rows, int arity, float tau,
      Floats grad) {
    int n = Checks.batch(rows, arity);
    Args.input(upstream, "upstream", n, "rows * arity");
    Checks.tau(tau);
    Args.output(grad, "grad", n, "rows * arity", logits, upstream);
    Status.check(kernels().straightThroughBackward(logits, upstream, rows, arity, tau, grad),
        arity);
  }

  void reinforceBackward(Floats logits, Ints choice, Floats losses, float baseline, int rows,
      int arity, Floats grad) {
    int n = Checks.batch(rows, arity);
    Args.input(losses, "losses", rows, "rows");
    Checks.finite(baseline, "baseline");
    Args.output(grad, "grad", n, "rows * arity", logits, losses, choice);
    Status.check(kernels().reinforceBackward(logits, choice, losses, baseline, rows, arity, grad),
        arity);
  }

  // ------------------------------------------------------ the estimators beyond the paper

  void binarySample(Floats logits, int rows, NoiseKey key, boolean antithetic, Ints choice,
      Floats values) {
    Checks.batch(rows, 1);
    int draws = antithetic ? 2 : 1;
    Args.input(logits, "logits", rows, "rows");
    Checks.notNull(key, "key");
    Args.output(choice, "choice", (long) draws * rows, "draws * rows", logits);
    if (values != null) {
      Args.output(values, values.name, (long) draws * rows, "draws * rows", logits, choice);
    }
    Status.checkBinary(kernels().binarySample(logits, rows, key, antithetic, choice, values));
  }

  void gumbelRaoTotalBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      int samples, float tau, NoiseKey key, Floats grad) {
    int n = Checks.batch(rows, arity);
    Args.input(upstream, "upstream", n, "rows * arity");
    Checks.samples(samples);
    Checks.tau(tau);
    Args.output(grad, "grad", n, "rows * arity", logits, upstream, choice);
    Status.check(kernels().gumbelRaoTotalBackward(logits, choice, upstream, rows, arity,
        samples, tau, key, grad), arity);
  }

  void zgrBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      Floats grad) {
    int n = Checks.batch(rows, arity);
    Args.input(upstream, "upstream", n, "rows * arity");
    Args.output(grad, "grad", n, "rows * arity", logits, upstream, choice);
    Status.check(kernels().zgrBackward(logits, choice, upstream, rows, arity, grad), arity);
  }

  void zgrBinaryBackward(Floats logits, Ints choice, Floats upstream, int rows, Floats grad) {
    Checks.batch(rows, 1);
    Args.input(upstream, "upstream", rows, "rows");
    Args.output(grad, "grad", rows, "rows", logits, upstream, choice);
    Status.checkBinary(kernels().zgrBinaryBackward(logits, choice, upstream, rows, grad));
  }

  void reinMaxBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity,
      float tau, Floats grad) {
    int n = Checks.batch(rows, arity);
    Args.input(upstream, "upstream", n, "rows * arity");
    Checks.tau(tau);
    Args.output(grad, "grad", n, "rows * arity", logits, upstream, choice);
    Status.check(kernels().reinMaxBackward(logits, choice, upstream, rows, arity, tau, grad),
        arity);
  }

  void gstBackward(Floats logits, Ints choice, Floats upstream, int rows, int arity, float tau,
      float gap, Floats grad) {
    int n = Checks.batch(rows, arity);
    Args.input(upstream, "upstream", n, "rows * arity");
    Checks.tau(tau);
    Args.output(grad, "grad", n, "rows * arity", logits, upstream, choice);
    Status.check(kernels().gstBackward(logits, choice, upstream, rows, arity, tau, gap, grad),
        arity);
  }

  void rlooBackward(Floats logits, Ints choice, Floats losses, int rows, int arity, int samples,
      Floats grad) {
    int n = Checks.batch(rows, arity);
    Args.input(losses, "losses", (long) samples * rows, "draws * rows");
    Args.output(grad, "grad", n, "rows * arity", logits, losses, choice);
    Status.check(kernels().rlooBackward(logits, choice, losses, rows, arity, samples, grad),
        arity);
  }

  void disarmBackward(Floats logits, Ints choice, Floats losses, int rows, Floats grad) {
    Checks.batch(rows, 1);
    Args.input(losses, "losses", 2L * rows, "draws * rows");
    Args.output(grad, "grad", rows, "rows", logits, losses, choice);
    Status.checkBinary(kernels().disarmBackward(logits, choice, losses, rows, grad));
  }
}
