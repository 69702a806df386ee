package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures the time of a training iteration, split into the estimator's passes and the rest
 * (the networks), for every estimator, arity and batch size: a fresh model, {@link #WARMUP}
 * steps untimed (JIT, PyTorch's allocator), then the timed steps; and the importance-weighted
 * bound's cost per decoder sample. The publishing run sizes its iterations from these
 * ({@link BudgetPlan}); vae-timing.md reports them.
 */
public final class StepTiming {
  static final int WARMUP = 10;

  /** One measurement: ms per iteration, and the estimator's part. */
  public record Row(String estimator, int arity, int batch, int steps, double msPerStep,
      double estimatorMsPerStep) {
    double networkMs() {
      return msPerStep - estimatorMsPerStep;
    }
  }

  /** All rows and the bound's throughput (decoder samples per second). */
  public record Result(List<Row> rows, double boundSamplesPerSecond) {
    public Row find(String estimator, int arity, int batch) {
      for (Row r : rows) {
        if (r.estimator().equals(estimator) && r.arity() == arity && r.batch() == batch) return r;
      }
      return null;
    }
  }

  private StepTiming() {}

  public static Result measure(Splits data, Backend gr, List<VaeEstimators.Entry> estimators,
      List<Integer> arities, List<Integer> batches, int latent, List<Integer> hidden, float lr,
      float momentum, long seed, int steps, Progress progress) throws IOException {
    List<Row> rows = new ArrayList<>();
    Trainer.Schedule none = new Trainer.Schedule(0, 1, 1, 0);
    int total = 0, done = 0;
    for (int a : arities) {
      for (int b : batches) {
        for (VaeEstimators.Entry e : estimators) if (e.appliesTo(a)) total++;
      }
    }
    for (int a : arities) {
      Architecture arch = Architecture.standard(data.pixels(), a, latent, hidden);
      for (int b : batches) {
        for (VaeEstimators.Entry e : estimators) {
          if (!e.appliesTo(a)) continue;
          RunConfig cfg = new RunConfig(e.name(), e.tempered() ? e.quickTau() : 1f, lr,
              momentum, b, arch, seed, data.train().sha256());
          String label = String.format(Locale.ROOT, "timing %s %d-ary B=%d (%d/%d)", e.name(), a,
              b, ++done, total);
          try (Trainer t = new Trainer(cfg, data, gr, null)) {
            t.train(WARMUP, none, null, Progress.NONE, null, label);
            long[] t0 = t.timing();
            t.train(WARMUP + steps, none, null, progress, null, label);
            long[] t1 = t.timing();
            long n = t1[0] - t0[0];
            rows.add(new Row(e.name(), a, b, (int) n, (t1[1] - t0[1]) / 1e6 / n,
                (t1[2] - t0[2]) / 1e6 / n));
          }
        }
      }
    }
    // the bound: one decoder pass per sample dominates; measured once, at the largest arity
    Architecture arch = Architecture.standard(data.pixels(), arities.get(arities.size() - 1),
        latent, hidden);
    RunConfig cfg = new RunConfig(estimators.get(0).name(), 1f, lr, momentum, batches.get(0),
        arch, seed, data.train().sha256());
    double rate;
    try (Trainer t = new Trainer(cfg, data, gr, null)) {
      t.evaluate(data.valid(), 20, 50, Trainer.VALID_KEY);  // warm-up
      Evaluation e = t.evaluate(data.valid(), 200, 100, Trainer.VALID_KEY);
      rate = 200.0 * 100 / e.seconds();
    }
    return new Result(rows, rate);
  }

  /** vae-timing.md and vae-timing.csv. */
  public static void write(Result r, Path dir, String machine) throws IOException {
    Files.createDirectories(dir);
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(dir.resolve("vae-timing.md")))) {
      out.println("# Time per training iteration: network and estimator");
      out.println();
      out.println("Machine: " + machine);
      out.println();
      out.println("Each row: a fresh model, " + WARMUP + " untimed steps, then the timed steps; "
          + "the estimator's share is its forward and backward passes through the DJL block, "
          + "the network's everything else in the step (encoder, decoder, KL, optimiser). "
          + "GR-MCK at the temperature of the --quick preset (0.35; 1/tau not an integer, so "
          + "the general weight path, as the search's temperatures take).");
      out.println();
      out.println(markdown(r));
      out.printf(Locale.ROOT, "Importance-weighted bound: %.0f decoder samples / s (200 "
          + "validation images x M = 100); 10,000 test images at M = 5000 would take %.0f s.%n",
          r.boundSamplesPerSecond(), 10000.0 * 5000 / r.boundSamplesPerSecond());
    }
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(dir.resolve("vae-timing.csv")))) {
      out.println("estimator,arity,batch,steps,ms_per_step,network_ms,estimator_ms,"
          + "steps_per_second,machine");
      for (Row w : r.rows()) {
        out.printf(Locale.ROOT, "%s,%d,%d,%d,%.4f,%.4f,%.4f,%.2f,\"%s\"%n", w.estimator(),
            w.arity(), w.batch(), w.steps(), w.msPerStep(), w.networkMs(),
            w.estimatorMsPerStep(), 1000 / w.msPerStep(), machine.replace("\"", "\"\""));
      }
      out.printf(Locale.ROOT, "bound,,,,,,,%.1f,\"%s\"%n", r.boundSamplesPerSecond(),
          machine.replace("\"", "\"\""));
    }
  }

  /** The table: ms per iteration, network and estimator, and steps/s against ST-GS. */
  public static String markdown(Result r) {
    StringBuilder sb = new StringBuilder("| estimator | setting | ms / iteration | network ms "
        + "| estimator ms | estimator share | iterations / s | vs ST-GS | 50,000 iterations |\n"
        + "|---|---|---|---|---|---|---|---|---|\n");
    for (Row w : r.rows()) {
      Row st = r.find("ST-GS", w.arity(), w.batch());
      sb.append(String.format(Locale.ROOT, "| %s | %d-ary B=%d | %.2f | %.2f | %.2f | %.0f%% | "
          + "%.0f | %s | %.0f min |%n", w.estimator(), w.arity(), w.batch(), w.msPerStep(),
          w.networkMs(), w.estimatorMsPerStep(), 100 * w.estimatorMsPerStep() / w.msPerStep(),
          1000 / w.msPerStep(), st == null ? "" : String.format(Locale.ROOT, "%.2fx",
          st.msPerStep() / w.msPerStep()), 50000 * w.msPerStep() / 60000));
    }
    return sb.toString();
  }
}
