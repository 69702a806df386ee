package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.backends.Formulas;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static dev.gumbelrao.testing.Backwards.gumbelRao;
import static dev.gumbelrao.testing.Backwards.straightThroughGumbelSoftmax;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.commons.statistics.inference.KolmogorovSmirnovTest;

/**
 * Gumbel-Rao, GR-MCK ({@link Estimators#gumbelRao(int, float)}), detached and with the total
 * derivative (GR-MCK-total), on every backend:
 * <ul>
 *   <li>its backward pass is the mean of the softmax Jacobian-vector products at its K conditional
 *       draws (finite differences, the draws the sampler materialises);
 *   <li>E[GR | D] = E[ST-GS | D] (Rao-Blackwellisation keeps the mean);
 *   <li>the variance of GR-MCK is at most that of ST-GS and falls as 1/K given D; GR-MC1 is
 *       ST-GS in distribution;
 *   <li>the total derivative is the derivative with the exponential draws held fixed, and the
 *       detached option is plain GR-MCK.
 * </ul>
 * (Its zero-temperature limit, ZGR: {@link ZgrTest}.) Statistical thresholds: see {@link Exact};
 * the ratio tr Var(GR-MC(K)) / tr Var(GR-MC(10 K)) given D, exactly 10 in expectation (a mean of
 * K iid draws), is required to lie in [8, 12.5]: over 80 estimates with M = 4000 draws and fresh
 * keys it ranged over [9.17, 10.88] (standard deviation about 0.35), so the bounds lie more than
 * 5 standard deviations away.
 */
class GumbelRaoTest {
  /**
   * GR-MC5's backward pass is the average over its K conditional draws G^k | D (as
   * {@link Backend#conditionalGumbel} materialises them) of the Jacobian-vector products of
   * softmax((theta + G^k) / tau): central finite differences in double, at tau 0.3, 1 and 4.
   * (The inputs of the ST and ST-GS versions of this test, seed 9.)
   */
  @EveryBackend
  void backwardIsTheMeanOfTheDerivativesAtItsConditionalDraws(Backend gr) {
    TemperedRows.drawn(gr, 9, in -> {
      int rows = in.rows(), arity = in.arity(), k = 5;
      int[] d = TestData.sample(in.gr(), in.th(), rows, arity, in.key());
      float[] grk = new float[rows * arity];
      gumbelRao(in.gr(), in.th(), d, in.g(), rows, arity, k, in.tau(), in.key(), grk);
      float[] noise = new float[k * rows * arity];
      in.gr().conditionalGumbel(in.th(), d, rows, arity, k, in.key(), noise);
      in.assertSoftmaxDerivative(grk, r -> {
        float[][] gks = new float[k][arity];
        for (int s = 0; s < k; s++) {
          System.arraycopy(noise, (s * rows + r) * arity, gks[s], 0, arity);
        }
        return gks;
      }, "GR");
    });
  }

  @EveryBackend
  void gumbelRaoHasTheMeanOfStGsGivenD(Backend gr) {
    float[] theta = {0.4f, -0.3f, 0.1f};
    float[] up = {1.0f, -0.5f, 0.3f};
    int arity = 3, rows = 60_000;
    float tau = 0.5f;
    float[] th = Exact.repeat(theta, rows), g = Exact.repeat(up, rows);
    NoiseKey key = new NoiseKey(31, 7);
    int[] d = TestData.sample(gr, th, rows, arity, key);
    float[] stgs = new float[rows * arity], grk = new float[rows * arity];
    straightThroughGumbelSoftmax(gr, th, g, rows, arity, tau, key, stgs);
    gumbelRao(gr, th, d, g, rows, arity, 10, tau, key, grk);
    for (int c = 0; c < arity; c++) {
      for (int j = 0; j < arity; j++) {
        double[] a = Exact.moments(stgs, d, c, j, arity), b = Exact.moments(grk, d, c, j, arity);
        double z = (a[0] - b[0]) / Math.sqrt(a[1] / a[2] + b[1] / b[2]);
        assertTrue(Math.abs(z) < Exact.Z_MAX, "D = " + c + ", component " + j
            + ": E[ST-GS|D] = " + a[0] + ", E[GR|D] = " + b[0] + " (z = " + z + ")");
      }
    }
  }

  @EveryBackend
  void varianceFallsWithKAndStaysBelowStGs(Backend gr) {
    float[] theta = {1.0f, 0.2f, -0.5f, 0.0f};
    float[] up = {0.7f, -1.0f, 0.4f, 0.2f};
    int arity = 4, rows = 4000;
    float tau = 0.5f;
    float[] th = Exact.repeat(theta, rows), g = Exact.repeat(up, rows);
    int[] d = new int[rows]; // D = 0 for every row: the conditional variance given D
    double[] traces = new double[3];
    int[] ks = {1, 10, 100};
    for (int i = 0; i < ks.length; i++) {
      float[] out = new float[rows * arity];
      gumbelRao(gr, th, d, g, rows, arity, ks[i], tau, new NoiseKey(11, i), out);
      traces[i] = Exact.traceCovariance(out, rows, arity);
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
    straightThroughGumbelSoftmax(gr, th, g, rows, arity, tau, key, stgs);
    gumbelRao(gr, th, d, g, rows, arity, 1, tau, key, gr1);
    gumbelRao(gr, th, d, g, rows, arity, 10, tau, key, gr10);
    double vStgs = Exact.traceCovariance(stgs, rows, arity);
    double vGr10 = Exact.traceCovariance(gr10, rows, arity);
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

  /**
   * Gumbel-Rao with the total derivative is the derivative of
   * (1/K) sum_k &lt;g, softmax(z^k(theta) / tau)&gt; with the exponential draws E held fixed:
   * z_D = lse - log E_D, z_j = -log(E_j e^-theta_j + E_D e^-lse), central finite differences in
   * double with the E of the key's slots; and the detached option is the plain GR-MCK.
   */
  @EveryBackend
  void totalDerivativeGumbelRaoIsTheDerivativeWithTheDrawsFixed(Backend gr) {
    TemperedRows.given(gr, 12, 12, 5, 1.0, new float[] {0.5f, 1f, 2f}, in -> {
      int rows = in.rows(), n = in.arity(), k = 7;
      float tau = in.tau();
      NoiseKey key = new NoiseKey(in.rnd().nextLong(), 3);
      PathwiseEstimator total = Estimators.gumbelRao(k, tau, Estimators.Derivative.TOTAL);
      assertEquals("GR-MC7-total", total.name());
      float[] grad = in.givenGradient(total, key);
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
        double[] theta = new double[n];
        for (int j = 0; j < n; j++) theta[j] = in.th()[r * n + j];
        int dr = in.d()[r], off = r * n;
        Exact.assertClose(Exact.centralDifference(theta, 1e-5,
            t -> drawsFixed(t, dr, e, in.g(), off, tau)), grad, off, 3e-5,
            "tau " + tau + " row " + r);
      }
      // DETACHED is GR-MCK itself, bit for bit
      PathwiseEstimator detached = Estimators.gumbelRao(k, tau, Estimators.Derivative.DETACHED);
      PathwiseEstimator plain = Estimators.gumbelRao(k, tau);
      assertEquals(plain, detached);
      assertArrayEquals(in.givenGradient(plain, key), in.givenGradient(detached, key));
    });
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
      f += Exact.softmaxDot(z, g, off, tau);
    }
    return f / e.length;
  }
}
