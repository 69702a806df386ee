package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The experiment of the paper's Table 2: for every arity, batch size and estimator, a random
 * search over (temperature, learning rate) selected on the validation bound, then the test
 * bound of the selected run.
 *
 * <p>Search (the paper: 20 random-search runs per estimator and setting, 50,000 iterations
 * each). Here: {@code candidates} draws of (tau, lr), a Latin hypercube in the two log ranges
 * ({@link #draws}), the same quantiles for every estimator and setting (a paired comparison),
 * each estimator's learning rates in its own range (REINFORCE's lies lower: see
 * {@link VaeEstimators}) unless --lr-range sets one for all, and likewise its temperatures
 * (ReinMax's lie higher) unless --tau-range does; an estimator without a temperature uses only
 * the learning rate. Each draw trains {@code searchIterations}; the one with the
 * lowest validation bound there continues, the same run from its checkpoint, to
 * {@code iterations}; its test bound is reported. With one candidate there is no search: the
 * estimator's fixed temperature ({@link VaeEstimators.Entry#quickTau}, or --tau) and learning
 * rate ({@link VaeEstimators.Entry#quickLr}, or --lr).
 *
 * <p>Every run checkpoints under {@code out/checkpoints}; running the same command again
 * resumes where it stopped, skipping what is done. A candidate that lost the search keeps its
 * record, not its weights.
 */
public final class Experiment {
  /**
   * @param iterations per batch size
   * @param searchIterations per batch size (equal to iterations: each candidate runs to the end)
   * @param evalEvery per batch size
   * @param tauRange the search's temperatures for every tempered estimator (null: each its own,
   *     else {@link #DEFAULT_TAU_RANGE})
   * @param lrRange the search's learning rates for every estimator (null: each its own, else
   *     {@link #DEFAULT_LR_RANGE})
   * @param fixedLr without a search, the learning rate of every estimator (null: each its own,
   *     else {@link #DEFAULT_LR})
   */
  public record Settings(List<VaeEstimators.Entry> estimators, List<Integer> arities,
      List<Integer> batches, Map<Integer, Integer> iterations,
      Map<Integer, Integer> searchIterations, Map<Integer, Integer> evalEvery, int candidates,
      float[] tauRange, float[] lrRange, Float fixedTau, Float fixedLr, float momentum,
      float lrDecay, int latent, List<Integer> hidden, long seed, int evalImages, int evalSamples,
      int testImages, int testSamples, int checkpointEvery) {}

  /** The learning rate without a search, and the search's range, unless an estimator has its own. */
  public static final float DEFAULT_LR = 0.003f;
  /**
   * The learning rate's factor per 1000 steps unless --lr-decay says otherwise: 1, a constant
   * rate, as every run before the option. The decay is the schedule family of Jang, Gu, Poole's
   * categorical VAE code (lr x 0.9 every 1000 steps); what it changes, and why the default stays
   * constant: java/cli/VAE-NOTES.md.
   */
  public static final float DEFAULT_LR_DECAY = 1f;
  public static final float[] DEFAULT_LR_RANGE = {3e-4f, 1e-2f};
  /**
   * A run at the user's --lr (no search) that diverges within this many steps stops the command
   * with a message naming --lr, instead of a table of NaN bounds; a later divergence, or a search
   * candidate's, is a result and is reported in the table.
   */
  static final int EARLY_DIVERGENCE = 100;
  /** The search's temperatures for a tempered estimator without its own range. */
  public static final float[] DEFAULT_TAU_RANGE = {0.1f, 1f};

  private final Settings s;
  private final Splits data;
  private final Backend gr;
  private final Path out;
  private final String machine;
  private final List<String> description;
  private final Progress progress;
  private final PrintStream log;
  private final StopSignal stop;

  public Experiment(Settings settings, Splits data, Backend gr, Path out, String machine,
      List<String> description, Progress progress, PrintStream log, StopSignal stop) {
    this.s = settings;
    this.data = data;
    this.gr = gr;
    this.out = out;
    this.machine = machine;
    this.description = description;
    this.progress = progress;
    this.log = log;
    this.stop = stop;
  }

  /** One (tau, lr) draw of the search. */
  record Draw(float tau, float learningRate) {}

  /** A point of the search's unit square: the quantiles of tau and lr in their log ranges. */
  record Quantiles(double tau, double learningRate) {
    Draw in(float[] tauRange, float[] lrRange) {
      // StrictMath: the same draws on every JVM and whether or not the JIT has compiled this
      double lt = StrictMath.log(tauRange[0]) + tau * StrictMath.log(tauRange[1] / tauRange[0]);
      double ll = StrictMath.log(lrRange[0])
          + learningRate * StrictMath.log(lrRange[1] / lrRange[0]);
      return new Draw(round3((float) StrictMath.exp(lt)), round3((float) StrictMath.exp(ll)));
    }
  }

  /**
   * The search's draws, the same for every estimator and setting of a seed: a Latin hypercube
   * in (log tau, log lr), so that even 4 draws cover both ranges (draw i's learning rate lies in
   * the i-th of n equal slices of the log range, its temperature in the slice of a seeded
   * permutation), each point uniform within its slices.
   */
  static List<Quantiles> draws(int n, long seed) {
    SplitMix64 r = SplitMix64.of(seed, 0x736561726368L, n);
    int[] tauSlice = new int[n];
    for (int i = 0; i < n; i++) tauSlice[i] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = tauSlice[i];
      tauSlice[i] = tauSlice[j];
      tauSlice[j] = t;
    }
    List<Quantiles> d = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      d.add(new Quantiles((tauSlice[i] + r.nextDouble()) / n, (i + r.nextDouble()) / n));
    }
    return d;
  }

  /** Three significant digits, so that tables and fingerprints show the value used. */
  private static float round3(float v) {
    return Float.parseFloat(String.format(Locale.ROOT, "%.3g", v));
  }

  /** Runs everything not done yet; returns the results, complete unless stopped. */
  public List<CellResult> run() throws IOException {
    List<CellResult> results = new ArrayList<>();
    Files.createDirectories(out.resolve("checkpoints"));
    for (int arity : s.arities()) {
      for (int batch : s.batches()) {
        for (VaeEstimators.Entry e : s.estimators()) {
          if (!e.appliesTo(arity)) continue;
          CellResult r = cell(e, arity, batch);
          results.add(r);
          Report.write(out, results, machine, description);
          if (stop != null && stop.requested()) return results;
        }
      }
    }
    return results;
  }

  private CellResult cell(VaeEstimators.Entry e, int arity, int batch) throws IOException {
    int n = s.iterations().get(batch), sIt = s.searchIterations().get(batch);
    Trainer.Schedule schedule = new Trainer.Schedule(s.evalEvery().get(batch), s.evalImages(),
        s.evalSamples(), s.checkpointEvery());
    Architecture arch = Architecture.standard(data.pixels(), arity, s.latent(), s.hidden());
    List<Draw> draws = new ArrayList<>();
    if (s.candidates() == 1) {
      draws.add(new Draw(s.fixedTau() != null ? s.fixedTau() : e.quickTau(),
          s.fixedLr() != null ? s.fixedLr() : Float.isNaN(e.quickLr()) ? DEFAULT_LR
              : e.quickLr()));
    } else {
      float[] lrs = s.lrRange() != null ? s.lrRange() : e.lrRange() != null ? e.lrRange()
          : DEFAULT_LR_RANGE;
      float[] taus = s.tauRange() != null ? s.tauRange() : e.tauRange() != null ? e.tauRange()
          : DEFAULT_TAU_RANGE;
      for (Quantiles q : draws(s.candidates(), s.seed())) draws.add(q.in(taus, lrs));
    }
    String cellName = String.format(Locale.ROOT, "%s %d-ary B=%d", e.name(), arity, batch);
    List<CellResult.Candidate> candidates = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < draws.size(); i++) {
      float tau = e.tempered() ? draws.get(i).tau() : 1f;
      RunConfig cfg = new RunConfig(e.name(), tau, draws.get(i).learningRate(), s.momentum(),
          batch, arch, s.seed(), data.train().sha256(), s.lrDecay());
      Path file = checkpointFile(out, e.name(), arity, batch, i);
      files.add(file);
      String label = draws.size() == 1 ? cellName
          : String.format(Locale.ROOT, "%s %d/%d", cellName, i + 1, draws.size());
      Checkpoint.State st = train(cfg, file, sIt, schedule, label);
      if (s.fixedLr() != null && draws.size() == 1 && st.divergence() != null
          && st.step() < EARLY_DIVERGENCE) {
        // the user's learning rate, not a search's candidate: no table of NaN bounds
        Files.deleteIfExists(file);
        throw new IllegalArgumentException("--lr " + cfg.learningRate() + ": " + cellName
            + " diverged in its first " + EARLY_DIVERGENCE + " steps (" + st.divergence()
            + "): choose a smaller --lr");
      }
      candidates.add(candidate(i, cfg, st, sIt, schedule));
      if (stop != null && stop.requested()) {
        return new CellResult(e.name(), arity, batch, n, sIt, candidates, -1, null);
      }
    }
    int best = -1;
    for (int i = 0; i < candidates.size(); i++) {
      double v = candidates.get(i).selection();
      if (Double.isFinite(v) && (best < 0 || v < candidates.get(best).selection())) best = i;
    }
    if (best < 0) {
      log.println(cellName + ": every candidate diverged");
      return new CellResult(e.name(), arity, batch, n, sIt, candidates, -1, null);
    }
    CellResult.Candidate chosen = candidates.get(best);
    RunConfig cfg = new RunConfig(e.name(), chosen.tau(), chosen.learningRate(), s.momentum(),
        batch, arch, s.seed(), data.train().sha256(), s.lrDecay());
    Checkpoint.State st = n > sIt ? train(cfg, files.get(best), n, schedule, cellName + " final")
        : Checkpoint.load(files.get(best));
    Evaluation test = null;
    if (st.divergence() == null && st.step() >= n) {
      test = testOf(st);
      if (test == null) {
        try (Trainer t = new Trainer(cfg, data, gr, st)) {
          progress.update(0, 1, cellName + ": test bound, " + s.testImages() + " images, M = "
              + s.testSamples());
          test = t.evaluate(data.test(), s.testImages(), s.testSamples(), Trainer.TEST_KEY);
          st = st.with(test);
          Checkpoint.save(files.get(best), st);
          progress.update(1, 1, String.format(Locale.ROOT, "%s: test bound %.2f (%.0f s)",
              cellName, test.nll(), test.seconds()));
        }
      }
    }
    candidates.set(best, candidate(best, cfg, st, sIt, schedule));
    if (draws.size() > 1) {
      for (int i = 0; i < files.size(); i++) {
        if (i == best || !Files.exists(files.get(i))) continue;
        Checkpoint.State loser = Checkpoint.load(files.get(i));
        if (loser.hasParameters()) Checkpoint.save(files.get(i), loser.recordOnly());
      }
    }
    return new CellResult(e.name(), arity, batch, n, sIt, candidates, best, test);
  }

  /** Where candidate {@code index} of an estimator and setting checkpoints. */
  static Path checkpointFile(Path out, String estimator, int arity, int batch, int index) {
    return out.resolve("checkpoints").resolve(String.format(Locale.ROOT, "%s-a%d-b%d-c%d.ckpt",
        estimator, arity, batch, index));
  }

  /** The run of a candidate, as the experiment configured it. */
  static RunConfig config(Settings s, Splits data, CellResult c, CellResult.Candidate k) {
    return new RunConfig(c.estimator(), k.tau(), k.learningRate(), s.momentum(), c.batch(),
        Architecture.standard(data.pixels(), c.arity(), s.latent(), s.hidden()), s.seed(),
        data.train().sha256(), s.lrDecay());
  }

  /** Trains the run of {@code cfg} to {@code iterations} from its checkpoint, if any. */
  private Checkpoint.State train(RunConfig cfg, Path file, int iterations,
      Trainer.Schedule schedule, String label) throws IOException {
    Checkpoint.State st = Files.exists(file) ? Checkpoint.load(file) : null;
    if (st != null && !st.fingerprint().equals(cfg.fingerprint())) {
      throw new IllegalArgumentException(file + " is the checkpoint of another run (its "
          + "settings: " + st.fingerprint() + "; this run's: " + cfg.fingerprint()
          + "): use another --out, or delete it");
    }
    if (st != null && (st.step() >= iterations || st.divergence() != null)) return st;
    try (Trainer t = new Trainer(cfg, data, gr, st)) {
      Trainer.Outcome o = t.train(iterations, schedule, file, progress, stop, label);
      if (o == Trainer.Outcome.DIVERGED) log.println(label + ": diverged at " + t.divergence());
      return t.state();
    }
  }

  private Evaluation testOf(Checkpoint.State st) {
    for (Evaluation e : st.evaluations()) {
      if (e.split().equals("test") && e.images() == s.testImages()
          && e.samples() == s.testSamples() && e.step() == st.step()) {
        return e;
      }
    }
    return null;
  }

  private static CellResult.Candidate candidate(int index, RunConfig cfg, Checkpoint.State st,
      int searchIterations, Trainer.Schedule schedule) {
    double selection = Double.NaN;
    for (Evaluation e : st.evaluations()) {
      if (e.split().equals("valid") && e.step() == searchIterations
          && e.images() == schedule.evalImages() && e.samples() == schedule.evalSamples()) {
        selection = e.nll();
      }
    }
    if (st.divergence() != null && st.step() < searchIterations) selection = Double.NaN;
    double ms = st.timedSteps() == 0 ? Double.NaN : st.stepNanos() / 1e6 / st.timedSteps();
    double est = st.timedSteps() == 0 ? Double.NaN : st.estimatorNanos() / 1e6 / st.timedSteps();
    return new CellResult.Candidate(index, cfg.tau(), cfg.learningRate(), selection, st.step(),
        st.divergence(), st.evaluations(), ms, est);
  }
}
