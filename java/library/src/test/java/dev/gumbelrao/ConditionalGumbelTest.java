package dev.gumbelrao;

import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.apache.commons.statistics.distribution.GumbelDistribution;
import org.apache.commons.statistics.inference.KolmogorovSmirnovTest;

/**
 * The conditional Gumbel sampler (estimators.md, "Conditional Gumbel noise"), on every backend:
 * argmax(theta + G^k) = D exactly, at every logit scale, for unlikely D and with masked classes;
 * and, marginally over D ~ Cat(p), G^k is iid Gumbel(0, 1).
 *
 * <p>Statistical checks use fixed seeds; each threshold is set so that a correct sampler fails
 * it with probability at most 1e-6 (p-value &lt; 1e-6, or a z-score beyond 5.0, two-sided
 * probability 5.7e-7).
 */
class ConditionalGumbelTest {
  private static final double P_MIN = 1e-6;
  private static final double Z_MAX = 5.0;

  @EveryBackend
  void everyConditionalDrawKeepsTheChosenClassOnTop(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(1);
    for (double scale : new double[] {1e-3, 1, 30, 1e4}) {
      int rows = 400, arity = 7, k = 64;
      float[] th = TestData.logits(rnd, rows, arity, scale, 0.2);
      int[] d = TestData.choices(rnd, th, rows, arity); // often a very unlikely class
      float[] noise = new float[k * rows * arity];
      gr.conditionalGumbel(th, d, rows, arity, k, new NoiseKey(rnd.nextLong(), 0), noise);
      for (int s = 0; s < k; s++) {
        for (int r = 0; r < rows; r++) {
          int base = (s * rows + r) * arity;
          float zD = th[r * arity + d[r]] + noise[base + d[r]];
          assertTrue(Float.isFinite(zD));
          for (int j = 0; j < arity; j++) {
            if (j == d[r]) continue;
            float zj = th[r * arity + j] + noise[base + j];
            assertTrue(zj < zD, "scale " + scale + " draw " + s + " row " + r + ": z_" + j
                + " = " + zj + " is not below z_D = " + zD);
            assertTrue(Float.isFinite(noise[base + j]), "masked classes get finite noise");
          }
        }
      }
    }
  }

  @EveryBackend
  void marginallyOverDTheNoiseIsStandardGumbel(Backend gr) {
    int rows = 20_000, arity = 4, k = 3;
    float[] th = TestData.logits(new SplittableRandom(2), rows, arity, 1.5, 0.0);
    NoiseKey key = new NoiseKey(77, 5);
    int[] d = TestData.sample(gr, th, rows, arity, key); // D ~ Cat(p), from slot 0
    float[] noise = new float[k * rows * arity];
    gr.conditionalGumbel(th, d, rows, arity, k, key, noise); // slots 1..k
    GumbelDistribution gumbel = GumbelDistribution.of(0, 1);
    for (int s = 0; s < k; s++) {
      // rows are independent and, marginally, so are the classes of a row: n iid values
      double[] x = new double[rows * arity];
      for (int i = 0; i < x.length; i++) x[i] = noise[s * rows * arity + i];
      double p = KolmogorovSmirnovTest.withDefaults()
          .test(x, gumbel::cumulativeProbability).getPValue();
      assertTrue(p >= P_MIN, "draw " + s + ": Kolmogorov-Smirnov p = " + p);
      double mean = 0;
      for (double v : x) mean += v;
      mean /= x.length;
      double var = 0;
      for (double v : x) var += (v - mean) * (v - mean);
      var /= x.length - 1;
      double euler = 0.5772156649015329, pi2over6 = Math.PI * Math.PI / 6;
      // sd of the mean: sqrt(pi^2/6 / n); of the variance: (pi^2/6) sqrt((kurtosis - 1) / n)
      // with Gumbel kurtosis 5.4
      double zMean = (mean - euler) / Math.sqrt(pi2over6 / x.length);
      double zVar = (var - pi2over6) / (pi2over6 * Math.sqrt(4.4 / x.length));
      assertTrue(Math.abs(zMean) < Z_MAX, "mean " + mean + " (z = " + zMean + ")");
      assertTrue(Math.abs(zVar) < Z_MAX, "variance " + var + " (z = " + zVar + ")");
    }
  }

  @EveryBackend
  void arityOneGivesStandardGumbelAndZeroGradient(Backend gr) {
    int rows = 5000;
    float[] th = TestData.gaussian(new SplittableRandom(3), rows);
    int[] d = new int[rows];
    NoiseKey key = new NoiseKey(3, 3);
    gr.sample(th, rows, 1, key, d, null);
    for (int r = 0; r < rows; r++) assertEquals(0, d[r]);
    float[] noise = new float[rows];
    gr.conditionalGumbel(th, d, rows, 1, 1, key, noise);
    double[] x = new double[rows];
    for (int i = 0; i < rows; i++) x[i] = noise[i];
    GumbelDistribution gumbel = GumbelDistribution.of(0, 1);
    assertTrue(KolmogorovSmirnovTest.withDefaults().test(x, gumbel::cumulativeProbability)
        .getPValue() >= P_MIN);
    float[] grad = new float[rows];
    PathwiseEstimator est = Estimators.gumbelRao(10, 0.5f);
    est.backward(est.given(gr, th, rows, 1, key, d),
        TestData.gaussian(new SplittableRandom(4), rows), grad);
    for (float v : grad) assertEquals(0f, v);
  }
}
