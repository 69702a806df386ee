package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

/**
 * DisARM ({@link Estimators#disarm()}) for binary variables: an antithetic pair of draws per
 * variable and their losses; unbiased for any loss.
 */
class DisArmTest {
  /**
   * DisARM is unbiased for any loss of a binary variable: its Monte Carlo mean matches
   * (f(1) - f(0)) q (1 - q), q = sigmoid(eta), within 5 standard errors; the pair is antithetic
   * (b and b~ differ only where |L| &gt; |eta|) and each is Bernoulli(q).
   */
  @EveryBackend
  void disarmIsUnbiasedForAnyLoss(Backend gr) {
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
        losses[i] = (float) Exact.loss(0, s.choice(i));
        assertEquals((float) s.choice(i), values[i]);
        if (i < m) ones += s.choice(i);
      }
      double q = 1 / (1 + Math.exp(-eta));
      assertTrue(Math.abs((double) ones / m - q) < 5 * Math.sqrt(q * (1 - q) / m));
      float[] grads = new float[m];
      est.backward(s, losses, grads);
      double truth = (loss(1) - loss(0)) * q * (1 - q);
      Exact.assertMeansMatch(new double[] {truth}, grads, m, 1, "DisARM eta " + eta);
    }
  }

  private static double loss(int d) {
    return Exact.loss(0, d);
  }

  /**
   * Its first draw is the b = [eta + L > 0] that ZGR-binary draws with the same key; where the
   * pair differs, b~ = 1 - b; and its gradient is 1/2 (f(b) - f(b~)) (-1)^b~ [b != b~]
   * sigmoid(|eta|), computed here in double.
   */
  @EveryBackend
  void itsFirstDrawIsZgrBinarysAndTheGradientItsFormula(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(43);
    int rows = 400;
    float[] eta = TestData.gaussian(rnd, rows);
    for (int r = 0; r < rows; r++) eta[r] *= 2;
    NoiseKey key = new NoiseKey(23, 1);
    ScoreFunctionEstimator est = Estimators.disarm();
    Sample s = est.forward(gr, eta, rows, 1, key, null);
    int[] pair = s.choices();
    int[] b = Estimators.zgrBinary().forward(gr, eta, rows, 1, key, null).choices();
    assertArrayEquals(b, java.util.Arrays.copyOf(pair, rows));
    float[] losses = TestData.gaussian(rnd, 2 * rows), grad = new float[rows];
    est.backward(s, losses, grad);
    for (int r = 0; r < rows; r++) {
      int b1 = pair[r], b2 = pair[rows + r];
      double expected = b1 == b2 ? 0 : 0.5 * (losses[r] - losses[rows + r])
          * (b2 == 1 ? -1 : 1) / (1 + Math.exp(-Math.abs((double) eta[r])));
      assertEquals(expected, grad[r], 1e-6 * Math.abs(expected) + 1e-30, "row " + r);
    }
  }
}
