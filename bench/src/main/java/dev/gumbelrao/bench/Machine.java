package dev.gumbelrao.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.Backends;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine a run measured, saved next to its JMH results ({@code <results>.machine.json}) so
 * that a report made later, or elsewhere, still names the machine the numbers come from.
 *
 * @param date the day of the run, yyyy-mm-dd
 * @param cpu the CPU model, from /proc/cpuinfo "model name"
 * @param logicalCpus the logical CPUs the JVM sees
 * @param os name, version and architecture
 * @param jvm VM name and version
 * @param gpu the CUDA device's name, or "none"
 * @param backends each backend's status line, as {@link Backends#status} gives it
 */
record Machine(String date, String cpu, int logicalCpus, String os, String jvm, String gpu,
    List<String> backends) {


  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  static Machine here() {
    List<String> backends = new ArrayList<>();
    for (BackendStatus status : Backends.all()) backends.add(status.toString());
    return new Machine(LocalDate.now().toString(), cpuModel(),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        gpuName(Backends.status(Backend.CUDA)), backends);
  }

  /** One line for titles: CPU, cores, GPU, OS, JVM. */
  String describe() {
    return cpu + " (" + logicalCpus + " logical CPUs), GPU: " + gpu + ", " + os + ", " + jvm;
  }

  /** The sidecar file of a results file: x.json gives x.machine.json. */
  static Path sidecar(Path results) {
    String name = results.getFileName().toString();
    String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
    return results.resolveSibling(stem + ".machine.json");
  }

  void write(Path file) throws IOException {
    Files.writeString(file, GSON.toJson(this) + "\n", StandardCharsets.UTF_8);
  }

  static Machine read(Path file) throws IOException {
    return GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), Machine.class);
  }

  private static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
      }
    } catch (IOException e) {
      // Not Linux, or not readable: the architecture is the best name left.
    }
    return "unknown CPU (" + System.getProperty("os.arch") + ")";
  }

  /** The name of CUDA device 0, or "none" when CUDA cannot run here. */
  static String gpuName(BackendStatus cuda) {
    return cuda.available() ? Backends.cudaDeviceName(0) : "none";
  }

}
