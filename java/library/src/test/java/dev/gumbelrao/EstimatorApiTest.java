package dev.gumbelrao;

import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The estimator API as a training loop uses it: one loop, the estimator swapped by changing one
 * value, on every backend; samples carry what their backward pass needs.
 */
class EstimatorApiTest {
  /** Every estimator of the library, at one temperature. */
  static List<Estimator> all(float tau) {
    return List.of(Estimators.straightThrough(tau), Estimators.straightThroughGumbelSoftmax(tau),
        Estimators.gumbelSoftmax(tau), Estimators.gumbelRao(10, tau), Estimators.reinforce());
  }

  /**
   * Minimises E[f(D)] for f(D) = sum_r <c_r, onehot(D_r)> (40 variables of 6 classes, costs
   * c ~ U(0, 1)) by SGD on the logits, 300 steps from uniform logits, with each estimator in
   * turn and nothing else changed. The expected cost under p = softmax(theta) must fall from its
   * uniform value (about 0.5 per variable) to within a fifth of its distance to the optimum (the
 * sum of the row minima).
   * Pathwise estimators get g = c (f is linear in the one-hot or relaxed values), REINFORCE
   * the per-row loss f_r.
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void oneTrainingLoopTrainsWithEveryEstimator(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      int rows = 40, arity = 6, n = rows * arity;
      float[] c = new float[n];
      SplittableRandom rnd = new SplittableRandom(8);
      for (int i = 0; i < n; i++) c[i] = (float) rnd.nextDouble();
      double optimum = 0;
      for (int r = 0; r < rows; r++) {
        double m = 1;
        for (int j = 0; j < arity; j++) m = Math.min(m, c[r * arity + j]);
        optimum += m;
      }
      for (Estimator est : all(0.5f)) {
        float[] th = new float[n], values = new float[n], grad = new float[n];
        float[] losses = new float[rows];
        NoiseStream noise = new NoiseStream(99);
        double start = expectedCost(th, c, rows, arity);
        for (int step = 0; step < 300; step++) {
          Sample s = est.forward(gr, th, rows, arity, noise.next(), values);
          if (est instanceof PathwiseEstimator) {
            ((PathwiseEstimator) est).backward(s, c, grad);
          } else {
            for (int r = 0; r < rows; r++) losses[r] = c[r * arity + s.choice(r)];
            ((ScoreFunctionEstimator) est).backward(s, losses, grad);
          }
          for (int i = 0; i < n; i++) th[i] -= 0.5f * grad[i];
        }
        double end = expectedCost(th, c, rows, arity);
        assertTrue(end - optimum < 0.2 * (start - optimum),
            est + ": expected cost " + end + " (start " + start + ", optimum " + optimum + ")");
      }
    }
  }

  private static double expectedCost(float[] th, float[] c, int rows, int arity) {
    double total = 0;
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

  /** forward's values: onehot(D) for the hard estimators, the relaxed y for GS; D is the key's. */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void samplesCarryTheirKeyShapeAndChoices(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(3);
      int rows = 500, arity = 7, n = rows * arity;
      float[] th = TestData.logits(rnd, rows, arity, 1.5, 0.2);
      NoiseKey key = new NoiseKey(4, 4);
      int[] d = new int[rows];
      gr.sample(th, rows, arity, key, d, null);
      for (Estimator est : all(0.7f)) {
        float[] values = new float[n];
        Sample s = est.forward(gr, th, rows, arity, key, values);
        assertEquals(est, s.estimator());
        assertEquals(key, s.key());
        assertEquals(rows, s.rows());
        assertEquals(arity, s.arity());
        assertEquals(1, est.draws());
        if (est.name().equals("GS")) {
          assertTrue(!s.hasChoices());
          float[] y = new float[n];
          Ops.gumbelSoftmaxForward(gr, th, rows, arity, 0.7f, key, y);
          assertArrayEquals(y, values);
        } else {
          assertArrayEquals(d, s.choices(), est.name());
          for (int r = 0; r < rows; r++) {
            for (int j = 0; j < arity; j++) {
              assertEquals(j == d[r] ? 1f : 0f, values[r * arity + j]);
            }
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
}
