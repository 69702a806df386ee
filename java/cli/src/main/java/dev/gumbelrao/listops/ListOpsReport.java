package dev.gumbelrao.listops;

import dev.gumbelrao.plot.CurvePlot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ListOps experiment's outputs in one folder: {@code listops-evaluations.csv} (every
 * evaluation of every cell, appended as cells finish, so that a rerun skips them),
 * {@code listops-table.md} (test accuracy at the best validation accuracy, next to the paper's
 * Table 1, and the time per step), {@code listops-validation.png} (validation accuracy against
 * iteration, a panel per maximum length and temperature).
 */
public final class ListOpsReport {
  private ListOpsReport() {}

  /** The CSV of every evaluation, in the output folder. */
  public static final String CSV = "listops-evaluations.csv";
  static final String HEADER = "estimator,max_length,tau,iteration,train_loss,valid_accuracy,"
      + "test_accuracy,ms_per_step,estimator_ms_per_step";

  /** The paper's Table 1 (best test accuracy, %, selected on validation), by cell key. */
  static final Map<String, Double> PAPER = paper();

  private static Map<String, Double> paper() {
    Map<String, Double> p = new LinkedHashMap<>();
    String[] names = {"ST-GS", "GR-MC10", "GR-MC100", "GR-MC1000"};
    double[][] v = {
      {38.8, 59.3, 65.8, 41.2, 57.1, 60.2, 46.8, 56.8, 59.6},
      {66.4, 66.9, 66.7, 60.7, 60.8, 60.9, 58.7, 59.1, 59.6},
      {65.6, 66.3, 65.9, 60.0, 61.3, 61.2, 59.6, 59.1, 59.6},
      {66.5, 67.1, 67.0, 60.2, 60.9, 61.2, 60.0, 59.8, 59.9}};
    int[] lengths = {10, 25, 50};
    float[] taus = {0.01f, 0.1f, 1f};
    for (int e = 0; e < names.length; e++) {
      for (int l = 0; l < 3; l++) {
        for (int t = 0; t < 3; t++) p.put(key(names[e], lengths[l], taus[t]), v[e][l * 3 + t]);
      }
    }
    return p;
  }

  /** The key of a cell: estimator, maximum length, temperature. */
  public static String key(String estimator, int maxLength, float tau) {
    return estimator + "|" + maxLength + "|" + tau(tau);
  }

  static String tau(float tau) {
    return String.format(Locale.ROOT, "%s", Float.toString(tau));
  }

  /** The cells the CSV in {@code dir} already holds (finished in an earlier run). */
  public static List<ListOpsTraining.Result> read(Path dir) throws IOException {
    Path csv = dir.resolve(CSV);
    Map<String, List<String[]>> rows = new LinkedHashMap<>();
    if (Files.exists(csv)) {
      for (String line : Files.readAllLines(csv)) {
        if (line.isBlank() || line.startsWith("estimator,")) continue;
        String[] f = line.split(",");
        rows.computeIfAbsent(key(f[0], Integer.parseInt(f[1]), Float.parseFloat(f[2])),
            k -> new ArrayList<>()).add(f);
      }
    }
    List<ListOpsTraining.Result> out = new ArrayList<>();
    for (List<String[]> r : rows.values()) {
      List<ListOpsTraining.Point> curve = new ArrayList<>();
      for (String[] f : r) {
        curve.add(new ListOpsTraining.Point(Integer.parseInt(f[3]), Double.parseDouble(f[4]),
            Double.parseDouble(f[5]), Double.parseDouble(f[6])));
      }
      ListOpsTraining.Point best = curve.get(0);
      for (ListOpsTraining.Point p : curve) {
        if (p.validAccuracy() > best.validAccuracy()) best = p;
      }
      String[] f = r.get(0);
      out.add(new ListOpsTraining.Result(f[0], Integer.parseInt(f[1]), Float.parseFloat(f[2]),
          curve, best, Double.parseDouble(f[7]), Double.parseDouble(f[8])));
    }
    return out;
  }

  /** Appends a finished cell's evaluations to the CSV (writing the header first if new). */
  public static void append(Path dir, ListOpsTraining.Result r) throws IOException {
    Path csv = dir.resolve(CSV);
    StringBuilder sb = new StringBuilder();
    if (!Files.exists(csv)) sb.append(HEADER).append('\n');
    for (ListOpsTraining.Point p : r.curve()) {
      sb.append(String.format(Locale.ROOT, "%s,%d,%s,%d,%.5f,%.3f,%.3f,%.3f,%.3f%n",
          r.estimator(), r.maxLength(), tau(r.tau()), p.iteration(), p.trainLoss(),
          p.validAccuracy(), p.testAccuracy(), r.msPerStep(), r.estimatorMsPerStep()));
    }
    Files.writeString(csv, sb, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** Writes the table and the figure of every cell in {@code results}. */
  public static void write(Path dir, List<ListOpsTraining.Result> results, String settings,
      String machine, String dataNote) throws IOException {
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(
        dir.resolve("listops-table.md")))) {
      out.println("# ListOps with the Gumbel Tree-LSTM: the paper's Table 1, measured here");
      out.println();
      out.println("Machine: " + machine);
      out.println();
      out.println("- Settings: " + settings);
      out.println("- Data: " + dataNote);
      out.println();
      out.println("## Test accuracy (%) at the best validation accuracy: ours (paper)");
      out.println();
      out.println("| estimator | max length | tau | ours | paper | best valid | at iteration "
          + "| ms / step | estimator ms / step |");
      out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (ListOpsTraining.Result r : results) {
        Double paper = PAPER.get(key(r.estimator(), r.maxLength(), r.tau()));
        out.printf(Locale.ROOT, "| %s | %d | %s | %.1f | %s | %.1f | %d | %.1f | %.2f |%n",
            r.estimator(), r.maxLength(), tau(r.tau()), r.selected().testAccuracy(),
            paper == null ? "-" : String.format(Locale.ROOT, "%.1f", paper),
            r.selected().validAccuracy(), r.selected().iteration(), r.msPerStep(),
            r.estimatorMsPerStep());
      }
    }
    Map<String, List<CurvePlot.Series>> panels = new LinkedHashMap<>();
    for (ListOpsTraining.Result r : results) {
      double[] x = new double[r.curve().size()], y = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = r.curve().get(i).iteration();
        y[i] = r.curve().get(i).validAccuracy();
      }
      panels.computeIfAbsent("L <= " + r.maxLength() + ", tau = " + tau(r.tau()),
          k -> new ArrayList<>()).add(new CurvePlot.Series(r.estimator(), x, y));
    }
    List<CurvePlot.Panel> list = new ArrayList<>();
    panels.forEach((t, s) -> list.add(new CurvePlot.Panel(t, s)));
    if (!list.isEmpty()) {
      CurvePlot.write(list, "ListOps: validation accuracy (greedy parses)", machine,
          dir.resolve("listops-validation.png"),
          new CurvePlot.YAxis("valid accuracy (%)", Double.POSITIVE_INFINITY));
    }
  }
}
