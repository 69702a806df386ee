package dev.gumbelrao;

import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.backends.Target;
import dev.gumbelrao.backends.Targets;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * A backend, open: where every estimator runs on host memory, and the two low-level operations
 * (categorical sampling and conditional Gumbel noise). For device memory see
 * {@link dev.gumbelrao.cuda.CudaDevice}.
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
 * try (Backend backend = Backend.open()) {
 *   PathwiseEstimator est = Estimators.gumbelRao(100, 0.5f);
 *   Sample d = est.forward(backend, logits, rows, arity, key, oneHot);
 *   // ... the network reads oneHot and returns upstream = dL/d(oneHot) ...
 *   est.backward(d, upstream, grad);
 * }
 * }</pre>
 */
public final class Backend implements AutoCloseable {
  static {
    Targets.registerBackend(Backend::target);
  }

  private final Target target;
  private volatile boolean closed;

  private Backend(Target target) {
    this.target = target;
  }

  /** The backend {@link BackendKind#AUTO} chooses. */
  public static Backend open() {
    return open(BackendKind.AUTO);
  }

  /**
   * The backend {@code kind} ({@link BackendKind#AUTO} resolves its choice: see
   * {@link Backends#choose()}).
   *
   * @throws BackendUnavailableException when that backend cannot run here; the message says why
   */
  public static Backend open(BackendKind kind) {
    Checks.notNull(kind, "kind");
    switch (Backends.resolve(kind)) {
      case JAVA:
        return new Backend(Targets.java());
      case CPU:
        return new Backend(Targets.cpu());
      default:
        return new Backend(Targets.cudaStaged(0));
    }
  }

  /**
   * CUDA device {@code device} for host memory: each call stages its arrays through the calling
   * thread's pinned and device memory and synchronises that thread's stream. For device-resident
   * data and asynchronous calls use {@link dev.gumbelrao.cuda.CudaDevice}.
   *
   * @throws BackendUnavailableException when CUDA cannot run here
   */
  public static Backend openCuda(int device) {
    return new Backend(Targets.cudaStaged(device));
  }

  /** The backend this instance runs on (never AUTO). */
  public BackendKind kind() {
    return target.kind();
  }

  /** One line: the backend and its configuration, e.g. {@code CPU (avx512, 2 threads)}. */
  public String description() {
    return target.description();
  }

  @Override
  public void close() {
    closed = true;
    target.close();
  }

  @Override
  public String toString() {
    return "Backend[" + description() + (closed ? ", closed" : "") + "]";
  }

  private Target target() {
    if (closed) throw new IllegalStateException("this Backend is closed");
    return target;
  }

  // ===================================================================================== sample

  /**
   * Samples D ~ Cat(softmax(theta)) per row by the Gumbel-max trick:
   * D = argmax_j (theta_j + G_j), G_j = -log(-log U_j), U_j the key's forward noise (slot 0):
   * the forward pass of every hard estimator.
   *
   * @param logits theta, rows * arity
   * @param choice output, D per row, rows
   * @param oneHot optional output (null to skip): onehot(D), rows * arity
   */
  public void sample(float[] logits, int rows, int arity, NoiseKey key, int[] choice,
      float[] oneHot) {
    target().execute(new Calls.Sample(Memory.of(logits, "logits"), rows, arity, key,
        Memory.of(choice, "choice"), Memory.of(oneHot, "oneHot")));
  }

  /** {@link #sample(float[], int, int, NoiseKey, int[], float[])} on buffers. */
  public void sample(FloatBuffer logits, int rows, int arity, NoiseKey key, IntBuffer choice,
      FloatBuffer oneHot) {
    target().execute(new Calls.Sample(Memory.of(logits, "logits"), rows, arity, key,
        Memory.of(choice, "choice"), Memory.of(oneHot, "oneHot")));
  }

  // ========================================================== conditional Gumbel sampling

  /**
   * Draws K samples of the Gumbel noise conditioned on the sampled class, G^k | D, such that
   * argmax(theta + G^k) = D exactly (the heart of Gumbel-Rao). With E_j iid Exp(1) from the
   * key's slots 1..K: G_D = -log(p_D E_D) and G_j = -log(E_j + p_j E_D) for j != D (the paper's
   * Eq. for the truncated Gumbel, in a log-space form that cannot overflow). Marginally over
   * D ~ p, the G^k are iid Gumbel(0, 1). A masked class gets G_j = -log E_j (theta_j + G_j =
   * -Infinity). These are the draws Gumbel-Rao averages over.
   *
   * @param choice D per row, rows
   * @param noise output, laid out [K][rows][arity]
   */
  public void conditionalGumbel(float[] logits, int[] choice, int rows, int arity, int samples,
      NoiseKey key, float[] noise) {
    target().execute(new Calls.ConditionalGumbel(Memory.of(logits, "logits"),
        Memory.of(choice, "choice"), rows, arity, samples, key, Memory.of(noise, "noise")));
  }

  /** {@link #conditionalGumbel(float[], int[], int, int, int, NoiseKey, float[])} on buffers. */
  public void conditionalGumbel(FloatBuffer logits, IntBuffer choice, int rows, int arity,
      int samples, NoiseKey key, FloatBuffer noise) {
    target().execute(new Calls.ConditionalGumbel(Memory.of(logits, "logits"),
        Memory.of(choice, "choice"), rows, arity, samples, key, Memory.of(noise, "noise")));
  }
}
