package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.TestBackends;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gapped straight-through estimators, GST-1.0 ({@link Estimators#gappedStraightThrough}) and
 * GST-p ({@link Estimators#gappedStraightThroughP}): backward J(s) g / tau with s the softmax of
 * the logits moved so that D is their maximum and every other class at least the gap below it.
 */
class GappedStraightThroughTest {
  /**
   * GST's gradient is the derivative of &lt;g, softmax((theta + c) / tau)&gt; with the move c of
   * the logits held constant (D lifted to the maximum, the others at least the gap below it):
   * GST-1.0 and GST-p, central finite differences in double; and the moved logits' argmax is D.
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.testing.TestBackends#all")
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
            double[] p = Exact.softmax(th, r * n, n, 1);
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
              double fd = (Exact.softmaxDot(up, g, r * n, tau)
                  - Exact.softmaxDot(down, g, r * n, tau)) / (2 * h);
              assertEquals(fd, grad[r * n + i], 2e-5 * (1 + Math.abs(fd)), est + " row " + r
                  + " column " + i);
            }
          }
        }
      }
    }
  }
}
