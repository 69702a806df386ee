package dev.gumbelrao.backends;

import dev.gumbelrao.BackendKind;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.BackendUnavailableException;
import dev.gumbelrao.Backends;


/**
 * Loads the native library once and remembers why it could not be loaded. System properties:
 * {@code gumbelrao.native=false} skips it (the JAVA backend then serves AUTO, with a warning);
 * {@code gumbelrao.cpu.threads=N} sets the CPU backend's threads (see
 * {@link Backends#setCpuThreads(int)}); {@code gumbelrao.cpu.isa=avx2} (or {@code x86-64},
 * {@code avx512}, {@code neon}) makes the CPU backend run that instruction-set copy of its kernels
 * instead of the best one this CPU has, so that one machine can measure the paths of others; a
 * copy this CPU cannot run makes the CPU backend unavailable, with that reason.
 */
public final class NativeSupport {
  private NativeSupport() {}

  private static final String FAILURE = load();

  private static String load() {
    if ("false".equalsIgnoreCase(System.getProperty("gumbelrao.native"))) {
      return "disabled by -Dgumbelrao.native=false";
    }
    try {
      NativeRuntime.load();
      String isa = System.getProperty("gumbelrao.cpu.isa");
      if (isa != null && !isa.isEmpty()) {
        String detected = NativeRuntime.cpuIsa();
        if (NativeRuntime.setCpuIsa(isa) != 0) {
          return "-Dgumbelrao.cpu.isa=" + isa + ": not an instruction set this CPU runs (its "
              + "best: " + detected + ")";
        }
      }
      threadsFromProperty();
      return null;
    } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
      Throwable cause = t;
      while (cause.getCause() != null) cause = cause.getCause();
      return "native library not loaded (" + System.getProperty("os.name") + " "
          + System.getProperty("os.arch") + "): " + cause;
    }
  }

  private static void threadsFromProperty() {
    String value = System.getProperty("gumbelrao.cpu.threads");
    if (value == null) return;
    try {
      int threads = Integer.parseInt(value.trim());
      if (threads >= 1 && threads <= Backends.MAX_CPU_THREADS) {
        NativeRuntime.setCpuThreads(threads);
        return;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    System.getLogger("dev.gumbelrao").log(System.Logger.Level.WARNING,
        "gumbelrao.cpu.threads=" + value + " ignored: it must be an integer in [1, "
            + Backends.MAX_CPU_THREADS + "]");
  }

  public static boolean loaded() {
    return FAILURE == null;
  }

  /** Why the library is not loaded, or null when it is. */
  public static String failure() {
    return FAILURE;
  }

  public static void require() {
    if (FAILURE != null) {
      throw new BackendUnavailableException(new BackendStatus(BackendKind.CPU, false, FAILURE));
    }
  }

  public static String cpuIsa() {
    return NativeRuntime.cpuIsa();
  }
}
