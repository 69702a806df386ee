package dev.gumbelrao;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** What each backend can do on this machine, and how {@link Backend#AUTO} chooses. */
public final class Backends {
  private Backends() {}

  private static final System.Logger LOG = System.getLogger("dev.gumbelrao");

  /** The status of one backend ({@link Backend#AUTO}: the backend it resolves to). */
  public static BackendStatus status(Backend backend) {
    switch (backend) {
      case JAVA:
        return new BackendStatus(Backend.JAVA, true, "pure Java, double precision");
      case CPU:
        return NativeSupport.loaded()
            ? new BackendStatus(Backend.CPU, true, "native library loaded, "
                + NativeSupport.cpuIsa() + ", " + NativeKernels.cpuThreads() + " threads")
            : new BackendStatus(Backend.CPU, false, NativeSupport.failure());
      case CUDA:
        return cuda();
      default:
        return status(choose());
    }
  }

  /** The status of CPU, JAVA and CUDA, in that order. */
  public static List<BackendStatus> all() {
    return List.of(status(Backend.CPU), status(Backend.JAVA), status(Backend.CUDA));
  }

  /** The backend AUTO picks here: CUDA if available, else CPU, else JAVA. */
  public static Backend choose() {
    BackendStatus cuda = cuda();
    if (cuda.available()) return Backend.CUDA;
    BackendStatus cpu = status(Backend.CPU);
    return cpu.available() ? Backend.CPU : Backend.JAVA;
  }

  /** Resolves AUTO (logging the choice and why); other backends are returned as they are. */
  static Backend resolve(Backend requested) {
    if (requested != Backend.AUTO) return requested;
    Backend chosen = choose();
    if (LOG.isLoggable(Level.INFO)) {
      StringBuilder why = new StringBuilder("AUTO chose ").append(chosen).append(": ")
          .append(status(chosen).detail());
      for (BackendStatus s : all()) {
        if (!s.available()) why.append("; ").append(s);
      }
      LOG.log(Level.INFO, why.toString());
    }
    return chosen;
  }

  /**
   * The instruction set the CPU backend's kernels run here ("avx512", "avx2", "x86-64" or
   * "neon"), or null when the native library is not loaded.
   */
  public static String cpuInstructionSet() {
    return NativeSupport.loaded() ? NativeSupport.cpuIsa() : null;
  }

  /** Number of CUDA devices the runtime sees here (0 without CUDA). */
  public static int cudaDeviceCount() {
    if (!NativeSupport.loaded() || NativeKernels.cudaCompiled() == 0) return 0;
    int[] count = new int[1];
    return NativeKernels.cudaDeviceCount(count) == 0 ? count[0] : 0;
  }

  /** The name of CUDA device {@code ordinal}, as the driver reports it. */
  public static String cudaDeviceName(int ordinal) {
    byte[] name = new byte[256];
    if (NativeKernels.cudaDeviceName(ordinal, name, name.length) != 0) return "device " + ordinal;
    int n = 0;
    while (n < name.length && name[n] != 0) n++;
    return new String(name, 0, n, StandardCharsets.UTF_8);
  }

  /** Information about the CUDA runtime, devices and driver, in one line. */
  private static BackendStatus cuda() {
    if (!NativeSupport.loaded()) {
      return new BackendStatus(Backend.CUDA, false, NativeSupport.failure());
    }
    if (NativeKernels.cudaCompiled() == 0) {
      return new BackendStatus(Backend.CUDA, false,
          "this build has no CUDA code (nvcc was not found when it was built)");
    }
    int[] count = new int[1];
    int err = NativeKernels.cudaDeviceCount(count);
    if (err != 0) {
      return new BackendStatus(Backend.CUDA, false, "no CUDA device (cudaGetDeviceCount: "
          + NativeKernels.cudaErrorString(err).getString() + ")");
    }
    if (count[0] == 0) {
      return new BackendStatus(Backend.CUDA, false, "no CUDA device");
    }
    int[] driver = new int[1];
    NativeKernels.cudaDriverVersion(driver);
    return new BackendStatus(Backend.CUDA, true, count[0] + " CUDA device(s), device 0: "
        + cudaDeviceName(0) + ", driver " + driver[0] / 1000 + "." + (driver[0] % 1000) / 10
        + ", " + (NativeKernels.cudaPreciseMath() == 1 ? "precise" : "hardware-approximate")
        + " log2/exp2");
  }
}
