package dev.gumbelrao;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * Fused kernels for discrete random variables: categorical sampling, conditional Gumbel noise,
 * and the backward passes of the Gumbel-Rao estimator and its baselines, on a batch of
 * {@code rows} categorical variables of {@code arity} classes each.
 *
 * <p>Source: Paulus, Maddison, Krause, "Rao-Blackwellizing the Straight-Through Gumbel-Softmax
 * Gradient Estimator", ICLR 2021 (arXiv 2010.04838). Notation: theta are the logits (row-major,
 * {@code rows * arity} floats), p = softmax(theta), D the sampled class per row, g = dL/dD the
 * upstream gradient (one per logit), tau &gt; 0 the temperature, J(s) = diag(s) - s s^T the
 * softmax Jacobian, so J(s)^T g = s * (g - &lt;s, g&gt;).
 *
 * <p>Every operation takes either arrays ({@code float[]}, {@code int[]}; handed to native code
 * without copying) or NIO buffers (their remaining elements; native backends need direct buffers
 * in native byte order and read them in place). Outputs are written by the operation; none may
 * be the same array or buffer as an input. A logit of {@code -Infinity} masks its class: it is
 * never sampled and gets zero gradient. Noise comes from a {@link NoiseKey}: the same key gives
 * the same noise on every backend, and a backward pass with the forward pass's key regenerates
 * the forward's noise, so nothing but D is kept between the passes.
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
 *   NoiseKey key = new NoiseKey(seed, step);
 *   gr.sample(logits, rows, arity, key, choice, oneHot);              // forward: D, one-hot
 *   // ... the network computes upstream = dL/dD at the one-hot ...
 *   gr.gumbelRaoBackward(logits, choice, upstream, rows, arity, 100, 0.5f, key, grad);
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
   * An instance on {@code backend} ({@link Backend#AUTO} resolves and logs its choice).
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

  private Kernels kernels() {
    if (closed) throw new IllegalStateException("this GumbelRao instance is closed");
    return kernels;
  }

  // ===================================================================================== sample

  /**
   * Samples D ~ Cat(softmax(theta)) per row by the Gumbel-max trick:
   * D = argmax_j (theta_j + G_j), G_j = -log(-log U_j), U_j the key's forward noise (slot 0).
   * The forward pass of ST, ST-GS and Gumbel-Rao.
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

  private void sample(Floats logits, int rows, int arity, NoiseKey key, Ints choice,
      Floats oneHot) {
    int n = Checks.batch(rows, arity);
    checkLogits(logits, n);
    Checks.notNull(key, "key");
    checkOutput(choice, "choice", rows, "rows");
    if (oneHot != null) checkOutput(oneHot, "oneHot", n, "rows * arity", logits);
    Status.check(kernels().sample(logits, rows, arity, key, choice, oneHot), arity);
  }

  // ========================================================== conditional Gumbel sampling

  /**
   * Draws K samples of the Gumbel noise conditioned on the sampled class, G^k | D, such that
   * argmax(theta + G^k) = D exactly (the heart of Gumbel-Rao). With E_j iid Exp(1) from the
   * key's slots 1..K: G_D = -log(p_D E_D) and G_j = -log(E_j + p_j E_D) for j != D (the paper's
   * Eq. for the truncated Gumbel, in a log-space form that cannot overflow). Marginally over
   * D ~ p, the G^k are iid Gumbel(0, 1). A masked class gets G_j = -log E_j (theta_j + G_j =
   * -Infinity). These are the draws {@link #gumbelRaoBackward} averages over.
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
    checkLogits(logits, n);
    checkInput(choice, "choice", rows, "rows");
    int total = Checks.noiseElements(samples, n);
    Checks.notNull(key, "key");
    checkOutput(noise, "noise", total, "samples * rows * arity", logits);
    Status.check(kernels().conditionalGumbel(logits, choice, rows, arity, samples, key, noise),
        arity);
  }

  // ================================================================== Gumbel-Rao backward

  /**
   * The Gumbel-Rao gradient GR-MCK (the paper's Eq. 10, Monte Carlo over K conditional draws):
   * grad_theta = (1 / (K tau)) sum_k J(s^k)^T g, s^k = softmax((theta + G^k) / tau), G^k | D as in
   * {@link #conditionalGumbel}. Fused: the K draws are regenerated from the key and reduced in
   * registers; no [K, rows, arity] memory is used. Accumulates in double per chunk of draws, so
   * K = 10^6 loses no accuracy. K = 1 equals ST-GS in distribution.
   *
   * @param choice D per row, as sampled by {@link #sample} with the same key
   * @param upstream g = dL/dD at onehot(D), rows * arity
   * @param samples K &gt;= 1
   * @param tau temperature, finite and &gt; 0
   * @param grad output, dL/dtheta, rows * arity
   */
  public void gumbelRaoBackward(float[] logits, int[] choice, float[] upstream, int rows,
      int arity, int samples, float tau, NoiseKey key, float[] grad) {
    gumbelRaoBackward(Floats.of(logits, "logits"), Ints.of(choice, "choice"),
        Floats.of(upstream, "upstream"), rows, arity, samples, tau, key, Floats.of(grad, "grad"));
  }

  /** {@link #gumbelRaoBackward(float[], int[], float[], int, int, int, float, NoiseKey, float[])} on buffers. */
  public void gumbelRaoBackward(FloatBuffer logits, IntBuffer choice, FloatBuffer upstream,
      int rows, int arity, int samples, float tau, NoiseKey key, FloatBuffer grad) {
    gumbelRaoBackward(Floats.of(logits, "logits"), Ints.of(choice, "choice"),
        Floats.of(upstream, "upstream"), rows, arity, samples, tau, key, Floats.of(grad, "grad"));
  }

  private void gumbelRaoBackward(Floats logits, Ints choice, Floats upstream, int rows,
      int arity, int samples, float tau, NoiseKey key, Floats grad) {
    int n = Checks.batch(rows, arity);
    checkLogits(logits, n);
    checkInput(choice, "choice", rows, "rows");
    checkInput(upstream, "upstream", n, "rows * arity");
    Checks.samples(samples);
    Checks.tau(tau);
    Checks.notNull(key, "key");
    checkOutput(grad, "grad", n, "rows * arity", logits, upstream);
    Status.check(kernels().gumbelRaoBackward(logits, choice, upstream, rows, arity, samples, tau,
        key, grad), arity);
  }

  // ========================================================= Gumbel-Softmax and ST-GS

  /**
   * The relaxed Gumbel-Softmax sample (GS forward, Jang et al. 2017; Maddison et al. 2017):
   * y = softmax((theta + G) / tau), G the key's forward noise, the same G whose argmax
   * {@link #sample} returns for that key.
   *
   * @param soft output, y, rows * arity
   */
  public void gumbelSoftmaxForward(float[] logits, int rows, int arity, float tau, NoiseKey key,
      float[] soft) {
    gumbelSoftmaxForward(Floats.of(logits, "logits"), rows, arity, tau, key,
        Floats.of(soft, "soft"));
  }

  /** {@link #gumbelSoftmaxForward(float[], int, int, float, NoiseKey, float[])} on buffers. */
  public void gumbelSoftmaxForward(FloatBuffer logits, int rows, int arity, float tau,
      NoiseKey key, FloatBuffer soft) {
    gumbelSoftmaxForward(Floats.of(logits, "logits"), rows, arity, tau, key,
        Floats.of(soft, "soft"));
  }

  private void gumbelSoftmaxForward(Floats logits, int rows, int arity, float tau, NoiseKey key,
      Floats soft) {
    int n = Checks.batch(rows, arity);
    checkLogits(logits, n);
    Checks.tau(tau);
    Checks.notNull(key, "key");
    checkOutput(soft, "soft", n, "rows * arity", logits);
    Status.check(kernels().gumbelSoftmaxForward(logits, rows, arity, tau, key, soft), arity);
  }

  /**
   * The backward pass of ST-GS and of GS: grad = J(y)^T g / tau at y = softmax((theta + G) / tau),
   * G the key's forward noise, regenerated here. With the key of the {@link #sample} call this is
   * the straight-through Gumbel-Softmax estimator (hard forward D = argmax(theta + G), the paper's
   * baseline); with the key of {@link #gumbelSoftmaxForward} it is the relaxed GS gradient.
   *
   * @param upstream g, rows * arity
   * @param grad output, rows * arity
   */
  public void gumbelSoftmaxBackward(float[] logits, float[] upstream, int rows, int arity,
      float tau, NoiseKey key, float[] grad) {
    gumbelSoftmaxBackward(Floats.of(logits, "logits"), Floats.of(upstream, "upstream"), rows,
        arity, tau, key, Floats.of(grad, "grad"));
  }

  /** {@link #gumbelSoftmaxBackward(float[], float[], int, int, float, NoiseKey, float[])} on buffers. */
  public void gumbelSoftmaxBackward(FloatBuffer logits, FloatBuffer upstream, int rows, int arity,
      float tau, NoiseKey key, FloatBuffer grad) {
    gumbelSoftmaxBackward(Floats.of(logits, "logits"), Floats.of(upstream, "upstream"), rows,
        arity, tau, key, Floats.of(grad, "grad"));
  }

  private void gumbelSoftmaxBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, NoiseKey key, Floats grad) {
    int n = Checks.batch(rows, arity);
    checkLogits(logits, n);
    checkInput(upstream, "upstream", n, "rows * arity");
    Checks.tau(tau);
    Checks.notNull(key, "key");
    checkOutput(grad, "grad", n, "rows * arity", logits, upstream);
    Status.check(kernels().gumbelSoftmaxBackward(logits, upstream, rows, arity, tau, key, grad),
        arity);
  }

  // ====================================================================== straight-through

  /**
   * The straight-through (ST) backward pass (Bengio et al. 2013, the paper's baseline): the hard
   * sample D ~ Cat(p) goes forward ({@link #sample}); the gradient is
   * J(softmax(theta / tau))^T g / tau. No noise.
   */
  public void straightThroughBackward(float[] logits, float[] upstream, int rows, int arity,
      float tau, float[] grad) {
    straightThroughBackward(Floats.of(logits, "logits"), Floats.of(upstream, "upstream"), rows,
        arity, tau, Floats.of(grad, "grad"));
  }

  /** {@link #straightThroughBackward(float[], float[], int, int, float, float[])} on buffers. */
  public void straightThroughBackward(FloatBuffer logits, FloatBuffer upstream, int rows,
      int arity, float tau, FloatBuffer grad) {
    straightThroughBackward(Floats.of(logits, "logits"), Floats.of(upstream, "upstream"), rows,
        arity, tau, Floats.of(grad, "grad"));
  }

  private void straightThroughBackward(Floats logits, Floats upstream, int rows, int arity,
      float tau, Floats grad) {
    int n = Checks.batch(rows, arity);
    checkLogits(logits, n);
    checkInput(upstream, "upstream", n, "rows * arity");
    Checks.tau(tau);
    checkOutput(grad, "grad", n, "rows * arity", logits, upstream);
    Status.check(kernels().straightThroughBackward(logits, upstream, rows, arity, tau, grad),
        arity);
  }

  // ============================================================================ REINFORCE

  /**
   * The score-function (REINFORCE, Williams 1992) gradient with a running-mean baseline:
   * grad_j = (f - b) * (onehot(D)_j - p_j), f the row's loss and b {@code baseline.value()};
   * then updates the baseline with the mean of {@code losses}, so b never depends on the sample
   * it corrects.
   *
   * @param losses f per row, finite, rows
   * @param baseline the running mean, read then updated
   * @param grad output, rows * arity
   */
  public void reinforceBackward(float[] logits, int[] choice, float[] losses,
      RunningMeanBaseline baseline, int rows, int arity, float[] grad) {
    reinforceBackward(Floats.of(logits, "logits"), Ints.of(choice, "choice"),
        Floats.of(losses, "losses"), baseline, rows, arity, Floats.of(grad, "grad"));
  }

  /** {@link #reinforceBackward(float[], int[], float[], RunningMeanBaseline, int, int, float[])} on buffers. */
  public void reinforceBackward(FloatBuffer logits, IntBuffer choice, FloatBuffer losses,
      RunningMeanBaseline baseline, int rows, int arity, FloatBuffer grad) {
    reinforceBackward(Floats.of(logits, "logits"), Ints.of(choice, "choice"),
        Floats.of(losses, "losses"), baseline, rows, arity, Floats.of(grad, "grad"));
  }

  private void reinforceBackward(Floats logits, Ints choice, Floats losses,
      RunningMeanBaseline baseline, int rows, int arity, Floats grad) {
    int n = Checks.batch(rows, arity);
    checkLogits(logits, n);
    checkInput(choice, "choice", rows, "rows");
    checkInput(losses, "losses", rows, "rows");
    Checks.notNull(baseline, "baseline");
    checkOutput(grad, "grad", n, "rows * arity", logits, losses);
    float[] f = losses.read();
    double sum = 0;
    for (int r = 0; r < f.length; r++) {
      if (!Float.isFinite(f[r])) {
        throw new IllegalArgumentException("losses: row " + r + " is " + f[r] + ", not finite");
      }
      sum += f[r];
    }
    float b = (float) baseline.value();
    Status.check(kernels().reinforceBackward(logits, choice, losses, b, rows, arity, grad),
        arity);
    if (rows > 0) baseline.update(sum / rows);
  }

  // ============================================================================ validation

  private static void checkLogits(Floats logits, int n) {
    checkInput(logits, "logits", n, "rows * arity");
  }

  private static void checkInput(Floats f, String name, long expected, String what) {
    Checks.notNull(f, name);
    if (f.array != null) Checks.length(f.array, name, expected, what);
    else Checks.length(f.buffer, name, expected, what);
  }

  private static void checkInput(Ints f, String name, long expected, String what) {
    Checks.notNull(f, name);
    if (f.array != null) Checks.length(f.array, name, expected, what);
    else Checks.length(f.buffer, name, expected, what);
  }

  private static void checkOutput(Ints f, String name, long expected, String what) {
    checkInput(f, name, expected, what);
    if (f.buffer != null) Checks.writable(f.buffer, name);
  }

  private static void checkOutput(Floats out, String name, long expected, String what,
      Floats... inputs) {
    checkInput(out, name, expected, what);
    if (out.buffer != null) Checks.writable(out.buffer, out.name);
    for (Floats in : inputs) {
      if (in != null && in.target() == out.target()) {
        throw new IllegalArgumentException(
            out.name + " must not be the same array or buffer as " + in.name);
      }
    }
  }
}
