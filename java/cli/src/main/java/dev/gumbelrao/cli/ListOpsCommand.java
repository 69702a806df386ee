package dev.gumbelrao.cli;

import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.listops.ListOpsData;
import dev.gumbelrao.listops.ListOpsReport;
import dev.gumbelrao.listops.ListOpsTraining;
import dev.gumbelrao.vae.DjlSetup;
import dev.gumbelrao.vae.Machine;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code listops}: the paper's unsupervised parsing experiment (Table 1): the Gumbel Tree-LSTM
 * on generated ListOps data, one cell per (maximum length, temperature, estimator), each trained
 * by DJL's Trainer through the library's SamplerBlock, its test accuracy reported at its best
 * validation accuracy next to the paper's. Cells finished in an earlier run (in the output
 * folder's CSV) are skipped: rerun the same command to resume after an interruption.
 */
final class ListOpsCommand {
  private ListOpsCommand() {}

  static final Set<String> VALUED = Set.of("out", "estimators", "max-lengths", "taus",
      "iterations", "batch", "hidden", "classifier-hidden", "lr", "clip", "train", "valid",
      "test", "eval-every", "seed", "plan-steps", "budget-minutes", "optimizer");
  static final Set<String> FLAGS = Set.of("quick", "smoke", "quiet", "help", "plan", "report");

  static final String HELP = String.join("\n",
      "usage: java -jar gumbel-rao.jar listops [options]",
      "",
      "The Gumbel Tree-LSTM on generated ListOps (the paper's Table 1): one cell per maximum",
      "length, temperature and estimator; test accuracy at the best validation accuracy.",
      "Outputs in --out: listops-evaluations.csv (every evaluation; cells found there are",
      "skipped, so the same command resumes), listops-table.md, listops-validation.png.",
      "",
      "  --estimators ST-GS,GR-MC10,GR-MC100,GR-MC1000   any pathwise estimator of the registry",
      "  --max-lengths 10,25      the splits' maximum sequence lengths (tokens without brackets)",
      "  --taus 0.01,0.1,1        temperatures",
      "  --iterations 3000        training steps per cell; --batch B (default: the maximum",
      "                           length, as the paper's batch size)",
      "  --hidden 64 --classifier-hidden 64 --lr 1e-3 --clip 5 (per element)",
      "  --optimizer adam         adam, or sgd (with momentum 0.9; give it its own --lr)",
      "  --train 20000 --valid 1000 --test 2000   examples per split (generated, seed --seed)",
      "  --eval-every 250         iterations between evaluations",
      "  --seed 1 --out listops-results --quiet",
      "  --quick                  L <= 10, tau 0.01 and 1, ST-GS and GR-MC100, 1500 iterations,",
      "                           2000 training examples: the estimators' ordering in < 10 min",
      "  --smoke                  a CI check: L <= 6, 60 iterations, tiny splits, < 2 min",
      "  --report                 writes the table and the figure of the cells in --out's CSV",
      "                           (a run under way, or interrupted) without training",
      "  --plan                   times --plan-steps (20) steps per cell and prints the plan",
      "                           (the wall time of the whole grid) without training; with",
      "                           --budget-minutes M, the iterations per cell that fit in M",
      "");

  private static String settings(String optimizer, int hidden, int clfHidden, float lr,
      float clip, int iterations, int evalEvery, long seed) {
    return String.format(Locale.ROOT, "Gumbel Tree-LSTM (linear leaf, hidden %d, classifier "
        + "hidden %d), %s %s with per-element clipping at %s, batch = the maximum length "
        + "unless --batch, %d iterations per cell, evaluation every %d (greedy parses), seed %d",
        hidden, clfHidden, optimizer.equals("sgd") ? "SGD with momentum 0.9 at" : "Adam",
        Float.toString(lr), Float.toString(clip), iterations, evalEvery, seed);
  }

  static int run(Options o, PrintStream out, PrintStream err) throws IOException {
    if (o.has("help")) {
      out.print(HELP);
      return 0;
    }
    boolean quick = o.has("quick"), smoke = o.has("smoke");
    List<String> names = List.of(o.string("estimators",
        quick || smoke ? "ST-GS,GR-MC100" : "ST-GS,GR-MC10,GR-MC100,GR-MC1000").split(","));
    int[] lengths = o.has("max-lengths") ? o.ints("max-lengths")
        : smoke ? new int[] {6} : quick ? new int[] {10} : new int[] {10, 25};
    float[] taus = o.has("taus") ? o.floats("taus")
        : smoke ? new float[] {1f} : quick ? new float[] {0.01f, 1f} : new float[] {0.01f, 0.1f, 1f};
    int iterations = o.integer("iterations", smoke ? 60 : quick ? 1500 : 3000, 1, 100_000_000);
    int hidden = o.integer("hidden", smoke ? 16 : 64, 1, 4096);
    int clfHidden = o.integer("classifier-hidden", hidden, 1, 4096);
    float lr = o.floatValue("lr", 1e-3f);
    float clip = o.floatValue("clip", 5f);
    String optimizer = o.string("optimizer", "adam");
    if (!optimizer.equals("adam") && !optimizer.equals("sgd")) {
      throw new Options.UsageException("--optimizer takes adam or sgd, got " + optimizer);
    }
    boolean sgd = optimizer.equals("sgd");
    int train = o.integer("train", smoke ? 200 : quick ? 2000 : 20_000, 1, 10_000_000);
    int valid = o.integer("valid", smoke ? 100 : quick ? 500 : 1000, 1, 1_000_000);
    int test = o.integer("test", smoke ? 100 : quick ? 1000 : 2000, 1, 1_000_000);
    int evalEvery = o.integer("eval-every", smoke ? 30 : quick ? 150 : 250, 1, 100_000_000);
    long seed = o.longValue("seed", 1);
    Path dir = Path.of(o.string("out", "listops-results"));
    List<Estimator> estimators = new ArrayList<>();
    for (String name : names) {
      for (float tau : taus) {
        Estimator e = Estimators.parse(name.trim(), tau);
        if (!(e instanceof PathwiseEstimator)) {
          throw new Options.UsageException("--estimators: " + e.name() + " is a "
              + "score-function estimator; the Tree-LSTM's merges take pathwise ones");
        }
        estimators.add(e);
      }
    }
    String threads = DjlSetup.configure(err);
    String machine = Machine.describe(threads + ", gumbel-rao CPU backend");
    Files.createDirectories(dir);
    List<ListOpsTraining.Result> results = new ArrayList<>(ListOpsReport.read(dir));
    Set<String> done = new HashSet<>();
    for (ListOpsTraining.Result r : results) {
      done.add(ListOpsReport.key(r.estimator(), r.maxLength(), r.tau()));
    }
    if (o.has("report")) {
      if (results.isEmpty()) {
        throw new Options.UsageException("--report: no cells in " + dir.resolve(
            ListOpsReport.CSV));
      }
      ListOpsReport.write(dir, results, settings(optimizer, hidden, clfHidden, lr, clip,
          iterations, evalEvery, seed), machine, dataNote(results, train, valid, test, seed));
      out.println("listops: " + results.size() + " cells; " + dir.resolve("listops-table.md"));
      return 0;
    }
    ProgressBar bar = new ProgressBar(err);
    double planMsPerIteration = 0;      // the sum over the cells of their time per step
    for (int length : lengths) {
      ListOpsData.Splits data = ListOpsData.generate(seed, length, train, valid, test);
      int batch = o.integer("batch", length, 1, 1_000_000);
      int steps = o.has("plan") ? o.integer("plan-steps", 20, 1, 100_000) : iterations;
      ListOpsTraining.Settings s = new ListOpsTraining.Settings(hidden, clfHidden, batch,
          steps, Math.min(evalEvery, steps), lr, clip, seed, sgd);
      for (String name : names) {
        for (float tau : taus) {
          Estimator e = Estimators.parse(name.trim(), tau);
          String key = ListOpsReport.key(e.name(), length, tau);
          if (!o.has("plan") && done.contains(key)) continue;
          String what = String.format(Locale.ROOT, "L<=%d tau=%s %s", length,
              Float.toString(tau), e.name());
          long c0 = System.nanoTime();
          ListOpsTraining.Result r = ListOpsTraining.train(e, tau, length, data, s,
              it -> { if (!o.has("quiet")) bar.update(it, s.iterations(), what); });
          double seconds = (System.nanoTime() - c0) / 1e9;
          if (o.has("plan")) {
            out.printf(Locale.ROOT, "%s: %.1f ms / step (estimator %.2f): %d iterations take "
                + "%.1f min%n", what, r.msPerStep(), r.estimatorMsPerStep(), iterations,
                r.msPerStep() * iterations / 60_000);
            planMsPerIteration += r.msPerStep();
            continue;
          }
          ListOpsReport.append(dir, r);
          results.add(r);
          out.printf(Locale.ROOT, "%s: test %.1f%% at the best valid %.1f%% (iteration %d), "
              + "%.1f ms / step (estimator %.2f), %.1f min%n", what,
              r.selected().testAccuracy(), r.selected().validAccuracy(),
              r.selected().iteration(), r.msPerStep(), r.estimatorMsPerStep(), seconds / 60);
        }
      }
    }
    if (o.has("plan")) {
      out.printf(Locale.ROOT, "the grid: %.1f min at %d iterations per cell (evaluations "
          + "excluded)%n", planMsPerIteration * iterations / 60_000, iterations);
      if (o.has("budget-minutes")) {
        double budget = o.floatValue("budget-minutes", 60f);
        if (!(budget > 0)) throw new Options.UsageException("--budget-minutes must be > 0");
        out.printf(Locale.ROOT, "--budget-minutes %s: %d iterations per cell%n",
            Double.toString(budget), (long) (budget * 60_000 / planMsPerIteration));
      }
      return 0;
    }
    ListOpsReport.write(dir, results, settings(optimizer, hidden, clfHidden, lr, clip,
        iterations, evalEvery, seed), machine, dataNote(results, train, valid, test, seed));
    out.println("listops: " + results.size() + " cells; " + dir.resolve("listops-table.md"));
    return 0;
  }

  /** The data line of the table: every maximum length the CSV holds, with the sizes given. */
  private static String dataNote(List<ListOpsTraining.Result> results, int train, int valid,
      int test, long seed) {
    java.util.TreeSet<Integer> lengths = new java.util.TreeSet<>();
    for (ListOpsTraining.Result r : results) lengths.add(r.maxLength());
    StringBuilder l = new StringBuilder();
    for (int length : lengths) l.append(l.length() == 0 ? "" : ", ").append("L <= ").append(length);
    return String.format(Locale.ROOT, "%s: %d / %d / %d train / valid / test examples each, "
        + "generated from seed %d (the sizes and seed given to this command)", l, train, valid,
        test, seed);
  }
}
