package dev.gumbelrao;


/**
 * Loads the native library once and remembers why it could not be loaded. Setting the system
 * property {@code gumbelrao.native=false} skips it (the JAVA backend then serves AUTO).
 */
final class NativeSupport {
  private NativeSupport() {}

  private static final String FAILURE = load();

  private static String load() {
    if ("false".equalsIgnoreCase(System.getProperty("gumbelrao.native"))) {
      return "disabled by -Dgumbelrao.native=false";
    }
    try {
      NativeKernels.load();
      return null;
    } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
      Throwable cause = t;
      while (cause.getCause() != null) cause = cause.getCause();
      return "native library not loaded (" + System.getProperty("os.name") + " "
          + System.getProperty("os.arch") + "): " + cause;
    }
  }

  static boolean loaded() {
    return FAILURE == null;
  }

  /** Why the library is not loaded, or null when it is. */
  static String failure() {
    return FAILURE;
  }

  static void require() {
    if (FAILURE != null) {
      throw new BackendUnavailableException(new BackendStatus(Backend.CPU, false, FAILURE));
    }
  }

  static String cpuIsa() {
    return NativeKernels.cpuIsa().getString();
  }
}
