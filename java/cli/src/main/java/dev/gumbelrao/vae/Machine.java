package dev.gumbelrao.vae;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine a result was measured on, for every output file: the CPU model (with its family
 * and model numbers) from /proc/cpuinfo, the cores the JVM sees, the JVM, the OS, and the
 * threads PyTorch and the library were given.
 */
public final class Machine {
  private Machine() {}

  /** One line: "AMD EPYC (family 25, model 17), 2 cores, OpenJDK 64-Bit Server VM 17.0.15, ...". */
  public static String describe(String threads) {
    return cpu() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
        + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", "
        + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch") + (threads == null ? "" : ", " + threads);
  }

  /** The CPU's model name with family/model, or os.arch where /proc/cpuinfo is not readable. */
  static String cpu() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
      String name = null, family = null, model = null;
      for (String l : lines) {
        int c = l.indexOf(':');
        if (c < 0) continue;
        String k = l.substring(0, c).trim(), v = l.substring(c + 1).trim();
        if (k.equals("model name") && name == null) name = v;
        if (k.equals("cpu family") && family == null) family = v;
        if (k.equals("model") && model == null) model = v;
        if (name != null && family != null && model != null) break;
      }
      if (name == null) return System.getProperty("os.arch");
      return name + (family != null && model != null
          ? " (family " + family + ", model " + model + ")" : "");
    } catch (IOException | RuntimeException e) {
      return System.getProperty("os.arch");
    }
  }
}
