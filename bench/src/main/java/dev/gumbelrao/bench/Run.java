package dev.gumbelrao.bench;

import dev.gumbelrao.BackendStatus;
import dev.gumbelrao.Backends;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The benchmarks jar's main: picks the cases, skips backends that cannot run here (saying why),
 * runs JMH once per group of cases and merges the groups' JSON results into one file.
 *
 * <p>Groups exist because JMH runs the cross product of its parameters: sample and ST-GS take no
 * K, so they run with k = 1 only; the JAVA backend and the plain-Java baseline run their slow
 * cases (K &gt;= 100, one call taking seconds) with fewer iterations. Options it does not know go
 * to JMH unchanged, and JMH's own settings win over the defaults below.
 */
public final class Run {
  private Run() {}

  private static final String USAGE = String.join("\n",
      "usage: java -jar benchmarks.jar [options] [JMH options]",
      "  --quick             smoke run: cpu, gumbel-rao, K=10, arity=16, the plain-Java baseline",
      "                      and the small-call latency at that setting, 1 x 200 ms warm-up,",
      "                      2 x 200 ms measured (under 10 s); the options below change its cases",
      "  --json FILE         merged JMH JSON results (default jmh-result.json); the machine is",
      "                      written next to it as FILE-without-.json + .machine.json",
      "  --backends LIST     of java,cpu,cuda (default all; unavailable ones are skipped)",
      "  --ops LIST          of " + Operation.ids(),
      "                      (default all; the later estimators from gumbel-rao-total on run in",
      "                      the successors suite)",
      "  --ks LIST           K values (default 1,10,100,1000; sample and st-gs always use 1;",
      "                      the successors suite's Gumbel-Rao: 100 unless given)",
      "  --arities LIST      (default 2,4,8,16,64,1024,32768; the successors suite: 16,1024",
      "                      unless given, its binary estimators at 1)",
      "  --taus LIST         temperatures of the native backends' gumbel-rao cases (default 0.5,0.3;",
      "                      0.5 takes the integer-1/tau path); the JAVA backend, the plain-Java",
      "                      baseline, ST-GS and the small calls run at 0.5",
      "  --isa NAME          the CPU backend's instruction-set path (avx512, avx2, x86-64, neon;",
      "                      default: the best this CPU has), e.g. the AVX2 path on an AVX-512 CPU",
      "  --suites LIST       of operations,naive,small,device,successors (default all):",
      "                      OperationBenchmark, the plain-Java baseline NaiveJavaBenchmark (with",
      "                      gumbel-rao), SmallCallBenchmark (with gumbel-rao and sample), the",
      "                      CUDA device-resident DeviceBenchmark (with cuda), and the later",
      "                      estimators' backward passes on the CPU backend next to ST-GS",
      "                      (OperationBenchmark; RLOO at S = 2, 10)",
      "  -h, --help          this text, then JMH's options",
      "Defaults: 1 fork, warm-up 3 x 1 s, measured 5 x 1 s; JAVA backend and plain-Java baseline",
      "at K >= 100: warm-up 1 x 1 s, measured 3 x 1 s (an iteration lasts at least one call).");

  /** How long a group warms up and measures, unless JMH options on the command line say. */
  private enum Timing {
    QUICK(1, 200, 2, 200),
    FULL(3, 1000, 5, 1000),
    // For cases whose single call takes seconds (up to a minute for the baseline at K = 1000):
    // the first call compiles the loops, and three calls give an error estimate.
    SLOW(1, 1000, 3, 1000);

    final int warmups;
    final int warmupMillis;
    final int measurements;
    final int measurementMillis;

    Timing(int warmups, int warmupMillis, int measurements, int measurementMillis) {
      this.warmups = warmups;
      this.warmupMillis = warmupMillis;
      this.measurements = measurements;
      this.measurementMillis = measurementMillis;
    }
  }

  /** K from which one call of the JAVA backend or the baseline takes seconds at 2^20 logits. */
  private static final int SLOW_K = 100;

  /** One JMH run: a benchmark method and its parameter values. */
  private record Group(String title, String include, Map<String, List<String>> params,
      Timing timing) {}

  public static void main(String[] args) throws IOException, RunnerException {
    Settings settings;
    CommandLineOptions jmhOptions;
    try {
      settings = Settings.parse(args);
      jmhOptions = new CommandLineOptions(settings.jmhArgs.toArray(new String[0]));
      if (!jmhOptions.getIncludes().isEmpty()) {
        throw new IllegalArgumentException("benchmark regexes " + jmhOptions.getIncludes()
            + " are not taken here: choose cases with --suites, --ops, --backends, --ks, "
            + "--arities, or run JMH directly: java -cp benchmarks.jar org.openjdk.jmh.Main");
      }
    } catch (IllegalArgumentException | CommandLineOptionException e) {
      System.err.println("benchmarks: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    if (settings.help) {
      System.out.println(USAGE);
      System.out.println();
      jmhOptions.showHelp();
      return;
    }

    if (settings.isa != null) {
      // This JVM (machine record, availability) and every fork (-jvmArgsAppend) run the path.
      System.setProperty("gumbelrao.cpu.isa", settings.isa);
    }
    Machine machine = Machine.here();
    System.out.println("machine: " + machine.describe());
    List<String> backends = new ArrayList<>();
    for (String name : settings.backends) {
      BackendStatus status = Backends.status(BackendNames.parse(name));
      if (status.available()) {
        System.out.println("backend " + name + ": " + status.detail());
        backends.add(name);
      } else {
        System.out.println("skipping " + name + ": " + status.detail());
      }
    }

    List<Group> groups = groups(settings, backends);
    if (groups.isEmpty()) {
      System.err.println("benchmarks: nothing to run with these options");
      System.exit(2);
    }
    Path json = Path.of(settings.json).toAbsolutePath();
    Files.createDirectories(json.getParent());
    JsonArray merged = new JsonArray();
    List<RunResult> results = new ArrayList<>();
    for (Group group : groups) {
      System.out.println();
      System.out.println("== " + group.title + ": " + group.params);
      Path part = Files.createTempFile("gumbel-rao-jmh-", ".json");
      try {
        results.addAll(new Runner(options(group, settings, jmhOptions, part)).run());
        merged.addAll(JsonParser.parseString(Files.readString(part, StandardCharsets.UTF_8))
            .getAsJsonArray());
      } finally {
        Files.deleteIfExists(part);
      }
    }
    Files.writeString(json, merged + "\n", StandardCharsets.UTF_8);
    Path machineFile = Machine.sidecar(json);
    machine.write(machineFile);

    printSummary(results);
    System.out.println();
    System.out.println("results: " + json + " (machine: " + machineFile.getFileName() + ")");
    System.out.println("report:  java -cp benchmarks.jar dev.gumbelrao.bench.Report " + json
        + " <out-prefix>");
  }

  private static List<Group> groups(Settings settings, List<String> backends) {
    List<Group> groups = new ArrayList<>();
    List<String> arities = settings.arities;
    // the paper's operations; the later estimators run in the successors group below
    List<String> paperOps = settings.ops.stream().filter(op -> !Operation.of(op).successor)
        .toList();
    if (settings.suites.contains("operations")) {
      String include = method(OperationBenchmark.class, "hostArrays");
      List<String> withK = paperOps.stream().filter(op -> Operation.of(op).usesK).toList();
      List<String> withoutK = paperOps.stream().filter(op -> !Operation.of(op).usesK)
          .toList();
      List<String> natives = backends.stream().filter(b -> !b.equals("java")).toList();
      List<String> withKOthers = withK.stream()
          .filter(op -> !op.equals(Operation.GUMBEL_RAO.id)).toList();
      if (withK.contains(Operation.GUMBEL_RAO.id)) {
        groups.add(new Group("Gumbel-Rao", include,
            params("backend", natives, "operation", List.of(Operation.GUMBEL_RAO.id), "k",
                settings.ks, "arity", arities, "tau", settings.taus),
            settings.timing(Timing.FULL)));
      }
      if (!withKOthers.isEmpty()) {
        groups.add(new Group("operations with K", include,
            params("backend", natives, "operation", withKOthers, "k", settings.ks, "arity",
                arities), settings.timing(Timing.FULL)));
      }
      if (!withK.isEmpty()) {
        if (backends.contains("java")) {
          groups.add(new Group("operations with K, JAVA backend", include,
              params("backend", List.of("java"), "operation", withK, "k", fastKs(settings.ks),
                  "arity", arities), settings.timing(Timing.FULL)));
          groups.add(new Group("operations with K, JAVA backend, slow calls", include,
              params("backend", List.of("java"), "operation", withK, "k", slowKs(settings.ks),
                  "arity", arities), settings.timing(Timing.SLOW)));
        }
      }
      groups.add(new Group("operations without K (k = 1)", include,
          params("backend", backends, "operation", withoutK, "k", List.of("1"), "arity", arities),
          settings.timing(Timing.FULL)));
    }
    if (settings.suites.contains("successors")) groups.addAll(successors(settings, backends));
    if (settings.suites.contains("naive") && settings.ops.contains(Operation.GUMBEL_RAO.id)) {
      String include = method(NaiveJavaBenchmark.class, "gumbelRaoPlainJavaLoops");
      groups.add(new Group("plain-Java baseline", include,
          params("k", fastKs(settings.ks), "arity", arities), settings.timing(Timing.FULL)));
      groups.add(new Group("plain-Java baseline, slow calls", include,
          params("k", slowKs(settings.ks), "arity", arities), settings.timing(Timing.SLOW)));
    }
    if (settings.suites.contains("small")) {
      List<String> methods = new ArrayList<>();
      if (settings.ops.contains(Operation.GUMBEL_RAO.id)) methods.add("gumbelRaoRows125Arity8K10");
      if (settings.ops.contains(Operation.SAMPLE.id)) methods.add("sampleRows1250Arity8");
      if (!methods.isEmpty()) {
        groups.add(new Group("small calls (10^4 element-samples)",
            "^" + Pattern.quote(SmallCallBenchmark.class.getName()) + "\\.("
                + String.join("|", methods) + ")$",
            params("backend", backends), settings.timing(Timing.FULL)));
      }
    }
    if (settings.suites.contains("device") && backends.contains("cuda")) {
      groups.add(new Group("CUDA device-resident calls",
          method(DeviceBenchmark.class, "deviceResidentSynchronized"), params(),
          settings.timing(Timing.FULL)));
    }
    groups.removeIf(group -> group.params.values().stream().anyMatch(List::isEmpty));
    return groups;
  }

  /** The successors group's arities unless --arities says: a small and a large row. */
  static final List<String> SUCCESSOR_ARITIES = List.of("16", "1024");
  /** Its K for Gumbel-Rao, detached and total, unless --ks says. */
  static final List<String> SUCCESSOR_KS = List.of("100");
  /** Its S for RLOO: the cheapest leave-one-out, and as many draws as the smallest K. */
  static final List<String> SUCCESSOR_RLOO_S = List.of("2", "10");

  /**
   * The later estimators' backward passes on the CPU backend (their native kernels; the JAVA
   * backend's oracle is measured by driving JMH directly), next to ST-GS and the detached
   * Gumbel-Rao at the same arity, K and tau in the same run: those two come from the operations
   * group when it runs them, and are added here when it does not. The binary estimators run at
   * arity 1 (2^20 variables).
   */
  private static List<Group> successors(Settings settings, List<String> backends) {
    List<Group> groups = new ArrayList<>();
    if (!backends.contains("cpu")) return groups;
    List<String> cpu = List.of("cpu");
    String include = method(OperationBenchmark.class, "hostArrays");
    List<String> chosen = settings.ops.stream().filter(op -> Operation.of(op).successor)
        .toList();
    if (chosen.isEmpty()) return groups;
    List<String> arities = settings.aritiesGiven ? settings.arities : SUCCESSOR_ARITIES;
    List<String> ks = settings.ksGiven ? settings.ks : SUCCESSOR_KS;
    boolean operations = settings.suites.contains("operations");
    // what the operations group already measures at these shapes
    boolean stgsThere = operations && settings.ops.contains(Operation.ST_GS.id)
        && settings.arities.containsAll(arities);
    boolean grThere = operations && settings.ops.contains(Operation.GUMBEL_RAO.id)
        && settings.arities.containsAll(arities) && settings.ks.containsAll(ks)
        && settings.taus.contains(String.valueOf(Shapes.TAU));
    List<String> withoutK = new ArrayList<>();
    if (!stgsThere) withoutK.add(Operation.ST_GS.id);
    for (String op : chosen) {
      Operation o = Operation.of(op);
      if (!o.usesK && !o.binary) withoutK.add(op);
    }
    if (!withoutK.isEmpty()) {
      groups.add(new Group("later estimators, K = 1", include, params("backend", cpu,
          "operation", withoutK, "k", List.of("1"), "arity", arities),
          settings.timing(Timing.FULL)));
    }
    // the other families with K (Gumbel-Rao's total derivative), next to the detached one
    List<String> variants = chosen.stream()
        .filter(op -> Operation.of(op).perK() && !Operation.of(op).binary).toList();
    if (!variants.isEmpty()) {
      List<String> gr = new ArrayList<>();
      if (!grThere) gr.add(Operation.GUMBEL_RAO.id);
      gr.addAll(variants);
      groups.add(new Group("Gumbel-Rao and its variants", include, params("backend", cpu,
          "operation", gr, "k", ks, "arity", arities, "tau", List.of(String.valueOf(Shapes.TAU))),
          settings.timing(Timing.FULL)));
    }
    List<String> multi = chosen.stream()
        .filter(op -> Operation.of(op).samplesS() && !Operation.of(op).binary).toList();
    if (!multi.isEmpty()) {
      groups.add(new Group("multi-sample estimators (K = S draws)", include, params("backend",
          cpu, "operation", multi, "k", SUCCESSOR_RLOO_S, "arity", arities),
          settings.timing(Timing.FULL)));
    }
    List<String> binary = chosen.stream()
        .filter(op -> Operation.of(op).binary && !Operation.of(op).samplesS()).toList();
    if (!binary.isEmpty()) {
      groups.add(new Group("binary estimators (arity 1)", include, params("backend", cpu,
          "operation", binary, "k", List.of("1"), "arity", List.of("1")),
          settings.timing(Timing.FULL)));
    }
    // a table of losses per draw (IndeCateR), at N = 1 and 10 draws
    List<String> tables = chosen.stream().filter(op -> Operation.of(op).drawsN()).toList();
    if (!tables.isEmpty()) {
      groups.add(new Group("loss-table estimators (K = N draws)", include, params("backend",
          cpu, "operation", tables, "k", List.of("1", "10"), "arity", arities),
          settings.timing(Timing.FULL)));
    }
    // binary with n draws per variable (ARMS): n as RLOO's S
    List<String> binaryMulti = chosen.stream()
        .filter(op -> Operation.of(op).binary && Operation.of(op).samplesS()).toList();
    if (!binaryMulti.isEmpty()) {
      groups.add(new Group("binary multi-draw estimators (arity 1, K = n draws)", include,
          params("backend", cpu, "operation", binaryMulti, "k", SUCCESSOR_RLOO_S, "arity",
              List.of("1")), settings.timing(Timing.FULL)));
    }
    return groups;
  }

  private static List<String> fastKs(List<String> ks) {
    return ks.stream().filter(k -> Integer.parseInt(k) < SLOW_K).toList();
  }

  private static List<String> slowKs(List<String> ks) {
    return ks.stream().filter(k -> Integer.parseInt(k) >= SLOW_K).toList();
  }

  private static String method(Class<?> benchmark, String name) {
    return "^" + Pattern.quote(benchmark.getName() + "." + name) + "$";
  }

  /** Name, values, name, values, ... in order. */
  @SuppressWarnings("unchecked")
  private static Map<String, List<String>> params(Object... namesAndValues) {
    Map<String, List<String>> params = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      params.put((String) namesAndValues[i], (List<String>) namesAndValues[i + 1]);
    }
    return params;
  }

  private static org.openjdk.jmh.runner.options.Options options(Group group, Settings settings,
      CommandLineOptions jmh, Path result) {
    OptionsBuilder builder = new OptionsBuilder();
    builder.parent(jmh).include(group.include);
    if (settings.isa != null) {
      List<String> jvmArgs = new ArrayList<>(jmh.getJvmArgsAppend().orElse(List.of()));
      jvmArgs.add("-Dgumbelrao.cpu.isa=" + settings.isa);
      builder.jvmArgsAppend(jvmArgs.toArray(new String[0]));
    }
    group.params.forEach((name, values) -> builder.param(name, values.toArray(new String[0])));
    Timing timing = group.timing;
    if (!jmh.getForkCount().hasValue()) builder.forks(1);
    if (!jmh.getWarmupIterations().hasValue()) builder.warmupIterations(timing.warmups);
    if (!jmh.getWarmupTime().hasValue()) {
      builder.warmupTime(TimeValue.milliseconds(timing.warmupMillis));
    }
    if (!jmh.getMeasurementIterations().hasValue()) {
      builder.measurementIterations(timing.measurements);
    }
    if (!jmh.getMeasurementTime().hasValue()) {
      builder.measurementTime(TimeValue.milliseconds(timing.measurementMillis));
    }
    // A case that throws must fail the run (and CI), not leave a silent hole in the tables.
    if (!jmh.shouldFailOnError().hasValue()) builder.shouldFailOnError(true);
    builder.resultFormat(ResultFormatType.JSON).result(result.toString());
    return builder.build();
  }

  private static void printSummary(Collection<RunResult> results) {
    System.out.println();
    System.out.println("== summary (element-samples/s = rows x arity x K per second)");
    for (RunResult run : results) {
      String benchmark = run.getParams().getBenchmark();
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      Result<?> primary = run.getPrimaryResult();
      // JMH gives no error estimate below three measured iterations (--quick measures two).
      String score = Double.isFinite(primary.getScoreError())
          ? String.format(Locale.ROOT, "%.4g ± %.2g %s", primary.getScore(),
              primary.getScoreError(), primary.getScoreUnit())
          : String.format(Locale.ROOT, "%.4g %s", primary.getScore(), primary.getScoreUnit());
      Result<?> elementSamples = run.getSecondaryResults().get("elementSamples");
      String shape = run.getParams().getParamsKeys().stream()
          .map(key -> key + "=" + run.getParams().getParam(key))
          .collect(Collectors.joining(" "));
      if (elementSamples != null) {
        System.out.printf(Locale.ROOT, "%-26s %-44s %s element-samples/s   (%s)%n", method,
            shape, Units.si(elementSamples.getScore()), score);
      } else {
        System.out.printf(Locale.ROOT, "%-26s %-44s %s%n", method, shape, score);
      }
    }
  }

  /** This runner's own options; everything else is for JMH. */
  private static final class Settings {
    boolean help;
    boolean quick;
    String json = "jmh-result.json";
    List<String> backends = split(BackendNames.ALL);
    List<String> ops = split(Operation.ids());
    List<String> ks = split("1,10,100,1000");
    List<String> arities = split("2,4,8,16,64,1024,32768");
    List<String> suites = split("operations,naive,small,device,successors");
    boolean aritiesGiven;
    boolean ksGiven;
    List<String> taus = split("0.5,0.3");
    String isa;
    final List<String> jmhArgs = new ArrayList<>();

    static Settings parse(String[] args) {
      Settings s = new Settings();
      Map<String, String> given = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--quick":
            s.quick = true;
            break;
          case "-h":
          case "--help":
            s.help = true;
            break;
          case "--json":
          case "--backends":
          case "--ops":
          case "--ks":
          case "--arities":
          case "--suites":
          case "--taus":
          case "--isa":
            if (i + 1 == args.length) throw new IllegalArgumentException(arg + " needs a value");
            given.put(arg, args[++i]);
            break;
          default:
            s.jmhArgs.add(arg);
        }
      }
      if (s.quick) {
        s.backends = List.of("cpu");
        s.ops = List.of(Operation.GUMBEL_RAO.id);
        s.ks = List.of("10");
        s.arities = List.of("16");
        s.taus = List.of("0.5");
      }
      s.json = given.getOrDefault("--json", s.json);
      if (given.containsKey("--backends")) s.backends = split(given.get("--backends"));
      if (given.containsKey("--ops")) s.ops = split(given.get("--ops"));
      if (given.containsKey("--ks")) s.ks = split(given.get("--ks"));
      if (given.containsKey("--arities")) s.arities = split(given.get("--arities"));
      s.ksGiven = given.containsKey("--ks");
      s.aritiesGiven = given.containsKey("--arities");
      if (given.containsKey("--suites")) s.suites = split(given.get("--suites"));
      if (given.containsKey("--taus")) s.taus = split(given.get("--taus"));
      s.isa = given.get("--isa");
      for (String tau : s.taus) {
        boolean ok;
        try {
          float t = Float.parseFloat(tau);
          ok = t > 0 && Float.isFinite(t);
        } catch (NumberFormatException e) {
          ok = false;
        }
        if (!ok) throw new IllegalArgumentException("--taus: '" + tau + "' is not a positive number");
      }
      s.backends.forEach(BackendNames::parse);
      s.ops.forEach(Operation::of);
      positive("--ks", s.ks);
      positive("--arities", s.arities);
      for (String suite : s.suites) {
        if (!List.of("operations", "naive", "small", "device", "successors").contains(suite)) {
          throw new IllegalArgumentException("unknown suite '" + suite
              + "'; known: operations,naive,small,device,successors");
        }
      }
      return s;
    }

    Timing timing(Timing full) {
      return quick ? Timing.QUICK : full;
    }

    private static List<String> split(String list) {
      return Arrays.stream(list.split(",")).map(String::trim).filter(x -> !x.isEmpty())
          .distinct().toList();
    }

    private static void positive(String option, List<String> values) {
      for (String value : values) {
        boolean ok;
        try {
          ok = Integer.parseInt(value) > 0;
        } catch (NumberFormatException e) {
          ok = false;
        }
        if (!ok) throw new IllegalArgumentException(option + ": '" + value + "' is not a positive integer");
      }
    }
  }
}
