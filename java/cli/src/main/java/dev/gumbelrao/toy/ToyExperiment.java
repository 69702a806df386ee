package dev.gumbelrao.toy;

import dev.gumbelrao.GumbelRao;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.PathwiseEstimator;
import dev.gumbelrao.Sample;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the toy experiment of the paper's Figure 1: over a triangular grid of points p inside the
 * simplex, for each temperature and estimator, draws {@code draws} independent gradient
 * estimates per point (each one a row of one batched call) and measures tr Cov and the MSE to the
 * exact gradient. All estimators draw their forward sample with the same key, so they share D
 * row by row and their comparison is paired; Gumbel-Rao draws its K conditional samples from the
 * same key.
 */
public final class ToyExperiment {
  /** Rows per batched call: bounds memory for large grids and draw counts. */
  private static final int MAX_ROWS_PER_CALL = 1 << 20;
  /** The largest grid: (grid - 1)(grid - 2) / 2 points, about 500,000 at 1000. */
  public static final int MAX_GRID = 1000;
  /** The most draws per point: one batched call's rows. */
  public static final int MAX_DRAWS = MAX_ROWS_PER_CALL;

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

  public static ToyResult run(Config config, GumbelRao gr, Progress progress) {
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
    for (ToyEstimator e : estimators) total += (long) e.samples() * np * m * arity;
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
        for (int e = 0; e < estimators.size(); e++) {
          ToyEstimator est = estimators.get(e);
          progress.update(done, total, "tau=" + tau + " " + est.name());
          PathwiseEstimator estimator = est.at(tau);
          // the same key draws the same D as the gr.sample call above, for every estimator
          Sample sample = estimator.forward(gr, th, rows, arity, key, null);
          estimator.backward(sample, up, grad);
          for (int i = 0; i < count; i++) {
            result.record(t, e, first + i, grad, i * m, m);
          }
          done += (long) est.samples() * rows * arity;
        }
      }
    }
    progress.update(total, total, "done");
    return result;
  }
}
