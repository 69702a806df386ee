package dev.gumbelrao.vae;

import ai.djl.engine.Engine;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prepares DJL's PyTorch engine before it loads (it reads these system properties once, at
 * start): offline (PyTorch from the pytorch-native-cpu jar beside gumbel-rao.jar, never a
 * download), one inter-op thread, and the intra-op threads.
 *
 * <p>Threads: PyTorch's OpenMP threads spin after each operation and take the cores from the
 * library's native threads (a DJL step ran 70x slower until they waited passively). A Java
 * program cannot set its own environment, so when OMP_WAIT_POLICY=PASSIVE is not in it,
 * PyTorch gets one intra-op thread (no OpenMP workers, so none spin) and a warning says how to
 * run it with both cores. An explicit -Dai.djl.pytorch.num_threads is left alone.
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
    int cores = Runtime.getRuntime().availableProcessors();
    if (System.getProperty(THREADS) == null) {
      if (passive) {
        System.setProperty(THREADS, String.valueOf(cores));
      } else {
        System.setProperty(THREADS, "1");
        if (cores > 1) {
          warnings.println("gumbel-rao vae: OMP_WAIT_POLICY=PASSIVE is not set, so PyTorch runs "
              + "on 1 thread (its OpenMP threads would spin and take the cores from the "
              + "library's); for all " + cores + " cores run: OMP_WAIT_POLICY=PASSIVE java -jar "
              + "gumbel-rao.jar vae ...");
        }
      }
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
