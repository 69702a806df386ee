package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ZGR ({@link Estimators#zgr()}), the zero-temperature limit of Gumbel-Rao, on every backend:
 * unbiased for linear losses (enumerated exactly, and by Monte Carlo), and the limit of GR-MCK as
 * tau -&gt; 0. (ReinMax at tau = 1 equals it: {@link ReinMaxTest}; its binary version:
 * {@link ZgrBinaryTest}.)
 */
class ZgrTest {
  /**
   * ZGR is unbiased for linear losses f(D) = &lt;b, D&gt;: sum_D p_D ZGR(D) = J(p) b exactly
   * (enumerated, to float rounding), and the Monte Carlo mean of sampled D agrees.
   */
  @EveryBackend
  void zgrIsUnbiasedForLinearLosses(Backend gr) {
    for (float[] theta : Exact.SMALL_ROWS) {
      int n = theta.length;
      float[] b = new float[n];
      for (int j = 0; j < n; j++) b[j] = (float) Math.sin(3 * j + 1);
      double[] p = Exact.softmax(theta, 0, n, 1), truth = Exact.jvp(p, Exact.toDouble(b));
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
      zgr.backward(zgr.forward(gr, Exact.repeat(theta, m), m, n, NoiseKey.of(5), null),
          Exact.repeat(b, m), grads);
      Exact.assertMeansMatch(truth, grads, m, n, "ZGR arity " + n);
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
  @EveryBackend
  void gumbelRaoTendsToZgrAsTheTemperatureFalls(Backend gr) {
    float[] theta = {0.8f, -0.3f, 0.1f, -1.1f};
    float[] g = {0.5f, -1f, 2f, 0.3f};
    int n = theta.length, batches = 4;
    // one row per D: all four D of the row in one call
    float[] th = Exact.repeat(theta, n), up = Exact.repeat(g, n);
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
