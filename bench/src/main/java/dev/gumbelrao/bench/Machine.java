package dev.gumbelrao.bench;

import dev.gumbelrao.BackendKind;
import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.Backends;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
 * @param cpuIsa the instruction-set path the CPU backend ran ("avx2", "avx512", ...: the best one
 *     of this CPU unless the run forced another with --isa), or "none"
 */
record Machine(String date, String cpu, int logicalCpus, String os, String jvm, String gpu,
    List<String> backends, String cpuIsa) {


  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  static Machine here() {
    List<String> backends = new ArrayList<>();
    for (BackendStatus status : Backends.all()) backends.add(status.toString());
    return new Machine(LocalDate.now().toString(), cpuModel(),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        gpuName(Backends.status(BackendKind.CUDA)), backends,
        Optional.ofNullable(Backends.cpuInstructionSet()).orElse("none"));
  }

  /** The CPU and the CPU backend's path, for every table title: "AMD EPYC ..., avx2 path". */
  String cpuAndPath() {
    return cpu + ", " + (cpuIsa == null ? "instruction set not recorded" : cpuIsa + " path");
  }

  /** One line for titles: CPU, cores, the CPU backend's path, GPU, OS, JVM. */
  String describe() {
    return cpu + " (" + logicalCpus + " logical CPUs, CPU backend: "
        + (cpuIsa == null ? "path not recorded" : cpuIsa + " path") + "), GPU: " + gpu + ", " + os
        + ", " + jvm;
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

  /**
   * The model name of /proc/cpuinfo with its family and model numbers: cloud VMs often name only
   * the vendor's line ("AMD EPYC"), and family 25 is Zen 3 at model 1, Zen 4 at model 17.
   */
  private static String cpuModel() {
    String name = null, family = null, model = null;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        String value = line.contains(":") ? line.substring(line.indexOf(':') + 1).trim() : "";
        if (name == null && line.startsWith("model name")) name = value;
        if (family == null && line.startsWith("cpu family")) family = value;
        if (model == null && line.matches("^model\\s*:.*")) model = value;
      }
    } catch (IOException e) {
      // Not Linux, or not readable: the architecture is the best name left.
    }
    if (name == null) return "unknown CPU (" + System.getProperty("os.arch") + ")";
    return family == null || model == null ? name
        : name + " (family " + family + " model " + model + ")";
  }

  /** The name of CUDA device 0, or "none" when CUDA cannot run here. */
  static String gpuName(BackendStatus cuda) {
    return cuda.available() ? Backends.cudaDeviceName(0) : "none";
  }

}
