package dev.gumbelrao.bench;

import dev.gumbelrao.cuda.CudaDevice;

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
 * naming the machine and the CPU backend's instruction-set path. Reads, next to
 * {@code results.json}: {@code results.machine.json} (written by the runner; without it the
 * machine running the report is named, and the report says so), {@code results-numpy.jsonl} and
 * {@code results-torch.jsonl} (the numpy and PyTorch CPU anchors' lines; optional). Gumbel-Rao
 * cases may come at several temperatures (the runner's --taus): each gets its own tables.
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
      double elementSamplesError, String iterations, int deviceRows, String tau) {
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

  /**
   * A line of an anchor script (bench/anchors/numpy_gumbel_rao.py, torch_cpu_anchor.py): the same
   * gradient in another library, at its own rows.
   *
   * @param tau as written by the script ("0.5" for numpy files from before it had a tau field)
   * @param note the library version and threads, where the script says
   */
  record AnchorLine(int rows, int arity, int k, String tau, double elementSamples, String note) {}

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
    Path machineFile = Machine.sidecar(results);
    boolean recorded = Files.exists(machineFile);
    Machine machine = recorded ? Machine.read(machineFile) : Machine.here();
    List<AnchorLine> numpy = readAnchor(anchorSidecar(results, "numpy"), "numpy_Mel_s");
    List<AnchorLine> torch = readAnchor(anchorSidecar(results, "torch"), "torch_Mel_s");
    if (markdown.toAbsolutePath().getParent() != null) {
      Files.createDirectories(markdown.toAbsolutePath().getParent());
    }
    Files.writeString(markdown,
        markdown(cases, machine, recorded, numpy, torch, results, png), StandardCharsets.UTF_8);
    // The plot keeps one line per arity: the headline temperature only.
    Plot.write(png, cases.stream().filter(c -> c.tau().equals(HEADLINE_TAU)).toList(), machine);
    System.out.println("wrote " + markdown + " and " + png);
  }

  /** The suite's default temperature, as JMH writes the parameter. */
  static final String HEADLINE_TAU = String.valueOf(Shapes.TAU);

  /** x.json gives x-numpy.jsonl (anchor "numpy") or x-torch.jsonl. */
  static Path anchorSidecar(Path results, String anchor) {
    String name = results.getFileName().toString();
    String stem = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
    return results.resolveSibling(stem + "-" + anchor + ".jsonl");
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
      String tau = params.has("tau") ? tauName(params.get("tau").getAsString()) : HEADLINE_TAU;
      cases.add(new Case(className + "." + method, source, operation, arity, k,
          run.get("mode").getAsString(), number(primary.get("score")),
          number(primary.get("scoreError")), primary.get("scoreUnit").getAsString(),
          elementSamples, elementSamplesError, iterations, deviceRows, tau));
    }
    return cases;
  }

  /** A temperature as one name whatever its spelling ("0.50" and "0.5" are one case). */
  static String tauName(String tau) {
    return String.valueOf(Float.parseFloat(tau));
  }

  /** The temperatures of the cases, the headline one first. */
  static List<String> taus(List<Case> cases) {
    TreeSet<String> all = cases.stream().map(Case::tau)
        .collect(Collectors.toCollection(TreeSet::new));
    List<String> ordered = new ArrayList<>();
    if (all.remove(HEADLINE_TAU)) ordered.add(HEADLINE_TAU);
    ordered.addAll(all.descendingSet());
    return ordered;
  }

  /** JMH writes NaN (an error with too few iterations) as the string "NaN". */
  private static double number(JsonElement value) {
    return Double.parseDouble(value.getAsString());
  }

  /** An anchor's JSON lines: R, N, K, tau (optional), the rate field (M element-samples/s). */
  static List<AnchorLine> readAnchor(Path file, String rateField) throws IOException {
    List<AnchorLine> lines = new ArrayList<>();
    if (!Files.exists(file)) return lines;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank() || !line.trim().startsWith("{")) continue;
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      String note = "";
      if (o.has("torch")) {
        note = "PyTorch " + o.get("torch").getAsString() + ", " + o.get("threads").getAsInt()
            + " threads";
      } else if (o.has("numpy")) {
        note = "numpy " + o.get("numpy").getAsString();
      }
      lines.add(new AnchorLine(o.get("R").getAsInt(), o.get("N").getAsInt(), o.get("K").getAsInt(),
          o.has("tau") ? tauName(o.get("tau").getAsString()) : HEADLINE_TAU,
          o.get(rateField).getAsDouble() * 1e6, note));
    }
    return lines;
  }

  // ================================================================================ Markdown

  static String markdown(List<Case> cases, Machine machine, boolean recorded,
      List<AnchorLine> numpy, List<AnchorLine> torch, Path results, Path png) {
    StringBuilder md = new StringBuilder();
    md.append("# gumbel-rao benchmarks, ").append(machine.date()).append(", ")
        .append(machine.cpuAndPath()).append("\n\n");
    md.append("- Machine: ").append(machine.cpu()).append(", ").append(machine.logicalCpus())
        .append(" logical CPUs; GPU: ").append(machine.gpu()).append("; ").append(machine.os())
        .append("; ").append(machine.jvm()).append(recorded ? ""
            : " (no " + Machine.sidecar(results).getFileName()
                + " next to the results: this is the machine that made the report)")
        .append("\n");
    md.append("- CPU backend path: ").append(machine.cpuIsa()).append(" kernels (the "
        + "instruction-set copy the CPU backend ran; every CPU table below is of this path)\n");
    for (String backend : machine.backends()) md.append("- ").append(backend).append("\n");
    md.append("- Temperatures: tau = ").append(String.join(", ", taus(cases)))
        .append(" for the native backends' Gumbel-Rao (tau = 0.5 takes the integer-1/tau path of "
            + "the weight); ST-GS, the JAVA backend, the small calls and the plain-Java baseline "
            + "run at tau = ").append(Shapes.TAU).append("\n");
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
          if (op.successor) continue;  // their own section, next to ST-GS
          for (String tau : taus(large)) {
            List<Case> panel = select(large, c -> c.source().equals(source)
                && c.operation().equals(op.id) && c.tau().equals(tau));
            if (panel.isEmpty()) continue;
            md.append("\n### ").append(sourceTitle(source, machine)).append(": ")
                .append(op.title).append(tauTitle(op, tau)).append("\n\n");
            grid(md, panel, c -> Units.si(c.elementSamples()));
          }
        }
      }
      successors(md, large, machine);
      speedups(md, large, machine);
      anchorTable(md, large, machine, "numpy anchor", "Gumbel-Rao gradient in vectorised numpy "
          + "(bench/anchors/numpy_gumbel_rao.py, one thread, median of 5 calls)", numpy);
      anchorTable(md, large, machine, "PyTorch CPU anchor", "The closed-form estimator step in "
          + "eager PyTorch on the CPU (bench/anchors/torch_cpu_anchor.py, Debian python3-torch, "
          + "as many threads as logical CPUs, median of 5 calls)", torch);
    }

    List<Case> small = cases.stream().filter(Case::small).toList();
    if (!small.isEmpty()) {
      md.append("\n## Small calls: 10^4 element-samples per call\n\n");
      md.append("Microseconds per call from Java, JMH average time (target: 15 us or less, issue 10).\n\n");
      md.append("| backend | call | us per call | ± (99.9%) |\n|---|---|---:|---:|\n");
      for (String source : SOURCES) {
        for (Case c : select(small, c -> c.source().equals(source))) {
          md.append("| ").append(sourceTitle(source, machine)).append(" | ")
              .append(smallCallTitle(c.operation()))
              .append(" | ").append(Units.significant(c.score())).append(" | ")
              .append(Units.significant(c.scoreError())).append(" |\n");
        }
      }
    }

    List<Case> device = cases.stream().filter(Case::device).toList();
    if (!device.isEmpty()) {
      md.append("\n## CUDA, device-resident calls\n\n");
      md.append("CudaDevice on raw device addresses, one kernel per call, the stream "
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

  /**
   * The later estimators' backward passes next to ST-GS's at the same arity, from the same run:
   * element-samples/s and the ratio to ST-GS (the Gumbel-Rao rows, detached and total, at
   * their K; RLOO at each S). The binary estimators have no ST-GS at arity 1: variables/s only.
   */
  private static void successors(StringBuilder md, List<Case> large, Machine machine) {
    String tau = HEADLINE_TAU;
    for (String source : SOURCES) {
      List<Case> later = select(large, c -> c.source().equals(source) && c.tau().equals(tau)
          && Operation.of(c.operation()).successor);
      if (later.isEmpty()) continue;
      List<Case> stgs = select(large, c -> c.source().equals(source)
          && c.operation().equals(Operation.ST_GS.id));
      List<Integer> arities = later.stream().filter(c -> !Operation.of(c.operation()).binary)
          .map(Case::arity).distinct().sorted().toList();
      TreeSet<Integer> totalKs = later.stream()
          .filter(c -> Operation.of(c.operation()).perK()).map(Case::k)
          .collect(Collectors.toCollection(TreeSet::new));
      md.append("\n## Later estimators next to ST-GS: ").append(sourceTitle(source, machine))
          .append("\n\n");
      md.append("Backward passes, element-samples/s (rows x arity x K for Gumbel-Rao, rows x "
          + "arity for the others: RLOO's K is its S draws per row, whose losses it reads, "
          + "IndeCateR's its N draws, whose loss table it reads) and "
          + "the ratio to ST-GS's backward at the same arity in this run; tau = ").append(tau)
          .append(" where it applies; rows = 2^20 / arity.\n\n");
      md.append("| estimator | K |");
      for (int a : arities) md.append(" arity ").append(a).append(" | x ST-GS |");
      md.append("\n|---|---:|").append("---:|---:|".repeat(arities.size())).append("\n");
      List<String[]> rowsOf = new ArrayList<>();
      rowsOf.add(new String[] {Operation.ST_GS.id, "1"});
      for (int k : totalKs) rowsOf.add(new String[] {Operation.GUMBEL_RAO.id, String.valueOf(k)});
      for (Operation op : Operation.values()) {
        if (!op.successor || op.binary) continue;
        later.stream().filter(c -> c.operation().equals(op.id)).map(Case::k).distinct().sorted()
            .forEach(k -> rowsOf.add(new String[] {op.id, String.valueOf(k)}));
      }
      for (String[] row : rowsOf) {
        Operation op = Operation.of(row[0]);
        int k = Integer.parseInt(row[1]);
        List<Case> these = select(large, c -> c.source().equals(source)
            && c.operation().equals(op.id) && c.tau().equals(tau));
        if (these.isEmpty()) continue;
        md.append("| ").append(op.title).append(" | ").append(op.usesK ? row[1] : "").append(" |");
        for (int a : arities) {
          Optional<Case> c = find(these, a, k);
          Optional<Case> ref = find(stgs, a, 1);
          md.append(" ").append(c.map(x -> Units.si(x.elementSamples())).orElse("-"))
              .append(" | ").append(c.isPresent() && ref.isPresent()
                  ? Units.significant(c.get().elementSamples() / ref.get().elementSamples()) + "x"
                  : "-").append(" |");
        }
        md.append("\n");
      }
      List<Case> binary = later.stream().filter(c -> Operation.of(c.operation()).binary)
          .toList();
      if (!binary.isEmpty()) {
        md.append("\nBinary estimators (arity 1: 2^20 variables of one logit; DisARM reads "
            + "the two losses of its antithetic pair per variable, ARMS the n losses of its "
            + "copula draws):\n\n| estimator | variables/s |\n|---|---:|\n");
        for (Case c : binary) {
          Operation op = Operation.of(c.operation());
          md.append("| ").append(op.title).append(op.samplesS() ? ", n = " + c.k() : "")
              .append(" | ").append(Units.si(c.elementSamples())).append(" |\n");
        }
      }
    }
  }

  /**
   * Each backend's Gumbel-Rao throughput divided by the baseline's at the same shape (the
   * baseline runs at tau = 0.5; its cost barely depends on tau: Math.exp either way).
   */
  private static void speedups(StringBuilder md, List<Case> large, Machine machine) {
    List<Case> baseline = select(large, c -> c.source().equals(Case.BASELINE));
    if (baseline.isEmpty()) return;
    boolean header = false;
    for (String source : SOURCES) {
      for (String tau : taus(large)) {
        List<Case> panel = select(large, c -> !c.source().equals(Case.BASELINE)
            && c.source().equals(source) && c.operation().equals(Operation.GUMBEL_RAO.id)
            && c.tau().equals(tau) && find(baseline, c.arity(), c.k()).isPresent());
        if (panel.isEmpty()) continue;
        if (!header) {
          md.append("\n## Speed-up over the plain-Java baseline\n\n");
          md.append("Gumbel-Rao backward: element-samples/s of the backend divided by those of "
              + "the plain-Java loops (NaiveJavaBenchmark, one thread, tau = 0.5) at the same "
              + "rows, arity and K.\n");
          header = true;
        }
        md.append("\n### ").append(sourceTitle(source, machine))
            .append(tauTitle(Operation.GUMBEL_RAO, tau)).append("\n\n");
        grid(md, panel, c -> Units.significant(c.elementSamples()
            / find(baseline, c.arity(), c.k()).orElseThrow().elementSamples()) + "x");
      }
    }
  }

  /**
   * An anchor's shapes, next to the suite's Gumbel-Rao numbers at the same arity, K and tau, and
   * the CPU backend's ratio to the anchor.
   */
  private static void anchorTable(StringBuilder md, List<Case> large, Machine machine,
      String title, String what, List<AnchorLine> anchor) {
    if (anchor.isEmpty()) return;
    List<String> sources = SOURCES.stream().filter(source -> large.stream().anyMatch(
        c -> c.source().equals(source) && c.operation().equals(Operation.GUMBEL_RAO.id)))
        .toList();
    md.append("\n## ").append(title).append("\n\n");
    md.append(what).append(", at its own rows, next to the suite's Gumbel-Rao backward at the "
        + "same arity, K and tau (rows = 2^20 / arity); element-samples/s. ")
        .append(anchor.get(0).note().isEmpty() ? "" : anchor.get(0).note() + ". ")
        .append("CPU: ").append(machine.cpuAndPath()).append(".\n\n");
    md.append("| anchor rows | arity | K | tau | anchor");
    for (String source : sources) md.append(" | ").append(source);
    boolean ratio = sources.contains("cpu");
    if (ratio) md.append(" | cpu / anchor");
    md.append(" |\n|---:|---:|---:|---:|---:");
    md.append("|---:".repeat(sources.size() + (ratio ? 1 : 0))).append("|\n");
    for (AnchorLine line : anchor) {
      md.append("| ").append(line.rows()).append(" | ").append(line.arity()).append(" | ")
          .append(line.k()).append(" | ").append(line.tau()).append(" | ")
          .append(Units.si(line.elementSamples()));
      Optional<Case> cpu = Optional.empty();
      for (String source : sources) {
        Optional<Case> suite = find(select(large, c -> c.source().equals(source)
            && c.operation().equals(Operation.GUMBEL_RAO.id) && c.tau().equals(line.tau())),
            line.arity(), line.k());
        if (source.equals("cpu")) cpu = suite;
        md.append(" | ").append(suite.map(c -> Units.si(c.elementSamples())).orElse("-"));
      }
      if (ratio) {
        md.append(" | ").append(cpu.map(c -> Units.significant(c.elementSamples()
            / line.elementSamples()) + "x").orElse("-"));
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

  /** As {@link #sourceTitle(String)}, naming the CPU and its path for the CPU backend. */
  static String sourceTitle(String source, Machine machine) {
    return source.equals("cpu") ? "cpu (" + machine.cpuAndPath() + ")" : sourceTitle(source);
  }

  static String tauTitle(Operation op, String tau) {
    return op.tempered() ? ", tau = " + tau : "";
  }

  private static final Map<String, String> SMALL_CALLS = Map.of(
      "gumbelRaoRows125Arity8K10", "Gumbel-Rao backward, rows 125, arity 8, K 10",
      "sampleRows1250Arity8", "sample with one-hot, rows 1250, arity 8");

  private static String smallCallTitle(String method) {
    return SMALL_CALLS.getOrDefault(method, method);
  }
}
