package dev.gumbelrao.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Turns a run's JMH JSON into {@code <out-prefix>.md} (tables) and {@code <out-prefix>.png}
 * (element-samples/s against K, one line per arity, one panel per backend and operation), both
 * naming the machine. Reads, next to {@code results.json}: {@code results.machine.json} (written
 * by the runner; without it the machine running the report is named, and the report says so)
 * and {@code results-numpy.jsonl} (the numpy anchor's lines; optional).
 *
 * <pre>java -cp benchmarks.jar dev.gumbelrao.bench.Report results.json out-prefix</pre>
 */
public final class Report {
  private Report() {}

  /** The backends and the baseline, in the order tables and panels show them. */
  static final List<String> SOURCES = List.of("java", "cpu", "cuda", Case.BASELINE);

  /**
   * One benchmark case of the JMH results.
   *
   * @param source a backend name, or {@link #BASELINE} for the plain-Java loops
   * @param operation the operation's id ({@code gumbel-rao} for the baseline), or the small-call
   *     method for {@code SmallCallBenchmark}
   * @param elementSamples per second, NaN where the benchmark does not count them
   */
  record Case(String benchmark, String source, String operation, int arity, int k, String mode,
      double score, double scoreError, String unit, double elementSamples,
      double elementSamplesError, String iterations, int deviceRows) {
    static final String BASELINE = "plain Java";
    /** DeviceBenchmark's cases: the CUDA backend on device-resident data. */
    static final String DEVICE = "cuda (device-resident)";

    boolean small() {
      return benchmark.startsWith(SmallCallBenchmark.class.getSimpleName() + ".");
    }

    boolean device() {
      return source.equals(DEVICE);
    }

    int rows() {
      if (device()) return deviceRows;
      return source.equals(BASELINE) ? Shapes.rows(arity)
          : Shapes.rows(Operation.of(operation), arity, k);
    }
  }

  /** A line of the numpy anchor (bench/anchors/numpy_gumbel_rao.py). */
  record NumpyLine(int rows, int arity, int k, double elementSamples) {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: java -cp benchmarks.jar dev.gumbelrao.bench.Report "
          + "<results.json> <out-prefix>   (writes <out-prefix>.md and <out-prefix>.png)");
      System.exit(2);
    }
    System.setProperty("java.awt.headless", "true");
    Path results = Path.of(args[0]);
    Path markdown = Path.of(args[1] + ".md");
    Path png = Path.of(args[1] + ".png");
    List<Case> cases = read(results);
    String temperature = temperature(results);
    Path machineFile = Machine.sidecar(results);
    boolean recorded = Files.exists(machineFile);
    Machine machine = recorded ? Machine.read(machineFile) : Machine.here();
    List<NumpyLine> numpy = readNumpy(numpySidecar(results));
    if (markdown.toAbsolutePath().getParent() != null) {
      Files.createDirectories(markdown.toAbsolutePath().getParent());
    }
    Files.writeString(markdown,
        markdown(cases, machine, recorded, numpy, results, png, temperature),
        StandardCharsets.UTF_8);
    Plot.write(png, cases, machine);
    System.out.println("wrote " + markdown + " and " + png);
  }

  /** x.json gives x-numpy.jsonl. */
  static Path numpySidecar(Path results) {
    String name = results.getFileName().toString();
    String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
    return results.resolveSibling(stem + "-numpy.jsonl");
  }

  static List<Case> read(Path results) throws IOException {
    List<Case> cases = new ArrayList<>();
    for (JsonElement element : JsonParser.parseString(
        Files.readString(results, StandardCharsets.UTF_8)).getAsJsonArray()) {
      JsonObject run = element.getAsJsonObject();
      String benchmark = run.get("benchmark").getAsString();
      String[] parts = benchmark.split("\\.");
      String method = parts[parts.length - 1];
      String className = parts[parts.length - 2];
      JsonObject params = run.has("params") ? run.getAsJsonObject("params") : new JsonObject();
      String source;
      String operation;
      int arity = params.has("arity") ? params.get("arity").getAsInt() : 0;
      int k = params.has("k") ? params.get("k").getAsInt() : 0;
      int deviceRows = 0;
      if (className.equals(NaiveJavaBenchmark.class.getSimpleName())) {
        source = Case.BASELINE;
        operation = Operation.GUMBEL_RAO.id;
      } else if (className.equals(DeviceBenchmark.class.getSimpleName())) {
        // shape = operation:rowsxarity:K
        String[] shape = params.get("shape").getAsString().split(":");
        String[] rxn = shape[1].split("x");
        source = Case.DEVICE;
        operation = shape[0];
        deviceRows = Integer.parseInt(rxn[0]);
        arity = Integer.parseInt(rxn[1]);
        k = Integer.parseInt(shape[2]);
      } else {
        source = params.get("backend").getAsString();
        operation = params.has("operation") ? params.get("operation").getAsString() : method;
      }
      JsonObject primary = run.getAsJsonObject("primaryMetric");
      double elementSamples = Double.NaN;
      double elementSamplesError = Double.NaN;
      JsonObject secondary = run.getAsJsonObject("secondaryMetrics");
      if (secondary != null && secondary.has("elementSamples")) {
        JsonObject counter = secondary.getAsJsonObject("elementSamples");
        elementSamples = number(counter.get("score"));
        elementSamplesError = number(counter.get("scoreError"));
      }
      String iterations = run.get("warmupIterations").getAsInt() + " x "
          + run.get("warmupTime").getAsString() + " / "
          + run.get("measurementIterations").getAsInt() + " x "
          + run.get("measurementTime").getAsString();
      cases.add(new Case(className + "." + method, source, operation, arity, k,
          run.get("mode").getAsString(), number(primary.get("score")),
          number(primary.get("scoreError")), primary.get("scoreUnit").getAsString(),
          elementSamples, elementSamplesError, iterations, deviceRows));
    }
    return cases;
  }

  /**
   * The temperature of the results' Gumbel-Rao and ST-GS cases. One per file: tables and plots
   * are keyed by operation, and Gumbel-Rao's cost depends on tau (see Shapes.TAU).
   */
  static String temperature(Path results) throws IOException {
    java.util.Set<String> taus = new java.util.TreeSet<>();
    for (JsonElement element : JsonParser.parseString(
        Files.readString(results, StandardCharsets.UTF_8)).getAsJsonArray()) {
      JsonObject run = element.getAsJsonObject();
      if (run.has("params") && run.getAsJsonObject("params").has("tau")) {
        taus.add(run.getAsJsonObject("params").get("tau").getAsString());
      }
    }
    if (taus.size() > 1) {
      throw new IllegalArgumentException(results + " mixes temperatures " + taus
          + ": run each temperature into its own results file");
    }
    return taus.isEmpty() ? String.valueOf(Shapes.TAU) : taus.iterator().next();
  }

  /** JMH writes NaN (an error with too few iterations) as the string "NaN". */
  private static double number(JsonElement value) {
    return Double.parseDouble(value.getAsString());
  }

  static List<NumpyLine> readNumpy(Path file) throws IOException {
    List<NumpyLine> lines = new ArrayList<>();
    if (!Files.exists(file)) return lines;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) continue;
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      lines.add(new NumpyLine(o.get("R").getAsInt(), o.get("N").getAsInt(), o.get("K").getAsInt(),
          o.get("numpy_Mel_s").getAsDouble() * 1e6));
    }
    return lines;
  }

  // ================================================================================ Markdown

  static String markdown(List<Case> cases, Machine machine, boolean recorded,
      List<NumpyLine> numpy, Path results, Path png, String temperature) {
    StringBuilder md = new StringBuilder();
    md.append("# gumbel-rao benchmarks, ").append(machine.date()).append("\n\n");
    md.append("- Machine: ").append(machine.cpu()).append(", ").append(machine.logicalCpus())
        .append(" logical CPUs; GPU: ").append(machine.gpu()).append("; ").append(machine.os())
        .append("; ").append(machine.jvm()).append(recorded ? ""
            : " (no " + Machine.sidecar(results).getFileName()
                + " next to the results: this is the machine that made the report)")
        .append("\n");
    for (String backend : machine.backends()) md.append("- ").append(backend).append("\n");
    md.append("- Temperature: tau = ").append(temperature).append(" (Gumbel-Rao and ST-GS; the "
        + "plain-Java baseline runs at tau = ").append(Shapes.TAU).append(")\n");
    md.append("- Results: `").append(results.getFileName()).append("` (JMH JSON); plot: `")
        .append(png.getFileName()).append("`\n\n");
    md.append("Element-samples per second = rows x arity x K per second (K = 1 for sample and "
        + "ST-GS), counted by the benchmarks' `elementSamples` counter. rows = 2^20 / arity; "
        + "conditional sampling writes K x rows x arity floats and runs on fewer rows where that "
        + "would exceed 2^26 (see the rows column of the last table). Single caller thread; the "
        + "backends use their own threads as listed above, the plain-Java baseline one thread.\n");

    List<Case> large = cases.stream().filter(c -> !c.small()).toList();
    if (!large.isEmpty()) {
      md.append("\n## Element-samples per second\n");
      for (String source : SOURCES) {
        for (Operation op : Operation.values()) {
          List<Case> panel = select(large, c -> c.source().equals(source)
              && c.operation().equals(op.id));
          if (panel.isEmpty()) continue;
          md.append("\n### ").append(sourceTitle(source)).append(": ").append(op.title)
              .append("\n\n");
          grid(md, panel, c -> Units.si(c.elementSamples()));
        }
      }
      speedups(md, large);
      numpyTable(md, large, numpy);
    }

    List<Case> small = cases.stream().filter(Case::small).toList();
    if (!small.isEmpty()) {
      md.append("\n## Small calls: 10^4 element-samples per call\n\n");
      md.append("Microseconds per call from Java, JMH average time (target: under 20 us).\n\n");
      md.append("| backend | call | us per call | ± (99.9%) |\n|---|---|---:|---:|\n");
      for (String source : SOURCES) {
        for (Case c : select(small, c -> c.source().equals(source))) {
          md.append("| ").append(source).append(" | ").append(smallCallTitle(c.operation()))
              .append(" | ").append(Units.significant(c.score())).append(" | ")
              .append(Units.significant(c.scoreError())).append(" |\n");
        }
      }
    }

    List<Case> device = cases.stream().filter(Case::device).toList();
    if (!device.isEmpty()) {
      md.append("\n## CUDA, device-resident calls\n\n");
      md.append("GumbelRaoCuda on raw device addresses, one kernel per call, the stream "
          + "synchronised inside the measured method; the native harness times the same shapes "
          + "(gr_cuda_harness --bench). tau = ").append(Shapes.TAU).append(".\n\n");
      md.append("| operation | rows | arity | K | us per call | element-samples/s |\n"
          + "|---|---:|---:|---:|---:|---:|\n");
      for (Case c : device) {
        md.append("| ").append(c.operation()).append(" | ").append(c.rows()).append(" | ")
            .append(c.arity()).append(" | ").append(c.k()).append(" | ")
            .append(Units.significant(1e6 / c.score())).append(" | ")
            .append(Units.si(c.elementSamples())).append(" |\n");
      }
    }

    md.append("\n## JMH scores\n\n");
    md.append("JMH's own score (calls per second, or microseconds per call) with its 99.9% "
        + "error, next to element-samples per second.\n\n");
    md.append("| benchmark | backend | operation | arity | K | rows | score | ± | unit "
        + "| element-samples/s | ± | warm-up / measured |\n"
        + "|---|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|\n");
    for (Case c : cases) {
      boolean counted = !Double.isNaN(c.elementSamples());
      md.append("| ").append(c.benchmark()).append(" | ").append(c.source()).append(" | ")
          .append(c.small() ? smallCallTitle(c.operation()) : c.operation()).append(" | ")
          .append(c.small() ? "" : c.arity()).append(" | ").append(c.small() ? "" : c.k())
          .append(" | ").append(c.small() ? "" : c.rows()).append(" | ")
          .append(Units.significant(c.score())).append(" | ")
          .append(Units.significant(c.scoreError())).append(" | ").append(c.unit()).append(" | ")
          .append(counted ? Units.si(c.elementSamples()) : "").append(" | ")
          .append(counted ? Units.si(c.elementSamplesError()) : "").append(" | ")
          .append(c.iterations()).append(" |\n");
    }
    return md.toString();
  }

  /** Each backend's Gumbel-Rao throughput divided by the baseline's at the same shape. */
  private static void speedups(StringBuilder md, List<Case> large) {
    List<Case> baseline = select(large, c -> c.source().equals(Case.BASELINE));
    if (baseline.isEmpty()) return;
    boolean header = false;
    for (String source : SOURCES) {
      List<Case> panel = select(large, c -> !c.source().equals(Case.BASELINE)
          && c.source().equals(source) && c.operation().equals(Operation.GUMBEL_RAO.id)
          && find(baseline, c.arity(), c.k()).isPresent());
      if (panel.isEmpty()) continue;
      if (!header) {
        md.append("\n## Speed-up over the plain-Java baseline\n\n");
        md.append("Gumbel-Rao backward: element-samples/s of the backend divided by those of "
            + "the plain-Java loops (NaiveJavaBenchmark, one thread) at the same rows, arity "
            + "and K.\n");
        header = true;
      }
      md.append("\n### ").append(source).append("\n\n");
      grid(md, panel, c -> Units.significant(c.elementSamples()
          / find(baseline, c.arity(), c.k()).orElseThrow().elementSamples()) + "x");
    }
  }

  /** The numpy anchor's shapes, next to the suite's numbers at the same arity and K. */
  private static void numpyTable(StringBuilder md, List<Case> large, List<NumpyLine> numpy) {
    if (numpy.isEmpty()) return;
    List<String> sources = SOURCES.stream().filter(source -> large.stream().anyMatch(
        c -> c.source().equals(source) && c.operation().equals(Operation.GUMBEL_RAO.id)))
        .toList();
    md.append("\n## numpy anchor\n\n");
    md.append("Gumbel-Rao gradient in vectorised numpy (bench/anchors/numpy_gumbel_rao.py, "
        + "median of 5 calls, its own rows), next to the suite's Gumbel-Rao backward at the same "
        + "arity and K (rows = 2^20 / arity); element-samples/s.\n\n");
    md.append("| numpy rows | arity | K | numpy");
    for (String source : sources) md.append(" | ").append(source);
    md.append(" |\n|---:|---:|---:|---:");
    md.append("|---:".repeat(sources.size())).append("|\n");
    for (NumpyLine line : numpy) {
      md.append("| ").append(line.rows()).append(" | ").append(line.arity()).append(" | ")
          .append(line.k()).append(" | ").append(Units.si(line.elementSamples()));
      for (String source : sources) {
        Optional<Case> suite = find(select(large, c -> c.source().equals(source)
            && c.operation().equals(Operation.GUMBEL_RAO.id)), line.arity(), line.k());
        md.append(" | ").append(suite.map(c -> Units.si(c.elementSamples())).orElse("-"));
      }
      md.append(" |\n");
    }
  }

  /** A table: one row per arity, one column per K, cells from {@code cell}. */
  private static void grid(StringBuilder md, List<Case> panel,
      Function<Case, String> cell) {
    TreeSet<Integer> ks = panel.stream().map(Case::k).collect(Collectors.toCollection(TreeSet::new));
    TreeSet<Integer> arities =
        panel.stream().map(Case::arity).collect(Collectors.toCollection(TreeSet::new));
    md.append("| arity \\ K |");
    for (int k : ks) md.append(" ").append(k).append(" |");
    md.append("\n|---:|").append("---:|".repeat(ks.size())).append("\n");
    for (int arity : arities) {
      md.append("| ").append(arity).append(" |");
      for (int k : ks) md.append(" ").append(find(panel, arity, k).map(cell).orElse("-")).append(" |");
      md.append("\n");
    }
  }

  static List<Case> select(List<Case> cases, Predicate<Case> which) {
    return cases.stream().filter(which)
        .sorted(Comparator.comparingInt(Case::arity).thenComparingInt(Case::k)).toList();
  }

  static Optional<Case> find(List<Case> cases, int arity, int k) {
    return cases.stream().filter(c -> c.arity() == arity && c.k() == k).findFirst();
  }

  static String sourceTitle(String source) {
    return source.equals(Case.BASELINE) ? "plain-Java baseline" : source;
  }

  private static final Map<String, String> SMALL_CALLS = Map.of(
      "gumbelRaoRows125Arity8K10", "Gumbel-Rao backward, rows 125, arity 8, K 10",
      "sampleRows1250Arity8", "sample with one-hot, rows 1250, arity 8");

  private static String smallCallTitle(String method) {
    return SMALL_CALLS.getOrDefault(method, method);
  }
}
