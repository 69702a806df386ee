package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

/**
 * ReinMax ({@link Estimators#reinMax(float)}): D ~ Cat(p), backward 2 J(pi) g - 1/2 J(p) g with
 * pi = (softmax(theta / tau) + e_D) / 2; the derivative of its surrogate, and ZGR at tau = 1.
 */
class ReinMaxTest {
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
  @EveryBackend
  void reinMaxIsTheDerivativeOfItsSurrogate(Backend gr) {
    TemperedRows.given(gr, 4, 30, 5, 1.0, new float[] {0.3f, 1f, 2.5f}, in -> {
      int n = in.arity();
      float tau = in.tau();
      float[] grad = in.givenGradient(Estimators.reinMax(tau), NoiseKey.of(1));
      for (int r = 0; r < in.rows(); r++) {
        double[] theta = new double[n], gd = new double[n], c = new double[n];
        double[] s = Exact.softmax(in.th(), r * n, n, tau);
        for (int j = 0; j < n; j++) {
          theta[j] = in.th()[r * n + j];
          gd[j] = in.g()[r * n + j];
          c[j] = Math.log(0.5 * (s[j] + (j == in.d()[r] ? 1 : 0))) - theta[j];
        }
        Exact.assertClose(Exact.centralDifference(theta, 1e-5, t -> reinmaxSurrogate(t, c, gd)),
            grad, r * n, 2e-5, "tau " + tau + " row " + r);
      }
    });
  }

  /**
   * ReinMax at tau = 1 is ZGR: with pi = (p + e_D) / 2, 2 J(pi) g - J(p) g / 2 has components
   * p_j (g_j - g_D) / 2 off D and (g_D - &lt;p, g&gt;)(1 - p_D) / 2 at D, ZGR's. The same D
   * (given), arities 2 to 16, every backend; a tau away from 1 differs.
   */
  @EveryBackend
  void reinMaxAtTemperatureOneIsZgr(Backend gr) {
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
