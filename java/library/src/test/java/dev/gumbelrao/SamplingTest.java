package dev.gumbelrao;

import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.statistics.inference.ChiSquareTest;

/**
 * Sampling D by Gumbel-max on every backend: frequencies match p (chi-square, false-failure
 * probability 1e-6 at most), masked classes are never drawn, the one-hot output matches D, and
 * the Gumbel-Softmax sample of the same key has its maximum at D.
 */
class SamplingTest {
  @EveryBackend
  void frequenciesMatchTheSoftmaxAndMaskedClassesNeverAppear(Backend gr) {
    double[] p = {0.001, 0.05, 0.149, 0.3, 0.0, 0.5};
    int arity = p.length, rows = 200_000;
    float[] row = new float[arity];
    for (int j = 0; j < arity; j++) row[j] = (float) (Math.log(p[j]) + 3.0); // shift-invariant
    float[] th = new float[rows * arity];
    for (int r = 0; r < rows; r++) System.arraycopy(row, 0, th, r * arity, arity);
    int[] d = TestData.sample(gr, th, rows, arity, new NoiseKey(2024, 1));
    long[] counts = new long[arity];
    for (int v : d) counts[v]++;
    assertEquals(0, counts[4], "masked class drawn");
    double[] expected = {p[0], p[1], p[2], p[3], p[5]};
    long[] observed = {counts[0], counts[1], counts[2], counts[3], counts[5]};
    double pValue = ChiSquareTest.withDefaults().test(expected, observed).getPValue();
    assertTrue(pValue >= 1e-6, "chi-square p = " + pValue + ", counts "
        + Arrays.toString(counts));
  }

  @EveryBackend
  void oneHotAndGumbelSoftmaxAgreeWithD(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(5);
    int rows = 3000, arity = 9;
    float[] th = TestData.logits(rnd, rows, arity, 2.0, 0.3);
    NoiseKey key = new NoiseKey(5, 9);
    int[] d = new int[rows];
    float[] oneHot = new float[rows * arity];
    Arrays.fill(oneHot, Float.NaN); // every element must be written
    gr.sample(th, rows, arity, key, d, oneHot);
    float[] y = new float[rows * arity];
    Estimators.gumbelSoftmax(0.3f).forward(gr, th, rows, arity, key, y);
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      int top = 0;
      for (int j = 0; j < arity; j++) {
        int i = r * arity + j;
        assertEquals(j == d[r] ? 1f : 0f, oneHot[i]);
        assertTrue(th[i] != Float.NEGATIVE_INFINITY || y[i] == 0f, "masked soft sample");
        sum += y[i];
        if (y[i] > y[r * arity + top]) top = j;
      }
      assertEquals(1.0, sum, 1e-5);
      assertEquals(d[r], top, "row " + r + ": the soft sample's maximum is not D");
    }
    // the same key gives the same D; the next offset gives fresh noise
    assertArrayEquals(d, TestData.sample(gr, th, rows, arity, key));
    assertTrue(!Arrays.equals(d, TestData.sample(gr, th, rows, arity, new NoiseKey(5, 10))));
  }
}
