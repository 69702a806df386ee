package dev.gumbelrao.djl;

import ai.djl.ndarray.NDArray;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The trap of PyTorch's OpenMP threads: after each operation they spin, waiting for the next
 * one, and take the cores from the library's native threads, so that a training step runs
 * slower. Measured: 300 DJL steps of the consumer's autoencoder (24 pixels, 4 x 8-ary, B = 32,
 * CPU backend) on the 2-core EPYC Zen 5 (AVX-512), two intra-op threads: ST-GS 0.96-1.40 ms per
 * step unset against 0.41-0.62 ms with one thread, GR-MC100 1.22-1.65 against 0.60-0.67 ms
 * (OMP_WAIT_POLICY=PASSIVE between the two); earlier sessions on other EPYCs saw 10x (GR-MC100,
 * 17.9 s against 1.8 s) and the VAE's step 70x. A Java program cannot change its own
 * environment, so the library warns, once per JVM, at the first DJL call on the PyTorch engine
 * with more than one intra-op thread and {@code OMP_WAIT_POLICY} not {@code PASSIVE}.
 */
final class SpinningThreads {
  private SpinningThreads() {}

  private static final AtomicBoolean CHECKED = new AtomicBoolean();
  private static final System.Logger LOG = System.getLogger("dev.gumbelrao");

  /** Checks, the first time only, the engine of {@code logits}; warns when the trap is set. */
  static void checkOnce(NDArray logits) {
    if (CHECKED.get() || CHECKED.getAndSet(true)) return;
    if (!"PyTorch".equals(logits.getManager().getEngine().getEngineName())) return;
    String why = warning(System.getenv("OMP_WAIT_POLICY"), pytorchThreads());
    if (why != null) LOG.log(System.Logger.Level.WARNING, why);
  }

  /**
   * The warning for an environment, or null when there is no trap.
   *
   * @param policy OMP_WAIT_POLICY, or null when unset
   * @param threads PyTorch's intra-op threads, or -1 when they cannot be read
   */
  static String warning(String policy, int threads) {
    if (threads == 1 || threads == 0) return null;
    if (policy != null && policy.trim().toUpperCase(Locale.ROOT).equals("PASSIVE")) return null;
    return "PyTorch has " + (threads < 0 ? "more than one" : String.valueOf(threads))
        + " intra-op threads and OMP_WAIT_POLICY is "
        + (policy == null ? "unset" : "'" + policy + "'") + ": its OpenMP threads spin between "
        + "operations and take the cores from gumbel-rao's (steps 2-3x slower on 2 cores, 10x "
        + "and more measured elsewhere). "
        + "Start the JVM with OMP_WAIT_POLICY=PASSIVE in its environment, or with "
        + "-Dai.djl.pytorch.num_threads=1";
  }

  /** torch::get_num_threads() through DJL's JniUtils (an optional dependency), -1 if unknown. */
  private static int pytorchThreads() {
    try {
      Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
      Method get = jni.getMethod("getNumThreads");
      return (Integer) get.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return -1;
    }
  }
}
