package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

/**
 * ZGR for binary variables ({@link Estimators#zgrBinary()}): one logit eta per Bernoulli
 * variable, b ~ Bernoulli(sigmoid(eta)), the same gradient as 2-class ZGR on logits (0, eta).
 */
class ZgrBinaryTest {
  /**
   * Binary ZGR equals 2-class ZGR on logits (0, eta) with the same sample: b = D, the 2-class
   * upstream (0, g) (the values' gradient at onehot(D)_1 = b), dL/deta = dL/dtheta_1 (and
   * dL/dtheta_0 its negative).
   */
  @EveryBackend
  void binaryZgrIsTwoClassZgrOnLogitsZeroAndEta(Backend gr) {
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

  /**
   * Its formula, dL/deta = g (b (1 - q) + (1 - b) q) / 2 with q = sigmoid(eta), at given b; an
   * infinite logit makes one outcome certain, and a given D of the other is refused.
   */
  @EveryBackend
  void itsGradientIsHalfTheUpstreamTimesTheProbabilityOfTheOtherOutcome(Backend gr) {
    float[] eta = {-2f, -0.3f, 0f, 0.8f, 3f, Float.POSITIVE_INFINITY};
    float[] g = {1f, -0.5f, 2f, 0.25f, -1.5f, 0.7f};
    int[] b = {0, 1, 1, 0, 1, 1};
    PathwiseEstimator est = Estimators.zgrBinary();
    float[] grad = new float[eta.length];
    est.backward(est.given(gr, eta, eta.length, 1, NoiseKey.of(1), b), g, grad);
    for (int r = 0; r < eta.length; r++) {
      double q = 1 / (1 + Math.exp(-(double) eta[r]));
      double expected = g[r] * (b[r] * (1 - q) + (1 - b[r]) * q) / 2;
      assertEquals(expected, grad[r], 1e-6 * Math.abs(expected) + 1e-30, "row " + r);
    }
    float[] certain = {0.5f, Float.POSITIVE_INFINITY};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> est.backward(
        est.given(gr, certain, 2, 1, NoiseKey.of(1), new int[] {1, 0}), new float[2],
        new float[2]));
    assertTrue(e.getMessage().startsWith("choice: row 1 is an outcome its logit makes "
        + "impossible"), e.getMessage());
  }
}
