package dev.gumbelrao;

import dev.gumbelrao.backends.Formulas;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The estimators beyond the paper (ZGR, ReinMax, GST, RLOO, DisARM, Gumbel-Rao with the total
 * derivative), each against a fact that can fail, on every backend:
 * <ul>
 *   <li>exact identities and expectations by enumerating D (arity 2-4);
 *   <li>Monte Carlo means against the enumerated truth within 5 standard errors (the standard
 *       error estimated from the same draws; a false failure has probability below 1e-6 per
 *       comparison, and a test makes at most a few dozen);
 *   <li>finite differences of the surrogate each estimator differentiates;
 *   <li>ZGR as the tau -&gt; 0 limit of Gumbel-Rao, and binary ZGR as 2-class ZGR.
 * </ul>
 */
class NewEstimatorsTest {
  private static double[] softmax(float[] th, int off, int n, double tau) {
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
  private static double[] jvp(double[] p, double[] g) {
    double dot = 0;
    for (int j = 0; j < p.length; j++) dot += p[j] * g[j];
    double[] out = new double[p.length];
    for (int j = 0; j < p.length; j++) out[j] = p[j] * (g[j] - dot);
    return out;
  }

  private static float[] repeat(float[] row, int times) {
    float[] out = new float[row.length * times];
    for (int r = 0; r < times; r++) System.arraycopy(row, 0, out, r * row.length, row.length);
    return out;
  }

  /** Asserts that the column means of rows x n values match truth within 5 standard errors. */
  private static void assertMeansMatch(double[] truth, float[] grads, int rows, int n,
      String what) {
    for (int j = 0; j < n; j++) {
      double sum = 0, sq = 0;
      for (int r = 0; r < rows; r++) {
        double v = grads[r * n + j];
        sum += v;
        sq += v * v;
      }
      double mean = sum / rows, var = Math.max(0, sq / rows - mean * mean);
      double se = Math.sqrt(var / rows);
      assertTrue(Math.abs(mean - truth[j]) <= 5 * se + 1e-7 * (1 + Math.abs(truth[j])),
          what + " column " + j + ": mean " + mean + ", truth " + truth[j] + ", standard error "
              + se);
    }
  }

  // ------------------------------------------------------------------------------------ ZGR

  /**
   * Binary ZGR equals 2-class ZGR on logits (0, eta) with the same sample: b = D, the 2-class
   * upstream (0, g) (the values' gradient at onehot(D)_1 = b), dL/deta = dL/dtheta_1 (and
   * dL/dtheta_0 its negative).
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void binaryZgrIsTwoClassZgrOnLogitsZeroAndEta(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(1);
      int rows = 500;
      float[] eta = TestData.gaussian(rnd, rows), g = TestData.gaussian(rnd, rows);
      for (int i = 0; i < rows; i++) eta[i] *= 4;
      PathwiseEstimator binary = Estimators.zgrBinary(), zgr = Estimators.zgr();
      NoiseKey key = NoiseKey.of(2);
      Sample b = binary.forward(gr, eta, rows, 1, key, null);
      float[] th2 = new float[2 * rows], g2 = new float[2 * rows];
      for (int r = 0; r < rows; r++) {
        th2[2 * r + 1] = eta[r];
        g2[2 * r + 1] = g[r];
      }
      float[] gradB = new float[rows], grad2 = new float[2 * rows];
      binary.backward(b, g, gradB);
      zgr.backward(zgr.given(gr, th2, rows, 2, key, b.choices()), g2, grad2);
      for (int r = 0; r < rows; r++) {
        assertEquals(grad2[2 * r + 1], gradB[r], 2e-6 * Math.abs(g[r]) + 1e-30, "row " + r);
        assertEquals(-grad2[2 * r + 1], grad2[2 * r], 2e-6 * Math.abs(g[r]) + 1e-30);
      }
      // b ~ Bernoulli(sigmoid(eta)): 20,000 draws of one logit within 5 standard errors
      int n = 20_000;
      float[] one = new float[n];
      java.util.Arrays.fill(one, 0.7f);
      int[] draws = binary.forward(gr, one, n, 1, NoiseKey.of(3), null).choices();
      int ones = 0;
      for (int v : draws) ones += v;
      double q = 1 / (1 + Math.exp(-0.7)), se = Math.sqrt(q * (1 - q) / n);
      assertTrue(Math.abs((double) ones / n - q) < 5 * se, ones + " of " + n);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> binary.forward(gr, th2, rows, 2, key, null));
      assertTrue(e.getMessage().startsWith("arity: ZGR-binary is a binary estimator"));
    }
  }

  /**
   * ZGR is unbiased for linear losses f(D) = &lt;b, D&gt;: sum_D p_D ZGR(D) = J(p) b exactly
   * (enumerated, to float rounding), and the Monte Carlo mean of sampled D agrees.
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void zgrIsUnbiasedForLinearLosses(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      float[][] rows = {{0.3f, -1.2f}, {0.5f, 0.1f, -0.7f}, {1.5f, -0.2f, 0.4f, -2f}};
      for (float[] theta : rows) {
        int n = theta.length;
        float[] b = new float[n];
        for (int j = 0; j < n; j++) b[j] = (float) Math.sin(3 * j + 1);
        double[] p = softmax(theta, 0, n, 1), truth = jvp(p, toDouble(b));
        PathwiseEstimator zgr = Estimators.zgr();
        double[] enumerated = new double[n];
        for (int d = 0; d < n; d++) {
          float[] grad = new float[n];
          zgr.backward(zgr.given(gr, theta, 1, n, NoiseKey.of(1), new int[] {d}), b, grad);
          for (int j = 0; j < n; j++) enumerated[j] += p[d] * grad[j];
        }
        for (int j = 0; j < n; j++) {
          assertEquals(truth[j], enumerated[j], 1e-6, "arity " + n + " column " + j);
        }
        int m = 40_000;
        float[] grads = new float[m * n];
        zgr.backward(zgr.forward(gr, repeat(theta, m), m, n, NoiseKey.of(5), null),
            repeat(b, m), grads);
        assertMeansMatch(truth, grads, m, n, "ZGR arity " + n);
      }
    }
  }

  /**
   * Gumbel-Rao tends to ZGR as tau -&gt; 0 (ZGR is its zero-temperature limit): given D, the
   * distance between GR-MCK and ZGR (summed over the four D of a row) falls by more than 4x from
   * tau = 1 to 0.1 and by more than 2x from 0.1 to 0.01, and at 0.001 it is within 5 Monte Carlo
   * standard errors of its value at 0.01. The per-draw variance of GR grows as 1/tau (its draws
   * are of order 1/tau on a window of width tau), so K = 4000 / tau, in 4 independent batches
   * whose spread gives the standard error.
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void gumbelRaoTendsToZgrAsTheTemperatureFalls(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      float[] theta = {0.8f, -0.3f, 0.1f, -1.1f};
      float[] g = {0.5f, -1f, 2f, 0.3f};
      int n = theta.length, batches = 4;
      // one row per D: all four D of the row in one call
      float[] th = repeat(theta, n), up = repeat(g, n);
      int[] d = {0, 1, 2, 3};
      float[] zgr = new float[n * n];
      PathwiseEstimator z = Estimators.zgr();
      z.backward(z.given(gr, th, n, n, NoiseKey.of(1), d), up, zgr);
      float[] taus = {1f, 0.1f, 0.01f, 0.001f};
      double[] gaps = new double[taus.length], errors = new double[taus.length];
      for (int t = 0; t < taus.length; t++) {
        int k = (int) Math.ceil(4000 / taus[t] / batches);
        PathwiseEstimator est = Estimators.gumbelRao(k, taus[t]);
        double[][] runs = new double[batches][n * n];
        for (int b = 0; b < batches; b++) {
          float[] out = new float[n * n];
          est.backward(est.given(gr, th, n, n, new NoiseKey(7, b), d), up, out);
          for (int i = 0; i < n * n; i++) runs[b][i] = out[i];
        }
        double gap = 0, var = 0;
        for (int i = 0; i < n * n; i++) {
          double mean = 0;
          for (double[] run : runs) mean += run[i] / batches;
          for (double[] run : runs) var += Math.pow(run[i] - mean, 2) / (batches - 1) / batches;
          gap += Math.pow(mean - zgr[i], 2);
        }
        gaps[t] = Math.sqrt(gap);
        errors[t] = Math.sqrt(var);  // standard error of the distance's components, combined
      }
      String all = "distances " + java.util.Arrays.toString(gaps) + ", standard errors "
          + java.util.Arrays.toString(errors);
      assertTrue(gaps[1] < gaps[0] / 4, all);
      assertTrue(gaps[2] < gaps[1] / 2, all);
      assertTrue(gaps[3] < gaps[2] + 5 * errors[3], all);
    }
  }

  // -------------------------------------------------------------------- ReinMax and GST

  /** &lt;g, y&gt; for y = 2 softmax(c + theta) - softmax(theta) / 2, ReinMax's surrogate. */
  private static double reinmaxSurrogate(double[] theta, double[] c, double[] g) {
    double[] a = new double[theta.length], b = new double[theta.length];
    double ma = Double.NEGATIVE_INFINITY, mb = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < theta.length; j++) {
      a[j] = c[j] + theta[j];
      b[j] = theta[j];
      ma = Math.max(ma, a[j]);
      mb = Math.max(mb, b[j]);
    }
    double za = 0, zb = 0;
    for (int j = 0; j < theta.length; j++) {
      a[j] = Math.exp(a[j] - ma);
      b[j] = Math.exp(b[j] - mb);
      za += a[j];
      zb += b[j];
    }
    double f = 0;
    for (int j = 0; j < theta.length; j++) f += g[j] * (2 * a[j] / za - 0.5 * b[j] / zb);
    return f;
  }

  /**
   * ReinMax's gradient is the derivative of its surrogate (the authors' Algorithm 2): at fixed D,
   * y(theta) = 2 softmax(c + theta) - softmax(theta) / 2 with c = log(pi) - theta held at the
   * evaluation point, pi = (softmax(theta / tau) + e_D) / 2; central finite differences in double.
   * Temperatures below 1 included (the authors' wrapper refuses them).
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void reinMaxIsTheDerivativeOfItsSurrogate(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(4);
      int rows = 30, n = 5;
      for (float tau : new float[] {0.3f, 1f, 2.5f}) {
        float[] th = TestData.logits(rnd, rows, n, 1.0, 0.0), g = TestData.gaussian(rnd, rows * n);
        int[] d = TestData.choices(rnd, th, rows, n);
        PathwiseEstimator est = Estimators.reinMax(tau);
        float[] grad = new float[rows * n];
        est.backward(est.given(gr, th, rows, n, NoiseKey.of(1), d), g, grad);
        for (int r = 0; r < rows; r++) {
          double[] theta = new double[n], gd = new double[n], c = new double[n];
          double[] s = softmax(th, r * n, n, tau);
          for (int j = 0; j < n; j++) {
            theta[j] = th[r * n + j];
            gd[j] = g[r * n + j];
            c[j] = Math.log(0.5 * (s[j] + (j == d[r] ? 1 : 0))) - theta[j];
          }
          for (int i = 0; i < n; i++) {
            double h = 1e-5, save = theta[i];
            theta[i] = save + h;
            double up = reinmaxSurrogate(theta, c, gd);
            theta[i] = save - h;
            double down = reinmaxSurrogate(theta, c, gd);
            theta[i] = save;
            double fd = (up - down) / (2 * h);
            assertEquals(fd, grad[r * n + i], 2e-5 * (1 + Math.abs(fd)), "tau " + tau + " row "
                + r + " column " + i);
          }
        }
      }
    }
  }

  /**
   * GST's gradient is the derivative of &lt;g, softmax((theta + c) / tau)&gt; with the move c of
   * the logits held constant (D lifted to the maximum, the others at least the gap below it):
   * GST-1.0 and GST-p, central finite differences in double; and the moved logits' argmax is D.
   */
  /**
   * ReinMax at tau = 1 is ZGR: with pi = (p + e_D) / 2, 2 J(pi) g - J(p) g / 2 has components
   * p_j (g_j - g_D) / 2 off D and (g_D - &lt;p, g&gt;)(1 - p_D) / 2 at D, ZGR's. The same D
   * (given), arities 2 to 16, every backend; a tau away from 1 differs.
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void reinMaxAtTemperatureOneIsZgr(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(11);
      for (int n : new int[] {2, 3, 16}) {
        int rows = 300;
        float[] th = TestData.gaussian(rnd, rows * n), g = TestData.gaussian(rnd, rows * n);
        for (int i = 0; i < th.length; i++) th[i] *= 3;
        NoiseKey key = NoiseKey.of(12);
        PathwiseEstimator zgr = Estimators.zgr(), reinMax = Estimators.reinMax(1f);
        Sample z = zgr.forward(gr, th, rows, n, key, null);
        float[] a = new float[rows * n], b = new float[rows * n], c = new float[rows * n];
        zgr.backward(z, g, a);
        reinMax.backward(reinMax.given(gr, th, rows, n, key, z.choices()), g, b);
        PathwiseEstimator warm = Estimators.reinMax(2f);
        warm.backward(warm.given(gr, th, rows, n, key, z.choices()), g, c);
        double off = 0;
        for (int i = 0; i < a.length; i++) {
          assertEquals(a[i], b[i], 1e-5 * (1 + Math.abs(a[i])), "arity " + n + " entry " + i);
          off = Math.max(off, Math.abs(a[i] - c[i]));
        }
        assertTrue(off > 1e-3, "tau 2 must differ from ZGR, max difference " + off);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void gappedStraightThroughIsTheDerivativeOfItsSurrogate(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(6);
      int rows = 30, n = 6;
      for (float tau : new float[] {0.5f, 1f, 3f}) {
        float[] th = TestData.logits(rnd, rows, n, 1.5, 0.0), g = TestData.gaussian(rnd, rows * n);
        int[] d = TestData.choices(rnd, th, rows, n);
        for (boolean adaptive : new boolean[] {false, true}) {
          PathwiseEstimator est = adaptive ? Estimators.gappedStraightThroughP(tau)
              : Estimators.gappedStraightThrough(tau);
          float[] grad = new float[rows * n];
          est.backward(est.given(gr, th, rows, n, NoiseKey.of(1), d), g, grad);
          for (int r = 0; r < rows; r++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) m = Math.max(m, th[r * n + j]);
            double[] p = softmax(th, r * n, n, 1);
            double pd = p[d[r]] * (1 - 1e-5);
            double gap = adaptive ? -Math.log(1 - pd) / pd : 1;
            double[] moved = new double[n], c = new double[n];
            for (int j = 0; j < n; j++) {
              moved[j] = j == d[r] ? m : Math.min(th[r * n + j], m - gap);
              c[j] = moved[j] - th[r * n + j];
            }
            for (int j = 0; j < n; j++) {
              assertTrue(j == d[r] || moved[j] < moved[d[r]], "argmax of the moved logits");
            }
            for (int i = 0; i < n; i++) {
              double h = 1e-5 * tau;
              double[] up = new double[n], down = new double[n];
              for (int j = 0; j < n; j++) {
                up[j] = th[r * n + j] + c[j] + (j == i ? h : 0);
                down[j] = th[r * n + j] + c[j] - (j == i ? h : 0);
              }
              double fd = (softmaxDot(up, g, r * n, tau) - softmaxDot(down, g, r * n, tau))
                  / (2 * h);
              assertEquals(fd, grad[r * n + i], 2e-5 * (1 + Math.abs(fd)), est + " row " + r
                  + " column " + i);
            }
          }
        }
      }
    }
  }

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

  // --------------------------------------------------------------- RLOO and DisARM

  /** An arbitrary loss of each class (not linear in the one-hot). */
  private static double loss(int row, int d) {
    return Math.cos(1.7 * d + 0.3 * row) * (1 + d * d);
  }

  /**
   * RLOO is unbiased for any loss: the Monte Carlo mean of S = 2 and S = 5 sample estimates
   * matches sum_D f(D) p_D (e_D - p), enumerated, within 5 standard errors.
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void rlooIsUnbiasedForAnyLoss(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      float[][] rows = {{0.3f, -1.2f}, {0.5f, 0.1f, -0.7f}, {1.5f, -0.2f, 0.4f, -2f}};
      for (float[] theta : rows) {
        int n = theta.length;
        double[] p = softmax(theta, 0, n, 1), truth = new double[n];
        for (int d = 0; d < n; d++) {
          for (int j = 0; j < n; j++) truth[j] += loss(0, d) * p[d] * ((j == d ? 1 : 0) - p[j]);
        }
        for (int s : new int[] {2, 5}) {
          ScoreFunctionEstimator est = Estimators.rloo(s);
          assertEquals(s, est.draws());
          int m = 30_000;
          float[] values = new float[s * m * n];
          Sample sample = est.forward(gr, repeat(theta, m), m, n, NoiseKey.of(9), values);
          float[] losses = new float[s * m];
          for (int i = 0; i < s * m; i++) {
            losses[i] = (float) loss(0, sample.choice(i));
            assertEquals(1f, values[i * n + sample.choice(i)], "values are the draws' one-hot");
          }
          float[] grads = new float[m * n];
          est.backward(sample, losses, grads);
          assertMeansMatch(truth, grads, m, n, "RLOO-" + s + " arity " + n);
        }
      }
    }
  }

  /**
   * DisARM is unbiased for any loss of a binary variable: its Monte Carlo mean matches
   * (f(1) - f(0)) q (1 - q), q = sigmoid(eta), within 5 standard errors; the pair is antithetic
   * (b and b~ differ only where |L| &gt; |eta|) and each is Bernoulli(q).
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void disarmIsUnbiasedForAnyLoss(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      ScoreFunctionEstimator est = Estimators.disarm();
      assertEquals(2, est.draws());
      for (float eta : new float[] {-1.3f, 0.2f, 2.5f}) {
        int m = 40_000;
        float[] th = new float[m];
        java.util.Arrays.fill(th, eta);
        float[] values = new float[2 * m];
        Sample s = est.forward(gr, th, m, 1, NoiseKey.of(4), values);
        float[] losses = new float[2 * m];
        int ones = 0;
        for (int i = 0; i < 2 * m; i++) {
          losses[i] = (float) loss(0, s.choice(i));
          assertEquals((float) s.choice(i), values[i]);
          if (i < m) ones += s.choice(i);
        }
        double q = 1 / (1 + Math.exp(-eta));
        assertTrue(Math.abs((double) ones / m - q) < 5 * Math.sqrt(q * (1 - q) / m));
        float[] grads = new float[m];
        est.backward(s, losses, grads);
        double truth = (loss(0, 1) - loss(0, 0)) * q * (1 - q);
        assertMeansMatch(new double[] {truth}, grads, m, 1, "DisARM eta " + eta);
      }
    }
  }

  // ------------------------------------------------------------ GR, total derivative

  /**
   * Gumbel-Rao with the total derivative is the derivative of
   * (1/K) sum_k &lt;g, softmax(z^k(theta) / tau)&gt; with the exponential draws E held fixed:
   * z_D = lse - log E_D, z_j = -log(E_j e^-theta_j + E_D e^-lse), central finite differences in
   * double with the E of the key's slots; and the detached option is the plain GR-MCK.
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void totalDerivativeGumbelRaoIsTheDerivativeWithTheDrawsFixed(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(12);
      int rows = 12, n = 5, k = 7;
      for (float tau : new float[] {0.5f, 1f, 2f}) {
        float[] th = TestData.logits(rnd, rows, n, 1.0, 0.0), g = TestData.gaussian(rnd, rows * n);
        int[] d = TestData.choices(rnd, th, rows, n);
        NoiseKey key = new NoiseKey(rnd.nextLong(), 3);
        PathwiseEstimator total = Estimators.gumbelRao(k, tau, Estimators.Derivative.TOTAL);
        assertEquals("GR-MC7-total", total.name());
        float[] grad = new float[rows * n];
        total.backward(total.given(gr, th, rows, n, key, d), g, grad);
        int[] words = new int[4];
        for (int r = 0; r < rows; r++) {
          double[][] e = new double[k][n];
          for (int kk = 0; kk < k; kk++) {
            for (int j = 0; j < n; j++) {
              Formulas.philox(key.seed(), j / 4, r, Formulas.conditionalSlot(kk),
                  key.offsetWord(), words);
              e[kk][j] = Formulas.exponentialFromUniform(Formulas.uniformOpen(words[j % 4]));
            }
          }
          for (int i = 0; i < n; i++) {
            double h = 1e-5, up = 0, down = 0;
            double[] theta = new double[n];
            for (int j = 0; j < n; j++) theta[j] = th[r * n + j];
            theta[i] += h;
            up = drawsFixed(theta, d[r], e, g, r * n, tau);
            theta[i] -= 2 * h;
            down = drawsFixed(theta, d[r], e, g, r * n, tau);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, grad[r * n + i], 3e-5 * (1 + Math.abs(fd)), "tau " + tau + " row "
                + r + " column " + i);
          }
        }
        // DETACHED is GR-MCK itself, bit for bit
        float[] a = new float[rows * n], b = new float[rows * n];
        PathwiseEstimator detached = Estimators.gumbelRao(k, tau, Estimators.Derivative.DETACHED);
        PathwiseEstimator plain = Estimators.gumbelRao(k, tau);
        assertEquals(plain, detached);
        detached.backward(detached.given(gr, th, rows, n, key, d), g, a);
        plain.backward(plain.given(gr, th, rows, n, key, d), g, b);
        assertArrayEquals(b, a);
      }
    }
  }

  /** (1/K) sum_k &lt;g, softmax(z^k / tau)&gt; with z^k from theta and fixed draws E. */
  private static double drawsFixed(double[] theta, int d, double[][] e, float[] g, int off,
      double tau) {
    int n = theta.length;
    double m = Double.NEGATIVE_INFINITY;
    for (double v : theta) m = Math.max(m, v);
    double s = 0;
    for (double v : theta) s += Math.exp(v - m);
    double lse = m + Math.log(s);
    double f = 0;
    for (double[] ek : e) {
      double[] z = new double[n];
      for (int j = 0; j < n; j++) {
        z[j] = j == d ? lse - Math.log(ek[d])
            : -Math.log(ek[j] * Math.exp(-theta[j]) + ek[d] * Math.exp(-lse));
      }
      f += softmaxDot(z, g, off, tau);
    }
    return f / e.length;
  }

  private static double[] toDouble(float[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) out[i] = x[i];
    return out;
  }
}
