package dev.gumbelrao;

import dev.gumbelrao.backends.Formulas;
import dev.gumbelrao.estimators.RunningMeanBaseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.apache.commons.statistics.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The estimators' defining properties, on every backend:
 * <ul>
 *   <li>ST, GS/ST-GS and GR backward passes are Jacobian-vector products of the softmax: they
 *       match central finite differences (in double) of the function they differentiate, with
 *       the noise held fixed;
 *   <li>E[GR | D] = E[ST-GS | D] (Rao-Blackwellisation keeps the mean);
 *   <li>the variance of GR-MCK is at most that of ST-GS and falls as K grows; GR-M1 is ST-GS in
 *       distribution;
 *   <li>REINFORCE is (f - b)(onehot(D) - p) with the running-mean baseline.
 * </ul>
 * Statistical thresholds: z-scores beyond 5.33 (two-sided 1e-7 each; at most 9 per test, so
 * 1e-6 per test), p-values below 1e-6, and the ratio tr Var(GR-MC(K)) / tr Var(GR-MC(10 K))
 * given D, exactly 10 in expectation (a mean of K iid draws), required to lie in [8, 12.5]: over
 * 80 estimates with M = 4000 draws and fresh keys it ranged over [9.17, 10.88] (standard
 * deviation about 0.35), so the bounds lie more than 5 standard deviations away.
 */
class EstimatorPropertiesTest {
  private static final double Z_MAX = 5.33;

  /** sum_j g_j softmax(z / tau)_j in double. */
  private static double softmaxDot(double[] z, float[] g, int off, double tau) {
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

  /** Central finite difference of f(theta) = (1/K) sum_k sum_j g_j softmax((theta + G^k)/tau)_j. */
  private static double[] finiteDifference(float[] th, int off, int arity, float[][] noise,
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

  private static void assertMatches(double[] fd, float[] got, int off, double rtol, String what) {
    double scale = 0;
    for (double v : fd) scale = Math.max(scale, Math.abs(v));
    for (int j = 0; j < fd.length; j++) {
      assertEquals(fd[j], got[off + j], rtol * scale + 1e-12, what + " column " + j);
    }
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void backwardPassesMatchFiniteDifferencesOfTheSoftmax(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(9);
      int rows = 20, arity = 6, k = 5;
      for (float tau : new float[] {0.3f, 1f, 4f}) {
        float[] th = TestData.logits(rnd, rows, arity, 1.0, 0.0);
        float[] g = TestData.gaussian(rnd, rows * arity);
        NoiseKey key = new NoiseKey(rnd.nextLong(), 1);
        float[] st = new float[rows * arity], gs = new float[rows * arity];
        float[] grk = new float[rows * arity];
        int[] d = new int[rows];
        gr.sample(th, rows, arity, key, d, null);
        Ops.straightThrough(gr, th, g, rows, arity, tau, st);
        Ops.gumbelSoftmaxBackward(gr, th, g, rows, arity, tau, key, gs);
        Ops.gumbelRao(gr, th, d, g, rows, arity, k, tau, key, grk);
        float[] noise = new float[k * rows * arity];
        gr.conditionalGumbel(th, d, rows, arity, k, key, noise);
        int[] words = new int[4];
        for (int r = 0; r < rows; r++) {
          int off = r * arity;
          String where = backend + " tau=" + tau + " row " + r;
          // ST: no noise
          double rtol = 1e-4 * TestData.looseness(backend);
          assertMatches(finiteDifference(th, off, arity, new float[][] {null}, g, tau), st, off,
              rtol, "ST " + where);
          // ST-GS / GS: the forward noise of the key, rebuilt from the counter layout
          float[] g0 = new float[arity];
          for (int j = 0; j < arity; j++) {
            Formulas.philox(key.seed(), j / 4, r, Formulas.FORWARD_SLOT, key.offsetWord(), words);
            g0[j] = (float) Formulas.gumbelFromUniform(Formulas.uniformOpen(words[j % 4]));
          }
          assertMatches(finiteDifference(th, off, arity, new float[][] {g0}, g, tau), gs, off,
              rtol, "GS " + where);
          // GR-MC5: the average over the K conditional draws the sampler materialises
          float[][] gks = new float[k][arity];
          for (int s = 0; s < k; s++) {
            System.arraycopy(noise, (s * rows + r) * arity, gks[s], 0, arity);
          }
          assertMatches(finiteDifference(th, off, arity, gks, g, tau), grk, off, rtol,
              "GR " + where);
        }
      }
    }
  }

  /** Per-row gradients of one estimator, for a batch of identical rows. */
  private static float[] repeatRow(float[] row, int rows) {
    float[] out = new float[rows * row.length];
    for (int r = 0; r < rows; r++) System.arraycopy(row, 0, out, r * row.length, row.length);
    return out;
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void gumbelRaoHasTheMeanOfStGsGivenD(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      float[] theta = {0.4f, -0.3f, 0.1f};
      float[] up = {1.0f, -0.5f, 0.3f};
      int arity = 3, rows = 60_000;
      float tau = 0.5f;
      float[] th = repeatRow(theta, rows), g = repeatRow(up, rows);
      NoiseKey key = new NoiseKey(31, 7);
      int[] d = new int[rows];
      gr.sample(th, rows, arity, key, d, null);
      float[] stgs = new float[rows * arity], grk = new float[rows * arity];
      Ops.gumbelSoftmaxBackward(gr, th, g, rows, arity, tau, key, stgs);
      Ops.gumbelRao(gr, th, d, g, rows, arity, 10, tau, key, grk);
      for (int c = 0; c < arity; c++) {
        for (int j = 0; j < arity; j++) {
          double[] a = moments(stgs, d, c, j, arity), b = moments(grk, d, c, j, arity);
          double z = (a[0] - b[0]) / Math.sqrt(a[1] / a[2] + b[1] / b[2]);
          assertTrue(Math.abs(z) < Z_MAX, "D = " + c + ", component " + j + ": E[ST-GS|D] = "
              + a[0] + ", E[GR|D] = " + b[0] + " (z = " + z + ")");
        }
      }
    }
  }

  /** {mean, variance, count} of component j over the rows with D = c. */
  private static double[] moments(float[] grads, int[] d, int c, int j, int arity) {
    double sum = 0, sq = 0;
    long n = 0;
    for (int r = 0; r < d.length; r++) {
      if (d[r] != c) continue;
      double v = grads[r * arity + j];
      sum += v;
      sq += v * v;
      n++;
    }
    double mean = sum / n;
    return new double[] {mean, (sq - n * mean * mean) / (n - 1), n};
  }

  /** Trace of the sample covariance of per-row gradient vectors. */
  private static double traceCovariance(float[] grads, int rows, int arity) {
    double trace = 0;
    for (int j = 0; j < arity; j++) {
      double sum = 0, sq = 0;
      for (int r = 0; r < rows; r++) {
        double v = grads[r * arity + j];
        sum += v;
        sq += v * v;
      }
      double mean = sum / rows;
      trace += (sq - rows * mean * mean) / (rows - 1);
    }
    return trace;
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void varianceFallsWithKAndStaysBelowStGs(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      float[] theta = {1.0f, 0.2f, -0.5f, 0.0f};
      float[] up = {0.7f, -1.0f, 0.4f, 0.2f};
      int arity = 4, rows = 4000;
      float tau = 0.5f;
      float[] th = repeatRow(theta, rows), g = repeatRow(up, rows);
      int[] d = new int[rows]; // D = 0 for every row: the conditional variance given D
      double[] traces = new double[3];
      int[] ks = {1, 10, 100};
      for (int i = 0; i < ks.length; i++) {
        float[] out = new float[rows * arity];
        Ops.gumbelRao(gr, th, d, g, rows, arity, ks[i], tau, new NoiseKey(11, i), out);
        traces[i] = traceCovariance(out, rows, arity);
      }
      // Given D, GR-MCK is the mean of K iid draws: its variance falls exactly as 1/K.
      for (int i = 1; i < ks.length; i++) {
        double ratio = traces[i - 1] / traces[i];
        assertTrue(ratio > 8 && ratio < 12.5, "tr Var(GR-MCK | D) for K = 1, 10, 100: "
            + java.util.Arrays.toString(traces) + ": ratio " + ratio + ", expected 10");
      }

      // unconditionally (D ~ p): GR-MC10 below ST-GS; GR-MC1 equal to ST-GS in distribution
      NoiseKey key = new NoiseKey(12, 0);
      gr.sample(th, rows, arity, key, d, null);
      float[] stgs = new float[rows * arity], gr1 = new float[rows * arity];
      float[] gr10 = new float[rows * arity];
      Ops.gumbelSoftmaxBackward(gr, th, g, rows, arity, tau, key, stgs);
      Ops.gumbelRao(gr, th, d, g, rows, arity, 1, tau, key, gr1);
      Ops.gumbelRao(gr, th, d, g, rows, arity, 10, tau, key, gr10);
      double vStgs = traceCovariance(stgs, rows, arity);
      double vGr10 = traceCovariance(gr10, rows, arity);
      assertTrue(vGr10 < vStgs, "tr Var(GR-MC10) = " + vGr10 + " >= tr Var(ST-GS) = " + vStgs);
      for (int j = 0; j < arity; j++) {
        double[] a = new double[rows], b = new double[rows];
        for (int r = 0; r < rows; r++) {
          a[r] = stgs[r * arity + j];
          b[r] = gr1[r * arity + j];
        }
        double p = KolmogorovSmirnovTest.withDefaults().test(a, b).getPValue();
        assertTrue(p >= 1e-6 / arity, "GR-MC1 and ST-GS differ in component " + j + ": p = " + p);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void reinforceIsTheScoreFunctionWithARunningMeanBaseline(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      float[] th = {0.5f, Float.NEGATIVE_INFINITY, -0.5f, 30f, 29f, 0f};
      int[] d = {2, 0};
      float[] losses = {3f, 1f};
      RunningMeanBaseline baseline = new RunningMeanBaseline(0.9);
      baseline.update(1.5);
      float[] grad = new float[6];
      Ops.reinforce(gr, th, d, losses, baseline, 2, 3, grad);
      double z0 = Math.exp(0.5) + Math.exp(-0.5);
      double[] p0 = {Math.exp(0.5) / z0, 0, Math.exp(-0.5) / z0};
      double z1 = Math.exp(1) + 1 + Math.exp(-29);
      double[] p1 = {Math.exp(1) / z1, 1 / z1, Math.exp(-29) / z1};
      double[] expected = {
        (3 - 1.5) * (0 - p0[0]), 0, (3 - 1.5) * (1 - p0[2]),
        (1 - 1.5) * (1 - p1[0]), (1 - 1.5) * (0 - p1[1]), (1 - 1.5) * (0 - p1[2])};
      for (int i = 0; i < 6; i++) {
        assertEquals(expected[i], grad[i], 1e-6 * Math.abs(expected[i]) + 1e-30, "element " + i);
      }
      // b <- 0.9 b + 0.1 mean(f), after the gradient used the old b
      assertEquals(0.9 * 1.5 + 0.1 * 2.0, baseline.value(), 1e-12);
      assertEquals(2, baseline.updates());
    }
  }
}
