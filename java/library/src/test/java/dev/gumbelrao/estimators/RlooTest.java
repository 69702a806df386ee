package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;

/**
 * RLOO-S, REINFORCE leave-one-out ({@link Estimators#rloo(int)}): S samples of each row, each
 * sample's baseline the mean of the others' losses; unbiased for any loss.
 */
class RlooTest {
  /**
   * RLOO is unbiased for any loss: the Monte Carlo mean of S = 2 and S = 5 sample estimates
   * matches sum_D f(D) p_D (e_D - p), enumerated, within 5 standard errors.
   */
  @EveryBackend
  void rlooIsUnbiasedForAnyLoss(Backend gr) {
    for (float[] theta : Exact.SMALL_ROWS) {
      int n = theta.length;
      double[] p = Exact.softmax(theta, 0, n, 1), truth = new double[n];
      for (int d = 0; d < n; d++) {
        for (int j = 0; j < n; j++) {
          truth[j] += Exact.loss(0, d) * p[d] * ((j == d ? 1 : 0) - p[j]);
        }
      }
      for (int s : new int[] {2, 5}) {
        ScoreFunctionEstimator est = Estimators.rloo(s);
        assertEquals(s, est.draws());
        int m = 30_000;
        float[] values = new float[s * m * n];
        Sample sample = est.forward(gr, Exact.repeat(theta, m), m, n, NoiseKey.of(9), values);
        float[] losses = new float[s * m];
        for (int i = 0; i < s * m; i++) {
          losses[i] = (float) Exact.loss(0, sample.choice(i));
          assertEquals(1f, values[i * n + sample.choice(i)], "values are the draws' one-hot");
        }
        float[] grads = new float[m * n];
        est.backward(sample, losses, grads);
        Exact.assertMeansMatch(truth, grads, m, n, "RLOO-" + s + " arity " + n);
      }
    }
  }

  /**
   * Its draw s is the Gumbel-max sample of the sub-key key.derive(s) (what
   * {@link Backend#sample} draws with it), laid out [draw][row]; and its gradient is
   * 1/(S - 1) sum_s (f_s - mean f)(e_{D_s} - p), computed here in double.
   */
  @EveryBackend
  void drawSIsTheSubKeysSampleAndTheGradientItsFormula(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(41);
    int rows = 50, arity = 6, s = 4;
    float[] th = TestData.logits(rnd, rows, arity, 1.5, 0.2);
    NoiseKey key = new NoiseKey(17, 4);
    ScoreFunctionEstimator est = Estimators.rloo(s);
    Sample sample = est.forward(gr, th, rows, arity, key, null);
    int[] all = sample.choices();
    for (int k = 0; k < s; k++) {
      int[] d = TestData.sample(gr, th, rows, arity, key.derive(k));
      assertArrayEquals(d, java.util.Arrays.copyOfRange(all, k * rows, (k + 1) * rows),
          "draw " + k);
    }
    float[] losses = TestData.gaussian(rnd, s * rows), grad = new float[rows * arity];
    est.backward(sample, losses, grad);
    for (int r = 0; r < rows; r++) {
      double[] p = Exact.softmax(th, r * arity, arity, 1);
      double mean = 0;
      for (int k = 0; k < s; k++) mean += losses[k * rows + r] / (double) s;
      for (int j = 0; j < arity; j++) {
        double expected = 0;
        for (int k = 0; k < s; k++) {
          expected += (losses[k * rows + r] - mean)
              * ((all[k * rows + r] == j ? 1 : 0) - p[j]) / (s - 1);
        }
        assertEquals(expected, grad[r * arity + j], 1e-5 * (1 + Math.abs(expected)),
            "row " + r + " column " + j);
      }
    }
  }
}
