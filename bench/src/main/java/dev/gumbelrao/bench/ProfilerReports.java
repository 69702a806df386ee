package dev.gumbelrao.bench;

import dev.gumbelrao.backends.Calls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of the GPU bundle's profiler steps (cuda/bundle/run.sh), for {@link GpuSummary}:
 *
 * <ul>
 *   <li>Nsight Systems, from the CSV files of {@code nsys stats} ({@code nsys-jmh_*.csv}): time per
 *       operation (the library's NVTX ranges, host time), GPU time per kernel, and the gaps between
 *       the GPU activities of one call (copies, status reset, kernel) of the host-array path: the
 *       activities whose CUDA API calls were made inside one range of the calling thread.
 *   <li>Nsight Compute, from the raw page of the Gumbel-Rao team kernel's report
 *       ({@code ncu-gr-team.csv}): duration, issue-slot and XU (MUFU) pipe use, occupancy,
 *       registers, local memory: the limiters cuda/NOTES.md predicts.
 * </ul>
 * Columns are found by name (their order changes between tool versions); a missing file or column
 * leaves its figure out and says so.
 */
final class ProfilerReports {
  private ProfilerReports() {}

  /** One CSV table: header names and rows. */
  record Table(List<String> header, List<List<String>> rows) {
    int column(String... names) {
      for (String n : names) {
        for (int i = 0; i < header.size(); i++) {
          if (header.get(i).trim().equalsIgnoreCase(n)) return i;
        }
      }
      return -1;
    }
  }

  static Table readCsv(Path file) throws IOException {
    if (!Files.exists(file)) return null;
    List<List<String>> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) continue;
      lines.add(splitCsv(line));
    }
    // ncu and nsys may print notes before the table: the header is the first line with a comma.
    while (!lines.isEmpty() && lines.get(0).size() < 2) lines.remove(0);
    if (lines.isEmpty()) return null;
    return new Table(lines.get(0), lines.subList(1, lines.size()));
  }

  static List<String> splitCsv(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }

  private static double number(String s) {
    try {
      return Double.parseDouble(s.replace(",", "").trim());
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static double median(List<Double> v) {
    if (v.isEmpty()) return Double.NaN;
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  /** Nsight Systems figures into summary (key "nsys") and lines. */
  static void nsys(Path dir, Map<String, Object> summary, List<String> lines) throws IOException {
    Table ranges = readCsv(dir.resolve("nsys-jmh_nvtx_sum.csv"));
    Table kernels = readCsv(dir.resolve("nsys-jmh_cuda_gpu_kern_sum.csv"));
    if (ranges == null && kernels == null) return;
    Map<String, Object> out = new LinkedHashMap<>();
    lines.add("");
    lines.add("Nsight Systems (nsys-jmh.nsys-rep; a short JMH run, Gumbel-Rao K = 100):");
    if (ranges != null) {
      int name = ranges.column("Range", "Name");
      int count = ranges.column("Instances", "Num Calls", "Count");
      int med = ranges.column("Med (ns)", "Median (ns)");
      List<Map<String, Object>> rows = new ArrayList<>();
      for (List<String> r : ranges.rows()) {
        if (name < 0 || name >= r.size()) continue;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("range", r.get(name));
        m.put("instances", count >= 0 ? number(r.get(count)) : Double.NaN);
        m.put("median_us", med >= 0 ? number(r.get(med)) / 1e3 : Double.NaN);
        rows.add(m);
        lines.add(String.format(Locale.ROOT, "  %-64s %8.0f calls  median %10.2f us (host)",
            r.get(name), m.get("instances"), m.get("median_us")));
      }
      out.put("ranges", rows);
    }
    if (kernels != null) {
      int name = kernels.column("Name");
      int count = kernels.column("Instances", "Count");
      int med = kernels.column("Med (ns)", "Median (ns)");
      List<Map<String, Object>> rows = new ArrayList<>();
      for (List<String> r : kernels.rows()) {
        if (name < 0 || name >= r.size()) continue;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kernel", r.get(name));
        m.put("instances", count >= 0 ? number(r.get(count)) : Double.NaN);
        m.put("median_us", med >= 0 ? number(r.get(med)) / 1e3 : Double.NaN);
        rows.add(m);
        lines.add(String.format(Locale.ROOT, "  kernel %-57s %8.0f runs   median %10.2f us (GPU)",
            shortName(r.get(name)), m.get("instances"), m.get("median_us")));
      }
      out.put("kernels", rows);
    }
    gaps(dir, out, lines);
    summary.put("nsys", out);
  }

  private static String shortName(String kernel) {
    String s = kernel.replace("gr::cuda::", "").replace("void ", "");
    int paren = s.indexOf('(');
    return paren > 0 ? s.substring(0, paren) : s;
  }

  /**
   * The gaps between the GPU activities of one host-array call: for every outermost range whose
   * name ends in "(cuda host)", the CUDA API calls its thread made inside it, their GPU work by
   * correlation id, then idle time between consecutive activities (median over calls).
   */
  private static void gaps(Path dir, Map<String, Object> out, List<String> lines)
      throws IOException {
    Table push = readCsv(dir.resolve("nsys-jmh_nvtx_pushpop_trace.csv"));
    Table api = readCsv(dir.resolve("nsys-jmh_cuda_api_trace.csv"));
    Table gpu = readCsv(dir.resolve("nsys-jmh_cuda_gpu_trace.csv"));
    if (push == null || api == null || gpu == null) {
      lines.add("  (gaps inside calls: the trace reports are missing)");
      return;
    }
    int pStart = push.column("Start (ns)"), pEnd = push.column("End (ns)");
    int pName = push.column("Name"), pTid = push.column("TID", "Tid");
    int aStart = api.column("Start (ns)"), aCorr = api.column("CorrID", "CorrId");
    int aTid = api.column("Tid", "TID");
    int gStart = gpu.column("Start (ns)"), gDur = gpu.column("Duration (ns)");
    int gCorr = gpu.column("CorrId", "CorrID");
    if (pStart < 0 || pEnd < 0 || pName < 0 || aStart < 0 || aCorr < 0 || gStart < 0 || gDur < 0
        || gCorr < 0) {
      lines.add("  (gaps inside calls: unexpected columns in the trace reports)");
      return;
    }
    Map<Long, double[]> gpuByCorr = new HashMap<>();
    for (List<String> r : gpu.rows()) {
      double c = number(r.get(gCorr));
      if (!Double.isNaN(c)) {
        gpuByCorr.put((long) c, new double[] {number(r.get(gStart)), number(r.get(gDur))});
      }
    }
    // API calls by start time, so that each range finds its calls by binary search.
    List<List<String>> calls = new ArrayList<>(api.rows());
    calls.removeIf(a -> a.size() <= Math.max(aStart, aCorr));
    calls.sort((x, y) -> Double.compare(number(x.get(aStart)), number(y.get(aStart))));
    double[] callStart = new double[calls.size()];
    for (int i = 0; i < calls.size(); i++) callStart[i] = number(calls.get(i).get(aStart));
    Map<String, List<Double>> busy = new LinkedHashMap<>(), idle = new LinkedHashMap<>();
    Map<String, List<Double>> worst = new LinkedHashMap<>();
    for (List<String> p : push.rows()) {
      String name = p.get(pName);
      if (!name.endsWith("(cuda host)")) continue;
      double s = number(p.get(pStart)), e = number(p.get(pEnd));
      String tid = pTid >= 0 ? p.get(pTid) : null;
      List<double[]> acts = new ArrayList<>();
      int first = java.util.Arrays.binarySearch(callStart, s);
      if (first < 0) first = -first - 1;
      while (first > 0 && callStart[first - 1] >= s) first--;
      for (int i = first; i < calls.size() && callStart[i] <= e; i++) {
        List<String> a = calls.get(i);
        if (tid != null && aTid >= 0 && !a.get(aTid).equals(tid)) continue;
        double[] g = gpuByCorr.get((long) number(a.get(aCorr)));
        if (g != null) acts.add(g);
      }
      if (acts.size() < 2) continue;
      acts.sort((x, y) -> Double.compare(x[0], y[0]));
      double work = 0, gap = 0, max = 0;
      for (int i = 0; i < acts.size(); i++) {
        work += acts.get(i)[1];
        if (i > 0) {
          double g = acts.get(i)[0] - (acts.get(i - 1)[0] + acts.get(i - 1)[1]);
          gap += Math.max(0, g);
          max = Math.max(max, g);
        }
      }
      busy.computeIfAbsent(name, k -> new ArrayList<>()).add(work / 1e3);
      idle.computeIfAbsent(name, k -> new ArrayList<>()).add(gap / 1e3);
      worst.computeIfAbsent(name, k -> new ArrayList<>()).add(max / 1e3);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (String name : busy.keySet()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("range", name);
      m.put("calls", busy.get(name).size());
      m.put("gpu_busy_median_us", median(busy.get(name)));
      m.put("gaps_median_us", median(idle.get(name)));
      m.put("largest_gap_median_us", median(worst.get(name)));
      rows.add(m);
      lines.add(String.format(Locale.ROOT,
          "  inside %-56s GPU busy %8.2f us, gaps %8.2f us (largest %.2f us), median of %d calls",
          name, m.get("gpu_busy_median_us"), m.get("gaps_median_us"),
          m.get("largest_gap_median_us"), busy.get(name).size()));
    }
    if (rows.isEmpty()) lines.add("  (gaps inside calls: no host-array call with GPU work found)");
    out.put("gaps_inside_host_calls", rows);
  }

  /** The Nsight Compute metrics of the Gumbel-Rao team kernel that cuda/NOTES.md predicts. */
  private static final String[][] NCU_METRICS = {
    {"device__attribute_display_name", "card"},
    {"gpu__time_duration.sum", "duration"},
    {"sm__inst_issued.avg.pct_of_peak_sustained_active", "issue slots busy %"},
    {"sm__inst_executed_pipe_xu.avg.pct_of_peak_sustained_active", "XU (MUFU) pipe %"},
    {"sm__throughput.avg.pct_of_peak_sustained_elapsed", "SM throughput %"},
    {"sm__warps_active.avg.pct_of_peak_sustained_active", "achieved occupancy %"},
    {"launch__registers_per_thread", "registers per thread"},
    {"l1tex__t_sectors_pipe_lsu_mem_local_op_ld.sum", "local-memory load sectors"},
    {"dram__throughput.avg.pct_of_peak_sustained_elapsed", "DRAM throughput %"},
  };

  static void ncu(Path dir, Map<String, Object> summary, List<String> lines) throws IOException {
    Table t = readCsv(dir.resolve("ncu-gr-team.csv"));
    if (t == null || t.rows().isEmpty()) return;
    // Raw page: a header of metric names, a row of units, then one row per profiled kernel.
    List<String> units = t.rows().get(0);
    List<String> values = t.rows().get(t.rows().size() - 1);
    Map<String, Object> out = new LinkedHashMap<>();
    lines.add("");
    lines.add("Nsight Compute (ncu-gr-team.ncu-rep; gumbel_rao_team_kernel, 2^20 x 16, K = 100):");
    for (String[] m : NCU_METRICS) {
      int i = t.column(m[0]);
      if (i < 0 || i >= values.size()) {
        lines.add(String.format(Locale.ROOT, "  %-28s not in the report", m[1]));
        continue;
      }
      String unit = i < units.size() ? units.get(i) : "";
      out.put(m[0], values.get(i) + (unit.isBlank() || unit.equals(values.get(i)) ? "" : " " + unit));
      lines.add(String.format(Locale.ROOT, "  %-28s %s", m[1], out.get(m[0])));
    }
    summary.put("ncu_gumbel_rao_team", out);
  }
}
