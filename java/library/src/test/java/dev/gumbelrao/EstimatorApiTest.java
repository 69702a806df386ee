package dev.gumbelrao;

import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.LossTableEstimator;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;
import dev.gumbelrao.testing.EstimatorCases;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

/**
 * The estimator API as a training loop uses it: one loop, the estimator swapped by changing one
 * value, on every backend, for every estimator of the registry (read from
 * {@link EstimatorCases}); samples carry what their backward pass needs.
 */
class EstimatorApiTest {
  /**
   * Minimises E[f(D)] for f(D) = sum_r <c_r, onehot(D_r)> (40 variables of 6 classes, costs
   * c ~ U(0, 1)) by SGD on the logits, 300 steps from uniform logits, with every estimator of the
   * registry in turn (read from {@link EstimatorCases}: K = 10, S = 8, tau = 0.5) and nothing else
   * changed. The expected cost under p = softmax(theta) must fall from its uniform value (about
   * 0.5 per variable) to within a fifth of its distance to the optimum (the sum of the row
   * minima). Pathwise estimators get g = c (f is linear in the one-hot or relaxed values), the
   * score-function ones the per-row loss f_r of each draw, the loss-table ones each row's cost
   * of every class. A binary estimator minimises
   * sum_r c_r b_r over 240 variables with c ~ U(-1, 1) likewise (expected cost sum_r q_r c_r).
   */
  @EveryBackend
  void oneTrainingLoopTrainsWithEveryEstimator(Backend gr) {
    for (EstimatorCases.Case c : EstimatorCases.oneEach(6, 10, 0.5f)) {
      int arity = c.arity(), rows = c.binary() ? 240 : 40, n = rows * arity;
      float[] cost = new float[n];
      SplittableRandom rnd = new SplittableRandom(8);
      for (int i = 0; i < n; i++) cost[i] = (float) (c.binary() ? 2 * rnd.nextDouble() - 1
          : rnd.nextDouble());
      double optimum = 0;
      for (int r = 0; r < rows; r++) {
        double m = c.binary() ? 0 : 1;
        for (int j = 0; j < arity; j++) m = Math.min(m, cost[r * arity + j]);
        optimum += m;
      }
      Estimator est = c.estimator();
      int draws = est.draws();
      float[] th = new float[n], values = new float[draws * n], grad = new float[n];
      float[] losses = new float[draws * rows];
      NoiseStream noise = new NoiseStream(99);
      double start = expectedCost(th, cost, rows, arity, c.binary());
      for (int step = 0; step < 300; step++) {
        Sample s = est.forward(gr, th, rows, arity, noise.next(), values);
        if (est instanceof PathwiseEstimator) {
          ((PathwiseEstimator) est).backward(s, cost, grad);
        } else if (est instanceof LossTableEstimator) {
          // each row's loss with the row set to each class: its cost row, in every draw
          float[] table = new float[draws * n];
          for (int t = 0; t < draws; t++) System.arraycopy(cost, 0, table, t * n, n);
          ((LossTableEstimator) est).backward(s, table, grad);
        } else {
          for (int i = 0; i < draws * rows; i++) {
            int r = i % rows, d = s.choice(i);
            losses[i] = c.binary() ? cost[r] * d : cost[r * arity + d];
          }
          ((ScoreFunctionEstimator) est).backward(s, losses, grad);
        }
        for (int i = 0; i < n; i++) th[i] -= 0.5f * grad[i];
      }
      double end = expectedCost(th, cost, rows, arity, c.binary());
      assertTrue(end - optimum < 0.2 * (start - optimum),
          est + ": expected cost " + end + " (start " + start + ", optimum " + optimum + ")");
    }
  }

  private static double expectedCost(float[] th, float[] c, int rows, int arity,
      boolean binary) {
    double total = 0;
    if (binary) {
      for (int r = 0; r < rows; r++) total += c[r] / (1 + Math.exp(-(double) th[r]));
      return total;
    }
    for (int r = 0; r < rows; r++) {
      double m = Double.NEGATIVE_INFINITY, z = 0, e = 0;
      for (int j = 0; j < arity; j++) m = Math.max(m, th[r * arity + j]);
      for (int j = 0; j < arity; j++) {
        double w = Math.exp(th[r * arity + j] - m);
        z += w;
        e += w * c[r * arity + j];
      }
      total += e / z;
    }
    return total;
  }

  /**
   * forward's values and samples, for every estimator of the registry: the sample carries its
   * estimator, key and shape; values are onehot(D) of each draw for the hard estimators (D the
   * key's Gumbel-max sample, draw s of a multi-draw one the sample of key.derive(s)), b for the
   * binary ones, the relaxed y for GS (its own values, which have no D).
   */
  @EveryBackend
  void samplesCarryTheirKeyShapeAndChoices(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(3);
    int rows = 500, arity = 7, n = rows * arity;
    float[] th = TestData.logits(rnd, rows, arity, 1.5, 0.2);
    NoiseKey key = new NoiseKey(4, 4);
    int[] d = TestData.sample(gr, th, rows, arity, key);
    for (EstimatorCases.Case c : EstimatorCases.oneEach(arity, 10, 0.7f)) {
      Estimator est = c.estimator();
      int rowsC = c.binary() ? n : rows, arityC = c.arity(), draws = est.draws();
      float[] values = new float[draws * rowsC * arityC];
      Sample s = est.forward(gr, th, rowsC, arityC, key, values);
      assertEquals(est, s.estimator());
      assertEquals(key, s.key());
      assertEquals(rowsC, s.rows());
      assertEquals(arityC, s.arity());
      assertEquals(c.draws(), draws);
      if (c.relaxed()) {
        assertTrue(!s.hasChoices());
        float[] y = new float[n];
        Estimators.gumbelSoftmax(0.7f).forward(gr, th, rows, arity, key, y);
        assertArrayEquals(y, values);
        continue;
      }
      int[] all = s.choices();
      assertEquals(draws * rowsC, all.length, c.toString());
      for (int i = 0; i < all.length; i++) {
        for (int j = 0; j < arityC; j++) {
          float expected = c.binary() ? all[i] : j == all[i] ? 1f : 0f;
          assertEquals(expected, values[i * arityC + j], c + " draw-row " + i);
        }
      }
      if (!c.binary()) {
        for (int draw = 0; draw < draws; draw++) {
          int[] keys = d;
          if (draws > 1) {
            keys = TestData.sample(gr, th, rows, arity, key.derive(draw));
          }
          assertArrayEquals(keys, java.util.Arrays.copyOfRange(all, draw * rows,
              (draw + 1) * rows), c + " draw " + draw);
        }
      }
    }
    // given: the sample forward would have drawn had it drawn D
    PathwiseEstimator est = Estimators.gumbelRao(20, 0.7f);
    float[] g = TestData.gaussian(rnd, n), a = new float[n], b = new float[n];
    est.backward(est.forward(gr, th, rows, arity, key, null), g, a);
    est.backward(est.given(gr, th, rows, arity, key, d), g, b);
    assertArrayEquals(a, b);
  }
}
