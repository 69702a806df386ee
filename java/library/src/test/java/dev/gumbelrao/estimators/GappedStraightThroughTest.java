package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
  @EveryBackend
  void gappedStraightThroughIsTheDerivativeOfItsSurrogate(Backend gr) {
    TemperedRows.given(gr, 6, 30, 6, 1.5, new float[] {0.5f, 1f, 3f}, in -> {
      int n = in.arity();
      float[] th = in.th();
      int[] d = in.d();
      for (boolean adaptive : new boolean[] {false, true}) {
        PathwiseEstimator est = adaptive ? Estimators.gappedStraightThroughP(in.tau())
            : Estimators.gappedStraightThrough(in.tau());
        float[] grad = in.givenGradient(est, NoiseKey.of(1));
        for (int r = 0; r < in.rows(); r++) {
          double m = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < n; j++) m = Math.max(m, th[r * n + j]);
          double[] p = Exact.softmax(th, r * n, n, 1);
          double pd = p[d[r]] * (1 - 1e-5);
          double gap = adaptive ? -Math.log(1 - pd) / pd : 1;
          double[] moved = new double[n], shifted = new double[n];
          for (int j = 0; j < n; j++) {
            moved[j] = j == d[r] ? m : Math.min(th[r * n + j], m - gap);
            shifted[j] = th[r * n + j] + (moved[j] - th[r * n + j]);  // theta + c, c held fixed
          }
          for (int j = 0; j < n; j++) {
            assertTrue(j == d[r] || moved[j] < moved[d[r]], "argmax of the moved logits");
          }
          int off = r * n;
          Exact.assertClose(Exact.centralDifference(shifted, 1e-5 * in.tau(),
              z -> Exact.softmaxDot(z, in.g(), off, in.tau())), grad, off, 2e-5,
              est + " row " + r);
        }
      }
    });
  }
}
