package dev.gumbelrao.toy;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the toy experiment of the paper's Figure 1: over a triangular grid of points p inside the
 * simplex, for each temperature and estimator, draws {@code draws} independent gradient
 * estimates per point (each one a row of one batched call) and measures tr Cov, the MSE to the
 * exact gradient and the squared bias of the estimates' mean.
 *
 * <p>All estimators but RLOO draw their forward sample with the same key, so they share D row by
 * row (checked) and their comparison is paired; Gumbel-Rao draws its K conditional samples from
 * the same key. Each temperature has its own keys, so the estimators that do not use tau (ZGR,
 * REINFORCE, RLOO) get new draws in each column. What each estimator is given:
 * <ul>
 *   <li>the pathwise ones (ST, ST-GS, GR-MCK, GR-MCK-total, ZGR, ReinMax, GST-1.0, GST-p): the
 *       upstream u = 2 A (D - c) at the shared D;
 *   <li>the relaxed GS: u = 2 A (y - c) at its own soft y (same noise as the shared D); it
 *       estimates the gradient of E[f(y)], not of E[f(D)], and is compared with the latter;
 *   <li>REINFORCE: f(D) at the shared D, with each point's exact E_p[f(D)] as its baseline
 *       (see {@link #centredLosses});
 *   <li>RLOO-S: f at S draws of its own per row (S evaluations per estimate).
 * </ul>
 */
public final class ToyExperiment {
  /** Rows per batched call: bounds memory for large grids and draw counts. */
  private static final int MAX_ROWS_PER_CALL = 1 << 20;
  /** The largest grid: (grid - 1)(grid - 2) / 2 points, about 500,000 at 1000. */
  public static final int MAX_GRID = 1000;
  /** The most draws per point: one batched call's rows. */
  public static final int MAX_DRAWS = MAX_ROWS_PER_CALL;
  /** The most RLOO samples of one grid point, S x draws: one point's draws are one call. */
  public static final long MAX_RLOO_DRAWS = 1L << 24;

  /** Reports progress: work done of total (in element-samples), and what runs now. */
  @FunctionalInterface
  public interface Progress {
    void update(long done, long total, String what);
  }

  /**
   * @param grid points per edge of the triangular grid: p = (a, b, c) / grid with a, b, c &gt;= 1;
   *     not a multiple of 3, since A(p) is singular where some p_k = 2/3
   * @param draws gradient estimates per point, &gt;= 2
   */
  public record Config(int grid, int draws, float[] taus, List<ToyEstimator> estimators,
      long seed) {
    public Config {
      if (grid < 3 || grid > MAX_GRID) {
        throw new IllegalArgumentException("grid must be in [3, " + MAX_GRID + "], got " + grid);
      }
      if (grid % 3 == 0) {
        throw new IllegalArgumentException("grid must not be a multiple of 3: A(p) is singular "
            + "where some p_k = 2/3, got " + grid);
      }
      if (draws < 2 || draws > MAX_DRAWS) {
        throw new IllegalArgumentException("draws must be in [2, " + MAX_DRAWS + "], got "
            + draws);
      }
      if (taus.length == 0) throw new IllegalArgumentException("taus must not be empty");
      for (float t : taus) {
        if (!(t > 0) || Float.isInfinite(t)) {
          throw new IllegalArgumentException("every tau must be finite and > 0, got " + t);
        }
      }
      if (estimators.isEmpty()) throw new IllegalArgumentException("estimators must not be empty");
      for (ToyEstimator e : estimators) {
        if ((long) e.evaluations() * draws > MAX_RLOO_DRAWS) {
          throw new IllegalArgumentException(e.name() + ": S x draws must be at most "
              + MAX_RLOO_DRAWS + " (2^24 samples of one point's rows in memory), got "
              + e.evaluations() + " x " + draws);
        }
      }
      taus = taus.clone();
      estimators = List.copyOf(estimators);
    }
  }

  private ToyExperiment() {}

  /** The interior grid points (a, b, c) / n with a, b, c &gt;= 1, a + b + c = n. */
  public static List<double[]> gridPoints(int n) {
    List<double[]> points = new ArrayList<>();
    for (int a = 1; a <= n - 2; a++) {
      for (int b = 1; a + b <= n - 1; b++) {
        int c = n - a - b;
        points.add(new double[] {(double) a / n, (double) b / n, (double) c / n});
      }
    }
    return points;
  }

  public static ToyResult run(Config config, Backend gr, Progress progress) {
    List<double[]> points = gridPoints(config.grid());
    int np = points.size(), m = config.draws(), arity = ToyProblem.ARITY;
    List<ToyEstimator> estimators = config.estimators();
    float[] taus = config.taus();
    ToyProblem[] problems = new ToyProblem[np];
    double[][] exact = new double[np][];
    for (int i = 0; i < np; i++) {
      problems[i] = new ToyProblem(points.get(i));
      exact[i] = problems[i].exactGradient();
    }
    ToyResult result = new ToyResult(config, points, exact, gr.description());

    int pointsPerCall = Math.max(1, MAX_ROWS_PER_CALL / m);
    long total = 0;
    for (ToyEstimator e : estimators) total += e.work() * np * m * arity;
    total *= taus.length;
    long done = 0;

    for (int t = 0; t < taus.length; t++) {
      float tau = taus[t];
      for (int first = 0, call = 0; first < np; first += pointsPerCall, call++) {
        int count = Math.min(pointsPerCall, np - first);
        int rows = count * m;
        float[] th = new float[rows * arity], up = new float[rows * arity];
        float[] grad = new float[rows * arity];
        int[] d = new int[rows];
        for (int i = 0; i < count; i++) {
          double[] p = points.get(first + i);
          for (int r = i * m; r < (i + 1) * m; r++) {
            for (int j = 0; j < arity; j++) th[r * arity + j] = (float) Math.log(p[j]);
          }
        }
        NoiseKey key = new NoiseKey(config.seed(), ((long) t << 16) + call);
        gr.sample(th, rows, arity, key, d, null);
        for (int r = 0; r < rows; r++) problems[first + r / m].upstream(d[r], up, r * arity);
        float[] centred = null;
        for (int e = 0; e < estimators.size(); e++) {
          ToyEstimator est = estimators.get(e);
          progress.update(done, total, "tau=" + tau + " " + est.name());
          Estimator estimator = est.at(tau);
          // by what the estimator is: several evaluations of f, one at a draw (score
          // function), f at the relaxed y, or the upstream gradient at D
          boolean multi = est.evaluations() > 1;
          if (multi) {
            rloo(gr, (ScoreFunctionEstimator) estimator, problems, th, first, count, m, key,
                result, t, e);
          } else if (est.scoreFunction()) {
            if (centred == null) centred = centredLosses(problems, first, d, m);
            // the same key draws the same D as the gr.sample call above (checked)
            Sample sample = paired(estimator.forward(gr, th, rows, arity, key, null), d, est);
            ((ScoreFunctionEstimator) estimator).backward(sample, centred, grad);
          } else if (est.relaxed()) {
            float[] y = new float[rows * arity], upY = new float[rows * arity];
            Sample sample = estimator.forward(gr, th, rows, arity, key, y);
            for (int r = 0; r < rows; r++) {
              problems[first + r / m].upstream(y, r * arity, upY, r * arity);
            }
            ((PathwiseEstimator) estimator).backward(sample, upY, grad);
          } else {
            Sample sample = paired(estimator.forward(gr, th, rows, arity, key, null), d, est);
            ((PathwiseEstimator) estimator).backward(sample, up, grad);
          }
          if (!multi) {
            for (int i = 0; i < count; i++) {
              result.record(t, e, first + i, grad, i * m, m);
            }
          }
          done += est.work() * rows * arity;
        }
      }
    }
    progress.update(total, total, "done");
    return result;
  }

  /**
   * The sample, checked to hold the D every estimator of the call shares: the comparison is
   * paired row by row, so an estimator that drew another D would make it silently unpaired.
   */
  private static Sample paired(Sample sample, int[] d, ToyEstimator est) {
    if (!Arrays.equals(sample.choices(), d)) {
      throw new IllegalStateException(est.name() + " drew another D from the shared key");
    }
    return sample;
  }

  /**
   * REINFORCE's losses f(D) - E_p[f(D)], each row's point's exact expectation as its baseline.
   * A running mean across the batch (the library's default) would mix grid points whose E[f]
   * differ by orders of magnitude, and one updated across points would depend on the order of
   * the grid; the exact per-point mean is the constant baseline a well-tuned one approaches, it
   * keeps REINFORCE unbiased and the m draws of a point independent (so tr Cov and the MSE
   * identity hold), and it favours REINFORCE over any baseline a model could learn. RLOO-S is
   * the practical baseline, at S evaluations.
   */
  private static float[] centredLosses(ToyProblem[] problems, int first, int[] d, int m) {
    float[] f = new float[d.length];
    double[] mean = new double[(d.length + m - 1) / m];
    for (int i = 0; i < mean.length; i++) mean[i] = problems[first + i].expectedLoss();
    for (int r = 0; r < d.length; r++) {
      f[r] = (float) (problems[first + r / m].loss(d[r]) - mean[r / m]);
    }
    return f;
  }

  /**
   * RLOO-S over the call's points, in batches of at most MAX_ROWS_PER_CALL draws x rows: its S
   * draws per row come from sub-keys of the call's key (so its D are not the shared ones), each
   * batch its own sub-key key.derive(batch), whose draws are key.derive(batch).derive(s).
   */
  private static void rloo(Backend gr, ScoreFunctionEstimator rloo, ToyProblem[] problems,
      float[] th, int first, int count, int m, NoiseKey key, ToyResult result, int t, int e) {
    int arity = ToyProblem.ARITY, s = rloo.draws();
    int perBatch = (int) Math.max(1, MAX_ROWS_PER_CALL / ((long) m * s));
    for (int from = 0, batch = 0; from < count; from += perBatch, batch++) {
      int n = Math.min(perBatch, count - from), rows = n * m;
      float[] logits = Arrays.copyOfRange(th, from * m * arity, (from + n) * m * arity);
      Sample sample = rloo.forward(gr, logits, rows, arity, key.derive(batch), null);
      int[] d = sample.choices();
      float[] losses = new float[s * rows], grad = new float[rows * arity];
      for (int i = 0; i < s * rows; i++) {
        losses[i] = (float) problems[first + from + (i % rows) / m].loss(d[i]);
      }
      rloo.backward(sample, losses, grad);
      for (int i = 0; i < n; i++) result.record(t, e, first + from + i, grad, i * m, m);
    }
  }
}
