package dev.gumbelrao;

import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What each backend can do on this machine, how {@link BackendKind#AUTO} chooses, and the CPU
 * backend's thread count.
 *
 * <p>Logging ({@code System.Logger} "dev.gumbelrao"): the routine choice of AUTO at DEBUG; a
 * WARNING only when something falls back that a user would want to know about (the native
 * library did not load, so AUTO uses the pure-Java backend; a GPU is present but its driver is
 * older than the CUDA runtime).
 */
public final class Backends {
  private Backends() {}

  private static final System.Logger LOG = System.getLogger("dev.gumbelrao");

  /** The most CPU threads {@link #setCpuThreads(int)} accepts. */
  public static final int MAX_CPU_THREADS = 1024;

  /** The status of one backend ({@link BackendKind#AUTO}: the backend it resolves to). */
  public static BackendStatus status(BackendKind backend) {
    Checks.notNull(backend, "backend");
    switch (backend) {
      case JAVA:
        return new BackendStatus(BackendKind.JAVA, true, "pure Java, double precision");
      case CPU:
        return NativeSupport.loaded()
            ? new BackendStatus(BackendKind.CPU, true, "native library loaded, "
                + NativeSupport.cpuIsa() + ", " + NativeRuntime.cpuThreads() + " threads")
            : new BackendStatus(BackendKind.CPU, false, NativeSupport.failure());
      case CUDA:
        return cuda();
      default:
        return status(choose());
    }
  }

  /** The status of CPU, JAVA and CUDA, in that order. */
  public static List<BackendStatus> all() {
    return List.of(status(BackendKind.CPU), status(BackendKind.JAVA), status(BackendKind.CUDA));
  }

  /** The backend AUTO picks here: CUDA if available, else CPU, else JAVA. */
  public static BackendKind choose() {
    if (cuda().available()) return BackendKind.CUDA;
    return NativeSupport.loaded() ? BackendKind.CPU : BackendKind.JAVA;
  }

  /** Resolves AUTO (logging the choice and why); other backends are returned as they are. */
  public static BackendKind resolve(BackendKind requested) {
    if (requested != BackendKind.AUTO) return requested;
    BackendStatus cuda = cuda();
    BackendKind chosen = cuda.available() ? BackendKind.CUDA
        : NativeSupport.loaded() ? BackendKind.CPU : BackendKind.JAVA;
    if (chosen == BackendKind.JAVA) {
      LOG.log(Level.WARNING, () -> "AUTO uses the JAVA backend (pure Java, 10-60x slower than "
          + "the native CPU backend): " + NativeSupport.failure());
    } else if (chosen == BackendKind.CPU && cuda.detail().startsWith(OLD_DRIVER)) {
      LOG.log(Level.WARNING, () -> "AUTO uses the CPU backend: " + cuda);
    } else if (LOG.isLoggable(Level.DEBUG)) {
      BackendStatus s = status(chosen);
      LOG.log(Level.DEBUG, "AUTO chose " + chosen + ": " + s.detail()
          + (chosen == BackendKind.CUDA ? "" : "; " + cuda));
    }
    return chosen;
  }

  // ------------------------------------------------------------------------------------- CPU

  /**
   * The threads a CPU backend call may use, the calling thread included; shared by every
   * instance in this JVM. Default: the machine's hardware threads, or the system property
   * {@code gumbelrao.cpu.threads} when set at start-up.
   *
   * @throws BackendUnavailableException when the native library did not load
   */
  public static int cpuThreads() {
    NativeSupport.require();
    return NativeRuntime.cpuThreads();
  }

  /**
   * Sets {@link #cpuThreads()}; calls already running keep the count they started with. Results
   * do not depend on it: every thread count gives the same bits.
   *
   * @param threads in [1, {@link #MAX_CPU_THREADS}]
   * @throws BackendUnavailableException when the native library did not load
   */
  public static void setCpuThreads(int threads) {
    if (threads < 1 || threads > MAX_CPU_THREADS) {
      throw new IllegalArgumentException("threads must be in [1, " + MAX_CPU_THREADS + "], got "
          + threads);
    }
    NativeSupport.require();
    NativeRuntime.setCpuThreads(threads);
  }

  /**
   * The instruction set the CPU backend's kernels run here ("avx512", "avx2", "x86-64" or
   * "neon"), or null when the native library is not loaded.
   */
  public static String cpuInstructionSet() {
    return NativeSupport.loaded() ? NativeSupport.cpuIsa() : null;
  }

  // ------------------------------------------------------------------------------------ CUDA

  /** Number of CUDA devices the runtime sees here (0 without CUDA). */
  public static int cudaDeviceCount() {
    if (!NativeSupport.loaded() || NativeRuntime.cudaCompiled() == 0) return 0;
    int[] probe = new int[1];
    if (NativeRuntime.cudaDriverProbe(probe) == 1) return 0;
    int[] count = new int[1];
    return NativeRuntime.cudaDeviceCount(count) == 0 ? count[0] : 0;
  }

  /** The name of CUDA device {@code ordinal}, as the driver reports it. */
  public static String cudaDeviceName(int ordinal) {
    byte[] name = new byte[256];
    if (NativeRuntime.cudaDeviceName(ordinal, name, name.length) != 0) return "device " + ordinal;
    int n = 0;
    while (n < name.length && name[n] != 0) n++;
    return new String(name, 0, n, StandardCharsets.UTF_8);
  }

  private static final String OLD_DRIVER = "the NVIDIA driver";
  private static final int CUDA_ERROR_INSUFFICIENT_DRIVER = 35;
  private static final int CUDA_ERROR_NO_DEVICE = 100;

  private static BackendStatus cuda() {
    if (!NativeSupport.loaded()) {
      return new BackendStatus(BackendKind.CUDA, false, NativeSupport.failure());
    }
    if (NativeRuntime.cudaCompiled() == 0) {
      return new BackendStatus(BackendKind.CUDA, false, "the natives loaded have no CUDA code: for "
          + "the CUDA backend depend on the classifier linux-x86_64-gpu in place of linux-x86_64 "
          + "(from source: build with nvcc on the PATH and without -Dcuda=OFF)");
    }
    int[] driver = new int[1];
    int probe = NativeRuntime.cudaDriverProbe(driver);
    int[] count = new int[1];
    int err = probe == 1 ? 0 : NativeRuntime.cudaDeviceCount(count);
    String why = cudaUnavailableReason(probe, driver[0], NativeRuntime.cudaRuntimeVersion(), err,
        count[0], err == 0 ? "" : NativeRuntime.cudaErrorString(err));
    if (why != null) return new BackendStatus(BackendKind.CUDA, false, why);
    return new BackendStatus(BackendKind.CUDA, true, count[0] + " CUDA device(s), device 0: "
        + cudaDeviceName(0) + ", driver " + version(driver[0]) + ", "
        + (NativeRuntime.cudaPreciseMath() == 1 ? "precise" : "hardware-approximate")
        + " log2/exp2");
  }

  /**
   * Why CUDA cannot run, from what the machine reports, or null when it can: no NVIDIA driver,
   * a driver older than the runtime, no device, or another runtime error. Package-private so that
   * every case is tested on any machine.
   *
   * @param probe gr_cuda_driver_probe's result: 0 driver found, 1 no driver library, 2 no version
   * @param driver the driver's version (e.g. 12080), 0 when unknown
   * @param runtime the CUDA runtime version the library was built with (e.g. 13000)
   * @param error cudaGetDeviceCount's cudaError_t
   * @param devices cudaGetDeviceCount's count
   * @param errorText cudaGetErrorString(error)
   */
  public static String cudaUnavailableReason(int probe, int driver, int runtime, int error, int devices,
      String errorText) {
    if (probe == 1) {
      return "no NVIDIA driver (libcuda.so.1 could not be loaded: install the NVIDIA driver to "
          + "use a GPU)";
    }
    if (error == CUDA_ERROR_INSUFFICIENT_DRIVER
        || (error != 0 && probe == 0 && driver > 0 && driver < runtime)) {
      return OLD_DRIVER + (driver > 0 ? " (" + version(driver) + ")" : "") + " is older than "
          + "the CUDA runtime this library was built with (" + version(runtime) + "): update the "
          + "driver";
    }
    if (error == CUDA_ERROR_NO_DEVICE || (error == 0 && devices == 0)) {
      return "no CUDA device (the NVIDIA driver " + (driver > 0 ? version(driver) + " " : "")
          + "is loaded but sees no GPU)";
    }
    if (error != 0) {
      return "CUDA runtime error " + error + " (" + errorText + ")";
    }
    return null;
  }

  private static String version(int v) {
    return v / 1000 + "." + (v % 1000) / 10;
  }
}
