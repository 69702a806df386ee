package dev.gumbelrao.estimators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gumbelrao.Backend;
import dev.gumbelrao.IndecaterOperationTest;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.testing.EveryBackend;

/**
 * IndeCateR as an estimator ({@link Estimators#indecater}): its forward pass draws RLOO's
 * samples; its backward pass from the loss table the caller builds from those samples is, over
 * many keys, the exact gradient of E[f(D)] (enumerated), and for one variable exact at one draw;
 * its arguments are checked, naming them.
 */
class IndecaterTest {
  private static final int ROWS = 3, ARITY = 3;
  private static final float[] TH = {0.3f, -0.8f, 1.1f, 2.0f, 0.1f, -0.4f, -1.5f, 0.0f, 0.6f};

  private static double loss(int[] d) {
    return IndecaterOperationTest.loss(d);
  }

  private static double[] p(int row) {
    return IndecaterOperationTest.probabilities(TH, row, ARITY);
  }

  /** The table of a forward pass's draws: f_n(d, k), [draw][row][class]. */
  private static float[] table(int[] choices, int draws) {
    float[] t = new float[draws * ROWS * ARITY];
    for (int n = 0; n < draws; n++) {
      int[] d = new int[ROWS];
      for (int r = 0; r < ROWS; r++) d[r] = choices[n * ROWS + r];
      for (int r = 0; r < ROWS; r++) {
        for (int k = 0; k < ARITY; k++) {
          int[] e = d.clone();
          e[r] = k;
          t[(n * ROWS + r) * ARITY + k] = (float) loss(e);
        }
      }
    }
    return t;
  }

  /** The forward pass is RLOO's: the same draws, values and layout for the same key. */
  @EveryBackend
  void itDrawsAsRlooDoes(Backend gr) {
    LossTableEstimator ind = Estimators.indecater(3);
    ScoreFunctionEstimator rloo = Estimators.rloo(3);
    float[] v1 = new float[3 * ROWS * ARITY], v2 = new float[3 * ROWS * ARITY];
    NoiseKey key = new NoiseKey(5, 9);
    Sample a = ind.forward(gr, TH, ROWS, ARITY, key, v1);
    Sample b = rloo.forward(gr, TH, ROWS, ARITY, key, v2);
    assertArrayEquals(b.choices(), a.choices());
    assertArrayEquals(v2, v1);
    assertEquals("IndeCateR-3", ind.name());
    assertEquals(27, ind.tableLength(ROWS, ARITY));
  }

  /**
   * Unbiased: the mean over 4,000 keys of the estimate from N = 2 draws each is the exact
   * gradient of E[f(D)] = sum_D p(D) f(D), d/dtheta_dj = sum_D p(D) f(D) ([D_d = j] - p_dj),
   * within 5 standard errors per element (and the standard errors are small: a biased
   * estimator fails).
   */
  @EveryBackend
  void overManyKeysItIsTheExactGradient(Backend gr) {
    double[][] p = {p(0), p(1), p(2)};
    double[] exact = new double[ROWS * ARITY];
    for (int code = 0; code < 27; code++) {
      int[] d = {code % 3, code / 3 % 3, code / 9};
      double pd = p[0][d[0]] * p[1][d[1]] * p[2][d[2]], f = loss(d);
      for (int r = 0; r < ROWS; r++) {
        for (int k = 0; k < ARITY; k++) {
          exact[r * ARITY + k] += pd * f * ((d[r] == k ? 1 : 0) - p[r][k]);
        }
      }
    }
    LossTableEstimator est = Estimators.indecater(2);
    int keys = 4000;
    double[] sum = new double[ROWS * ARITY], sq = new double[ROWS * ARITY];
    NoiseStream noise = new NoiseStream(77);
    float[] grad = new float[ROWS * ARITY];
    for (int i = 0; i < keys; i++) {
      Sample s = est.forward(gr, TH, ROWS, ARITY, noise.next(), null);
      est.backward(s, table(s.choices(), 2), grad);
      for (int j = 0; j < grad.length; j++) {
        sum[j] += grad[j];
        sq[j] += (double) grad[j] * grad[j];
      }
    }
    for (int j = 0; j < exact.length; j++) {
      double mean = sum[j] / keys, se = Math.sqrt((sq[j] / keys - mean * mean) / keys);
      assertTrue(Math.abs(mean - exact[j]) <= 5 * se + 1e-6,
          "element " + j + ": mean " + mean + " exact " + exact[j] + " se " + se);
      assertTrue(se < 0.05, "element " + j + " se " + se);
    }
  }

  /** One variable: the estimate at one draw is exactly p_j (f_j - sum_k p_k f_k), any draw. */
  @EveryBackend
  void oneVariableIsExactAtOneDraw(Backend gr) {
    float[] th = {0.5f, -1f, 2f, 0f};
    float[] f = {3f, -1f, 0.25f, 7f};
    LossTableEstimator est = Estimators.indecater(1);
    Sample s = est.forward(gr, th, 1, 4, NoiseKey.of(3), null);
    float[] grad = new float[4];
    est.backward(s, f, grad);
    double m = 2, z = 0;
    double[] p = new double[4];
    for (int j = 0; j < 4; j++) z += Math.exp(th[j] - m);
    double centre = 0;
    for (int j = 0; j < 4; j++) {
      p[j] = Math.exp(th[j] - m) / z;
      centre += p[j] * f[j];
    }
    for (int j = 0; j < 4; j++) assertEquals(p[j] * (f[j] - centre), grad[j], 2e-6, "class " + j);
  }

  /** Arguments: N >= 1, the table's length, the sample's estimator, named in the message. */
  @EveryBackend
  void badArgumentsAreNamed(Backend gr) {
    IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
        () -> Estimators.indecater(0));
    assertTrue(n.getMessage().contains("draws (N)"), n.getMessage());
    LossTableEstimator est = Estimators.indecater(2);
    Sample s = est.forward(gr, TH, ROWS, ARITY, NoiseKey.of(1), null);
    IllegalArgumentException shortTable = assertThrows(IllegalArgumentException.class,
        () -> est.backward(s, new float[ROWS * ARITY], new float[ROWS * ARITY]));
    assertTrue(shortTable.getMessage().contains("lossTable"), shortTable.getMessage());
    Sample other = Estimators.rloo(2).forward(gr, TH, ROWS, ARITY, NoiseKey.of(1), null);
    IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
        () -> est.backward(other, new float[2 * ROWS * ARITY], new float[ROWS * ARITY]));
    assertTrue(foreign.getMessage().contains("sample"), foreign.getMessage());
  }
}
