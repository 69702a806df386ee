package dev.gumbelrao.vae;

import dev.gumbelrao.plot.CurvePlot;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The experiment's outputs under --out, each naming the machine: vae-table.md (test bounds next
 * to the paper's, the selected hyperparameters, the time per iteration split into network and
 * estimator), vae-evaluations.csv (every evaluation of every run), vae-runs.csv (every run of
 * every search), vae-validation.png (validation bound against iteration, per estimator). They
 * are rewritten after every estimator and setting, so an interrupted run leaves what it has.
 */
public final class Report {
  private Report() {}

  /** Writes all four files; {@code settings} are the Markdown lines that describe the run. */
  public static void write(Path dir, List<CellResult> cells, String machine,
      List<String> settings) throws IOException {
    Files.createDirectories(dir);
    writeMarkdown(dir.resolve("vae-table.md"), cells, machine, settings);
    writeEvaluations(dir.resolve("vae-evaluations.csv"), cells, machine);
    writeRuns(dir.resolve("vae-runs.csv"), cells, machine);
    if (!cells.isEmpty()) writePlot(dir.resolve("vae-validation.png"), cells, machine);
  }

  /** The settings (arity, batch) present, in order. */
  private static List<int[]> settings(List<CellResult> cells) {
    List<int[]> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (CellResult c : cells) {
      if (seen.add(c.arity() + "/" + c.batch())) out.add(new int[] {c.arity(), c.batch()});
    }
    out.sort((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
    return out;
  }

  private static List<String> estimators(List<CellResult> cells) {
    Set<String> s = new LinkedHashSet<>();
    for (VaeEstimators.Entry e : VaeEstimators.all()) {
      for (CellResult c : cells) if (c.estimator().equals(e.name())) s.add(e.name());
    }
    for (CellResult c : cells) s.add(c.estimator());
    return new ArrayList<>(s);
  }

  private static CellResult find(List<CellResult> cells, String est, int arity, int batch) {
    for (CellResult c : cells) {
      if (c.estimator().equals(est) && c.arity() == arity && c.batch() == batch) return c;
    }
    return null;
  }

  /** The test-bound table (ours, paper's in parentheses), for printing. */
  public static String tableFor(List<CellResult> cells) {
    return table(cells);
  }

  static String table(List<CellResult> cells) {
    List<int[]> set = settings(cells);
    StringBuilder sb = new StringBuilder("| estimator |");
    for (int[] s : set) sb.append(" ").append(s[0]).append("-ary B=").append(s[1]).append(" |");
    sb.append("\n|---|");
    for (int i = 0; i < set.size(); i++) sb.append("---|");
    sb.append('\n');
    for (String e : estimators(cells)) {
      sb.append("| ").append(e).append(" |");
      for (int[] s : set) {
        CellResult c = find(cells, e, s[0], s[1]);
        double paper = PaperTable2.nll(e, s[0], s[1]);
        String ours = c == null ? "" : c.test() != null ? f1(c.test().nll())
            : c.selected() < 0 || c.chosen().divergence() != null ? "diverged" : "-";
        sb.append(' ').append(ours).append(Double.isNaN(paper) ? "" : " (" + f1(paper) + ")")
            .append(" |");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static void writeMarkdown(Path file, List<CellResult> cells, String machine,
      List<String> settings) throws IOException {
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
      out.println("# Discrete VAE on binarized MNIST: the paper's Table 2, measured here");
      out.println();
      out.println("Machine: " + machine);
      out.println();
      for (String s : settings) out.println(s);
      out.println();
      out.println("## Test NLL bound, nats (lower is better): ours (paper)");
      out.println();
      out.println("Ours: the run selected on the validation bound, its test bound with the M "
          + "above; in parentheses the paper's Table 2 (M = 5000, 50,000 iterations, 20 "
          + "random-search runs, the Salakhutdinov & Murray binarization).");
      out.println();
      out.print(table(cells));
      out.println();
      out.println("## Selected runs");
      out.println();
      out.println("| estimator | setting | iterations | tau | learning rate | valid at selection "
          + "| valid at end | test | candidates (diverged) |");
      out.println("|---|---|---|---|---|---|---|---|---|");
      for (CellResult c : sorted(cells)) {
        CellResult.Candidate k = c.chosen();
        int diverged = 0;
        for (CellResult.Candidate d : c.candidates()) if (d.divergence() != null) diverged++;
        String setting = c.arity() + "-ary B=" + c.batch();
        if (k == null) {
          out.printf(Locale.ROOT, "| %s | %s | %d | | | | | diverged | %d (%d) |%n",
              c.estimator(), setting, c.iterations(), c.candidates().size(), diverged);
          continue;
        }
        boolean tempered = VaeEstimators.get(c.estimator()).tempered();
        out.printf(Locale.ROOT, "| %s | %s | %d | %s | %.3g | %s | %s | %s | %d (%d) |%n",
            c.estimator(), setting, k.steps(), tempered ? String.format(Locale.ROOT, "%.3f",
            k.tau()) : "-", k.learningRate(), f2(k.selection()), f2(lastValid(k)),
            c.test() != null ? f2(c.test().nll()) : k.divergence() != null ? "diverged" : "-",
            c.candidates().size(), diverged);
      }
      out.println();
      out.println("## Time per training iteration (selected runs; evaluations excluded)");
      out.println();
      out.println("Network: DJL/PyTorch encoder and decoder, forward and backward, the KL, the "
          + "optimiser and the batch's copy; estimator: the library's forward and backward "
          + "passes through its DJL block (SamplerBlock's forward pass, the SamplingCollector's "
          + "estimator phase).");
      out.println();
      out.print(timingTable(cells));
    }
  }

  static String timingTable(List<CellResult> cells) {
    StringBuilder sb = new StringBuilder("| estimator | setting | ms / iteration | network ms "
        + "| estimator ms | estimator share | iterations / s | vs ST-GS |\n"
        + "|---|---|---|---|---|---|---|---|\n");
    for (CellResult c : sorted(cells)) {
      CellResult.Candidate k = c.chosen();
      if (k == null && !c.candidates().isEmpty()) k = c.candidates().get(0);
      if (k == null || !(k.msPerStep() > 0)) continue;
      CellResult st = find(cells, "ST-GS", c.arity(), c.batch());
      CellResult.Candidate sk = st == null ? null : st.chosen();
      String vs = sk == null || !(sk.msPerStep() > 0) ? "" : String.format(Locale.ROOT, "%.2fx",
          sk.msPerStep() / k.msPerStep());
      sb.append(String.format(Locale.ROOT, "| %s | %d-ary B=%d | %.2f | %.2f | %.2f | %.0f%% | "
          + "%.1f | %s |%n", c.estimator(), c.arity(), c.batch(), k.msPerStep(),
          k.msPerStep() - k.estimatorMsPerStep(), k.estimatorMsPerStep(),
          100 * k.estimatorMsPerStep() / k.msPerStep(), 1000 / k.msPerStep(), vs));
    }
    return sb.toString();
  }

  private static List<CellResult> sorted(List<CellResult> cells) {
    List<String> order = estimators(cells);
    List<CellResult> s = new ArrayList<>(cells);
    s.sort((a, b) -> a.arity() != b.arity() ? Integer.compare(a.arity(), b.arity())
        : a.batch() != b.batch() ? Integer.compare(a.batch(), b.batch())
        : Integer.compare(order.indexOf(a.estimator()), order.indexOf(b.estimator())));
    return s;
  }

  private static double lastValid(CellResult.Candidate k) {
    double v = Double.NaN;
    for (Evaluation e : k.evaluations()) if (e.split().equals("valid")) v = e.nll();
    return v;
  }

  private static void writeEvaluations(Path file, List<CellResult> cells, String machine)
      throws IOException {
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
      out.println("estimator,arity,batch,candidate,selected,tau,learning_rate,step,split,images,"
          + "samples,nll_bound,seconds,machine");
      for (CellResult c : sorted(cells)) {
        for (CellResult.Candidate k : c.candidates()) {
          for (Evaluation e : k.evaluations()) {
            out.printf(Locale.ROOT, "%s,%d,%d,%d,%s,%s,%s,%d,%s,%d,%d,%.4f,%.3f,%s%n",
                c.estimator(), c.arity(), c.batch(), k.index(), k.index() == c.selected(),
                k.tau(), k.learningRate(), e.step(), e.split(), e.images(), e.samples(), e.nll(),
                e.seconds(), csv(machine));
          }
        }
      }
    }
  }

  private static void writeRuns(Path file, List<CellResult> cells, String machine)
      throws IOException {
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
      out.println("estimator,arity,batch,candidate,selected,tau,learning_rate,steps,"
          + "valid_at_selection,valid_at_end,test,ms_per_step,estimator_ms_per_step,divergence,"
          + "machine");
      for (CellResult c : sorted(cells)) {
        for (CellResult.Candidate k : c.candidates()) {
          boolean sel = k.index() == c.selected();
          out.printf(Locale.ROOT, "%s,%d,%d,%d,%s,%s,%s,%d,%.4f,%.4f,%s,%.4f,%.4f,%s,%s%n",
              c.estimator(), c.arity(), c.batch(), k.index(), sel, k.tau(), k.learningRate(),
              k.steps(), k.selection(), lastValid(k),
              sel && c.test() != null ? String.format(Locale.ROOT, "%.4f", c.test().nll()) : "",
              k.msPerStep(), k.estimatorMsPerStep(),
              k.divergence() == null ? "" : csv(k.divergence()), csv(machine));
        }
      }
    }
  }

  private static void writePlot(Path png, List<CellResult> cells, String machine)
      throws IOException {
    List<CurvePlot.Panel> panels = new ArrayList<>();
    for (int[] s : settings(cells)) {
      List<CurvePlot.Series> series = new ArrayList<>();
      for (String e : estimators(cells)) {
        CellResult c = find(cells, e, s[0], s[1]);
        if (c == null || c.chosen() == null) continue;
        List<Evaluation> v = new ArrayList<>();
        for (Evaluation ev : c.chosen().evaluations()) if (ev.split().equals("valid")) v.add(ev);
        double[] x = new double[v.size()], y = new double[v.size()];
        for (int i = 0; i < v.size(); i++) {
          x[i] = v.get(i).step();
          y[i] = v.get(i).nll();
        }
        series.add(new CurvePlot.Series(e, x, y));
      }
      panels.add(new CurvePlot.Panel(s[0] + "-ary, B = " + s[1], series));
    }
    CurvePlot.write(panels, "Validation NLL bound against iteration (selected runs)", machine,
        png);
  }

  private static String csv(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }

  private static String f1(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "-";
  }

  private static String f2(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "-";
  }
}
