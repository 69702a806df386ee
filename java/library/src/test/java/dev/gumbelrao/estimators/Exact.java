package dev.gumbelrao.estimators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntPredicate;
import java.util.function.ToDoubleFunction;

/**
 * The double-precision math the estimator family tests hold the kernels to: softmaxes,
 * Jacobian-vector products, central finite differences of the softmax, Monte Carlo comparisons.
 *
 * <p>Statistical thresholds: z-scores beyond {@link #Z_MAX} = 5.33 (two-sided 1e-7 each; at most 9
 * per test, so 1e-6 per test); Monte Carlo means against an enumerated truth within 5 standard
 * errors (the standard error estimated from the same draws; a false failure has probability below
 * 1e-6 per comparison, and a test makes at most a few dozen); p-values below 1e-6.
 */
final class Exact {
  private Exact() {}

  static final double Z_MAX = 5.33;

  /** Rows of 2, 3 and 4 logits, where the unbiasedness tests enumerate every D. */
  static final float[][] SMALL_ROWS = {
    {0.3f, -1.2f}, {0.5f, 0.1f, -0.7f}, {1.5f, -0.2f, 0.4f, -2f}};

  /** softmax(theta[off .. off + n) / tau) in double. */
  static double[] softmax(float[] th, int off, int n, double tau) {
    double m = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) m = Math.max(m, th[off + j]);
    double[] p = new double[n];
    double z = 0;
    for (int j = 0; j < n; j++) {
      p[j] = Math.exp((th[off + j] - m) / tau);
      z += p[j];
    }
    for (int j = 0; j < n; j++) p[j] /= z;
    return p;
  }

  /** J(p)^T g = p * (g - &lt;p, g&gt;). */
  static double[] jvp(double[] p, double[] g) {
    double dot = 0;
    for (int j = 0; j < p.length; j++) dot += p[j] * g[j];
    double[] out = new double[p.length];
    for (int j = 0; j < p.length; j++) out[j] = p[j] * (g[j] - dot);
    return out;
  }

  /** sum_j g_j softmax(z / tau)_j in double. */
  static double softmaxDot(double[] z, float[] g, int off, double tau) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : z) m = Math.max(m, v);
    double sum = 0, dot = 0;
    for (int j = 0; j < z.length; j++) {
      double e = Math.exp((z[j] - m) / tau);
      sum += e;
      dot += e * g[off + j];
    }
    return dot / sum;
  }

  /**
   * Central finite difference of f(theta) = (1/K) sum_k sum_j g_j softmax((theta + G^k)/tau)_j
   * (a null G^k: no noise).
   */
  static double[] finiteDifference(float[] th, int off, int arity, float[][] noise,
      float[] g, double tau) {
    double h = 1e-4 * tau;
    double[] grad = new double[arity];
    double[] z = new double[arity];
    for (int i = 0; i < arity; i++) {
      double f = 0;
      for (int sign = -1; sign <= 1; sign += 2) {
        for (float[] gk : noise) {
          for (int j = 0; j < arity; j++) {
            z[j] = th[off + j] + (gk == null ? 0 : gk[j]) + (j == i ? sign * h : 0);
          }
          f += sign * softmaxDot(z, g, off, tau);
        }
      }
      grad[i] = f / (2 * h) / noise.length;
    }
    return grad;
  }

  /**
   * Central differences (f(x + h e_i) - f(x - h e_i)) / 2h in double, for every i; x is restored
   * after each.
   */
  static double[] centralDifference(double[] x, double h, ToDoubleFunction<double[]> f) {
    double[] grad = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double save = x[i];
      x[i] = save + h;
      double up = f.applyAsDouble(x);
      x[i] = save - h;
      double down = f.applyAsDouble(x);
      x[i] = save;
      grad[i] = (up - down) / (2 * h);
    }
    return grad;
  }

  /** |fd_j - got_j| &lt;= rtol (1 + |fd_j|) for every column of one row. */
  static void assertClose(double[] fd, float[] got, int off, double rtol, String what) {
    for (int j = 0; j < fd.length; j++) {
      assertEquals(fd[j], got[off + j], rtol * (1 + Math.abs(fd[j])), what + " column " + j);
    }
  }

  /** |fd_j - got_j| &lt;= rtol max|fd| + 1e-12 for every column of one row. */
  static void assertMatches(double[] fd, float[] got, int off, double rtol, String what) {
    double scale = 0;
    for (double v : fd) scale = Math.max(scale, Math.abs(v));
    for (int j = 0; j < fd.length; j++) {
      assertEquals(fd[j], got[off + j], rtol * scale + 1e-12, what + " column " + j);
    }
  }

  /** The row repeated {@code times} times. */
  static float[] repeat(float[] row, int times) {
    float[] out = new float[row.length * times];
    for (int r = 0; r < times; r++) System.arraycopy(row, 0, out, r * row.length, row.length);
    return out;
  }

  static double[] toDouble(float[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) out[i] = x[i];
    return out;
  }

  /** Asserts that the column means of rows x n values match truth within 5 standard errors. */
  static void assertMeansMatch(double[] truth, float[] grads, int rows, int n, String what) {
    for (int j = 0; j < n; j++) {
      double[] s = sums(grads, rows, n, j, r -> true);
      double mean = s[0] / rows, var = Math.max(0, s[1] / rows - mean * mean);
      double se = Math.sqrt(var / rows);
      assertTrue(Math.abs(mean - truth[j]) <= 5 * se + 1e-7 * (1 + Math.abs(truth[j])),
          what + " column " + j + ": mean " + mean + ", truth " + truth[j] + ", standard error "
              + se);
    }
  }

  /** {mean, variance, count} of component j over the rows with D = c. */
  static double[] moments(float[] grads, int[] d, int c, int j, int arity) {
    double[] s = sums(grads, d.length, arity, j, r -> d[r] == c);
    double n = s[2], mean = s[0] / n;
    return new double[] {mean, (s[1] - n * mean * mean) / (n - 1), n};
  }

  /** Trace of the sample covariance of per-row gradient vectors. */
  static double traceCovariance(float[] grads, int rows, int arity) {
    double trace = 0;
    for (int j = 0; j < arity; j++) {
      double[] s = sums(grads, rows, arity, j, r -> true);
      double mean = s[0] / rows;
      trace += (s[1] - rows * mean * mean) / (rows - 1);
    }
    return trace;
  }

  /** {sum, sum of squares, count} of column j of rows x n values, over the rows it takes. */
  private static double[] sums(float[] grads, int rows, int n, int j, IntPredicate take) {
    double sum = 0, sq = 0;
    long count = 0;
    for (int r = 0; r < rows; r++) {
      if (!take.test(r)) continue;
      double v = grads[r * n + j];
      sum += v;
      sq += v * v;
      count++;
    }
    return new double[] {sum, sq, count};
  }

  /** An arbitrary loss of each class (not linear in the one-hot). */
  static double loss(int row, int d) {
    return Math.cos(1.7 * d + 0.3 * row) * (1 + d * d);
  }
}
