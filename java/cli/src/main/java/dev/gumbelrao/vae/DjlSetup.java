package dev.gumbelrao.vae;

import ai.djl.engine.Engine;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prepares DJL's PyTorch engine before it loads (it reads these system properties once, at
 * start): offline (PyTorch from the pytorch-native-cpu jar beside gumbel-rao.jar, never a
 * download), one inter-op thread, and one intra-op thread unless -Dai.djl.pytorch.num_threads
 * says otherwise.
 *
 * <p>Why one thread: PyTorch's OpenMP threads spin after each operation and take the cores from
 * the library's native threads (a DJL step ran 70x slower until they waited passively), and a
 * Java program cannot set its own environment (OMP_WAIT_POLICY). With one intra-op thread there
 * are no OpenMP workers to spin. Measured on the 2-core EPYC under the shared machine's usual
 * load (16-ary, ST-GS, 300 steps): one thread took 11.6 ms per step at B = 20 and 28.5 ms at
 * B = 200 against 13.8 and 33.9 ms for two passive threads (OMP_WAIT_POLICY=PASSIVE), and the
 * same 45,000 decoder samples per second in the bound; so one thread is the default, and more
 * threads (-Dai.djl.pytorch.num_threads=2) without OMP_WAIT_POLICY=PASSIVE get a warning.
 */
public final class DjlSetup {
  static final String THREADS = "ai.djl.pytorch.num_threads";
  private static String description;

  private DjlSetup() {}

  /**
   * Sets the properties (once) and loads the engine; returns a line for the outputs' machine
   * description ("PyTorch 2.7.1 (DJL 0.36.0), 2 intra-op threads, OMP_WAIT_POLICY=PASSIVE").
   *
   * @throws IllegalStateException with a message saying what to do when PyTorch is not found
   */
  public static synchronized String configure(PrintStream warnings) {
    if (description != null) return description;
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    setIfAbsent("slf4j.internal.verbosity", "ERROR");  // DJL logs through SLF4J, unbound here
    String policy = System.getenv("OMP_WAIT_POLICY");
    boolean passive = policy != null && policy.trim().equalsIgnoreCase("PASSIVE");
    setIfAbsent(THREADS, "1");
    int threads;
    try {
      threads = Integer.parseInt(System.getProperty(THREADS).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + THREADS + " must be an integer, got '"
          + System.getProperty(THREADS) + "'");
    }
    if (threads != 1 && !passive) {
      warnings.println("gumbel-rao vae: PyTorch has " + System.getProperty(THREADS)
          + " intra-op threads and OMP_WAIT_POLICY is not PASSIVE: its OpenMP threads will spin "
          + "and take the cores from the library's (steps many times slower); run with "
          + "OMP_WAIT_POLICY=PASSIVE in the environment, or without -D" + THREADS);
    }
    checkNatives();
    Engine engine;
    try {
      engine = Engine.getEngine("PyTorch");
    } catch (RuntimeException | UnsatisfiedLinkError e) {
      throw new IllegalStateException("DJL's PyTorch engine did not load (" + e + "); "
          + nativesHelp());
    }
    description = "PyTorch " + engine.getVersion() + " (DJL " + Engine.getDjlVersion() + ", "
        + System.getProperty(THREADS) + " intra-op threads, OMP_WAIT_POLICY="
        + (policy == null ? "unset" : policy) + ")";
    return description;
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) System.setProperty(key, value);
  }

  /** PyTorch comes from the natives jar on the class path or from DJL's cache of a previous run. */
  private static void checkNatives() {
    if (DjlSetup.class.getClassLoader().getResource("native/lib/pytorch.properties") != null) {
      return;
    }
    Path cache = Path.of(System.getProperty("user.home"), ".djl.ai", "pytorch");
    String override = System.getenv("PYTORCH_LIBRARY_PATH");
    if (override != null || Files.isDirectory(cache)) return;
    throw new IllegalStateException("PyTorch's natives are not on the class path. " + nativesHelp());
  }

  private static String nativesHelp() {
    return "gumbel-rao.jar takes them from lib/pytorch-native-cpu-2.7.1-linux-x86_64.jar next to "
        + "it (mvn package puts it in java/cli/target/lib/): keep that folder beside the jar, "
        + "or add the jar to the class path";
  }
}
