package dev.gumbelrao.bench;


import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last step of the GPU bundle's runner (cuda/bundle/run.sh): reads what each step left in
 * the results folder (steps.tsv, the JUnit log, the harness's check.json, graph.json,
 * limits.json and bench.json, nvtx.log, JMH's jmh.json, the PyTorch anchor's torch.json, the
 * Nsight Systems and Nsight Compute exports: {@link ProfilerReports}), writes summary.json and
 * prints a short table: the steps, the test counts, the graph and limits cases, then the CUDA
 * speed cases against their targets and against PyTorch eager and torch.compile measured in the
 * same run on the same card, the profilers' figures, and the list of files.
 *
 * <pre>java -cp benchmarks.jar dev.gumbelrao.bench.GpuSummary RESULTS_DIR</pre>
 */
public final class GpuSummary {
  private GpuSummary() {}

  /** A speed case of the issue: shape, and its target as text. */
  private record Target(String op, int rows, int arity, int k, String goal) {}

  private static final List<Target> TARGETS = List.of(
      new Target("gr", 1 << 20, 16, 100, ">= 700 G el-samples/s"),
      new Target("gr", 65536, 16, 100, ">= 6x torch.compile, >= 30x eager"),
      new Target("gr", 4096, 8, 100, "<= 12 us per call"),
      new Target("gr", 4096, 1024, 10, ">= 8x torch.compile"),
      new Target("sample", 1 << 22, 16, 1, ">= 70% of D2D copy bandwidth"));

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: java -cp benchmarks.jar dev.gumbelrao.bench.GpuSummary DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    Map<String, Object> summary = new LinkedHashMap<>();
    List<String> lines = new ArrayList<>();

    JsonObject bench = readObject(dir.resolve("bench.json"));
    JsonObject check = readObject(dir.resolve("check.json"));
    JsonObject source = bench != null ? bench : check;
    String device = source != null ? source.get("device").getAsString() : "unknown device";
    summary.put("device", device);
    lines.add("GPU run: " + device);

    List<Map<String, Object>> steps = new ArrayList<>();
    Path tsv = dir.resolve("steps.tsv");
    if (Files.exists(tsv)) {
      for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
        String[] f = line.split("\t");
        if (f.length < 3) continue;
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("step", f[0]);
        s.put("state", f[1]);
        s.put("seconds", Integer.parseInt(f[2]));
        steps.add(s);
      }
    }
    summary.put("steps", steps);
    Map<String, Integer> junit = junit(dir.resolve("tests.log"));
    if (!junit.isEmpty()) summary.put("tests", junit);
    if (check != null) summary.put("harness_check_failures", check.get("failures").getAsInt());
    StringBuilder stepLine = new StringBuilder("steps:");
    for (Map<String, Object> s : steps) {
      stepLine.append(' ').append(s.get("step")).append('=').append(s.get("state")).append(" (")
          .append(s.get("seconds")).append("s)");
    }
    lines.add(stepLine.toString());
    if (!junit.isEmpty()) lines.add("tests: " + junit);
    if (check != null) {
      lines.add("harness check: " + check.get("failures").getAsInt() + " failures over "
          + check.getAsJsonArray("results").size() + " cases");
    }

    for (String mode : new String[] {"graph", "limits"}) {
      JsonObject o = readObject(dir.resolve(mode + ".json"));
      if (o == null) continue;
      summary.put("harness_" + mode + "_failures", o.get("failures").getAsInt());
      StringBuilder notes = new StringBuilder();
      for (JsonElement e : o.getAsJsonArray("results")) {
        JsonObject r = e.getAsJsonObject();
        notes.append("\n  ").append(r.get("ok").getAsBoolean() ? "ok   " : "FAIL ")
            .append(r.get("name").getAsString()).append("  ").append(r.get("note").getAsString());
      }
      lines.add("harness --" + mode + ": " + o.get("failures").getAsInt() + " failures over "
          + o.getAsJsonArray("results").size() + " cases" + notes);
    }
    Path nvtxLog = dir.resolve("nvtx.log");
    if (Files.exists(nvtxLog)) {
      List<String> nvtx = new ArrayList<>();
      for (String line : Files.readAllLines(nvtxLog, StandardCharsets.UTF_8)) {
        if (line.startsWith("nvtx_overhead") || line.contains("ranges recorded")) nvtx.add(line.trim());
      }
      summary.put("nvtx", nvtx);
      nvtx.forEach(l -> lines.add("nvtx: " + l));
    }

    double copy = bench != null && bench.has("copy_bytes_per_s")
        ? bench.get("copy_bytes_per_s").getAsDouble() : Double.NaN;
    JsonArray torch = readArray(dir.resolve("torch.json"));
    Map<String, Double> jmh = jmhDevice(dir.resolve("jmh.json"));
    List<Map<String, Object>> speed = new ArrayList<>();
    lines.add("");
    lines.add(String.format(Locale.ROOT, "%-24s %11s %11s %11s %10s %10s %9s  %s", "case (tau 0.5)",
        "harness ms", "G el-s/s", "Java ms", "eager ms", "compile ms", "copy %", "target"));
    for (Target t : TARGETS) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("case", t.op + " " + t.rows + "x" + t.arity + (t.k > 1 ? " K=" + t.k : ""));
      row.put("target", t.goal);
      JsonObject h = harnessCase(bench, t);
      double ms = h == null ? Double.NaN : h.get("median_ms").getAsDouble();
      double b2b = h == null ? Double.NaN : h.get("b2b_ms").getAsDouble();
      double rate = h == null ? Double.NaN : h.get("element_samples_per_s").getAsDouble();
      double fraction = h == null ? Double.NaN : h.get("copy_fraction").getAsDouble();
      Double javaCalls = jmh.get((t.op.equals("gr") ? "gumbel-rao" : t.op) + ":" + t.rows + "x"
          + t.arity + ":" + t.k);
      double javaMs = javaCalls == null ? Double.NaN : 1e3 / javaCalls;
      double eager = Double.NaN, compiled = Double.NaN;
      if (torch != null && t.op.equals("gr")) {
        for (JsonElement e : torch) {
          JsonObject o = e.getAsJsonObject();
          if (o.get("R").getAsInt() == t.rows && o.get("N").getAsInt() == t.arity
              && o.get("K").getAsInt() == t.k) {
            eager = o.get("eager_ms").getAsDouble();
            compiled = o.get("compiled_ms").isJsonNull() ? Double.NaN
                : o.get("compiled_ms").getAsDouble();
          }
        }
      }
      row.put("harness_median_ms", ms);
      row.put("harness_back_to_back_ms", b2b);
      row.put("element_samples_per_s", rate);
      row.put("java_device_ms", javaMs);
      row.put("torch_eager_ms", eager);
      row.put("torch_compiled_ms", compiled);
      row.put("copy_fraction", fraction);
      row.put("speedup_vs_compiled", compiled / ms);
      row.put("speedup_vs_eager", eager / ms);
      speed.add(row);
      lines.add(String.format(Locale.ROOT, "%-24s %11s %11s %11s %10s %10s %9s  %s",
          row.get("case"), num(ms), num(rate / 1e9), num(javaMs), num(eager), num(compiled),
          t.op.equals("sample") ? num(100 * fraction) : "", t.goal
              + (Double.isNaN(compiled / ms) ? "" : String.format(Locale.ROOT,
                  " [%.1fx compile, %.1fx eager]", compiled / ms, eager / ms))));
    }
    summary.put("copy_bytes_per_s", copy);
    summary.put("speed", speed);
    lines.add(String.format(Locale.ROOT, "D2D copy: %s GB/s (bytes read + written)",
        num(copy / 1e9)));

    ProfilerReports.nsys(dir, summary, lines);
    ProfilerReports.ncu(dir, summary, lines);

    // Every file the steps left, so that whoever reads the summary knows what to open.
    List<Map<String, Object>> files = new ArrayList<>();
    try (var listing = Files.list(dir)) {
      for (Path p : listing.sorted().toList()) {
        if (!Files.isRegularFile(p) || p.getFileName().toString().equals("summary.json")) continue;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("file", p.getFileName().toString());
        f.put("bytes", Files.size(p));
        files.add(f);
      }
    }
    summary.put("files", files);
    lines.add("");
    StringBuilder fileLine = new StringBuilder("files:");
    for (Map<String, Object> f : files) fileLine.append(' ').append(f.get("file"));
    lines.add(fileLine.toString());

    Files.writeString(dir.resolve("summary.json"),
        new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
            .toJson(summary), StandardCharsets.UTF_8);
    System.out.println();
    lines.forEach(System.out::println);
    System.out.println("(summary.json in " + dir + ")");
  }

  private static String num(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) return "-";
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, "%.3g", v);
  }

  private static JsonObject harnessCase(JsonObject bench, Target t) {
    if (bench == null) return null;
    for (JsonElement e : bench.getAsJsonArray("results")) {
      JsonObject o = e.getAsJsonObject();
      if (o.get("op").getAsString().equals(t.op) && o.get("rows").getAsLong() == t.rows
          && o.get("arity").getAsInt() == t.arity
          && (t.op.equals("sample") || o.get("samples").getAsInt() == t.k)
          && (t.op.equals("sample") || Math.abs(o.get("tau").getAsDouble() - 0.5) < 1e-9)
          && !o.get("name").getAsString().contains("onehot")) {
        return o;
      }
    }
    return null;
  }

  /** DeviceBenchmark: shape to calls per second. */
  private static Map<String, Double> jmhDevice(Path file) throws IOException {
    Map<String, Double> calls = new LinkedHashMap<>();
    JsonArray runs = readArray(file);
    if (runs == null) return calls;
    for (JsonElement e : runs) {
      JsonObject run = e.getAsJsonObject();
      if (!run.get("benchmark").getAsString().contains("DeviceBenchmark")) continue;
      calls.put(run.getAsJsonObject("params").get("shape").getAsString(),
          run.getAsJsonObject("primaryMetric").get("score").getAsDouble());
    }
    return calls;
  }

  /** The JUnit console launcher's closing counts, e.g. "[       120 tests successful      ]". */
  private static final Pattern COUNT = Pattern.compile(
      "\\[\\s*(\\d+) tests (found|successful|failed|skipped|aborted)\\s*\\]");

  /** Totals of the JUnit run, from its log. */
  private static Map<String, Integer> junit(Path log) throws IOException {
    Map<String, Integer> totals = new LinkedHashMap<>();
    if (!Files.exists(log)) return totals;
    Matcher m = COUNT.matcher(Files.readString(log, StandardCharsets.UTF_8));
    while (m.find()) totals.put(m.group(2), Integer.parseInt(m.group(1)));
    return totals;
  }

  private static JsonObject readObject(Path p) throws IOException {
    if (!Files.exists(p)) return null;
    try {
      return JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static JsonArray readArray(Path p) throws IOException {
    if (!Files.exists(p)) return null;
    try {
      return JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8)).getAsJsonArray();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
