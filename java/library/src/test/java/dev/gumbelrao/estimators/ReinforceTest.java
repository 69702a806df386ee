package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestBackends;
import dev.gumbelrao.testing.TestData;

import static dev.gumbelrao.testing.Backwards.reinforce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * REINFORCE ({@link Estimators#reinforce()}): (f - b)(onehot(D) - p) with its own running-mean
 * baseline b, read and then updated by every backward pass.
 */
class ReinforceTest {
  @EveryBackend
  void reinforceIsTheScoreFunctionWithARunningMeanBaseline(Backend gr) {
    float[] th = {0.5f, Float.NEGATIVE_INFINITY, -0.5f, 30f, 29f, 0f};
    int[] d = {2, 0};
    float[] losses = {3f, 1f};
    RunningMeanBaseline baseline = new RunningMeanBaseline(0.9);
    baseline.update(1.5);
    float[] grad = new float[6];
    reinforce(gr, th, d, losses, baseline, 2, 3, grad);
    double z0 = Math.exp(0.5) + Math.exp(-0.5);
    double[] p0 = {Math.exp(0.5) / z0, 0, Math.exp(-0.5) / z0};
    double z1 = Math.exp(1) + 1 + Math.exp(-29);
    double[] p1 = {Math.exp(1) / z1, 1 / z1, Math.exp(-29) / z1};
    double[] expected = {
      (3 - 1.5) * (0 - p0[0]), 0, (3 - 1.5) * (1 - p0[2]),
      (1 - 1.5) * (1 - p1[0]), (1 - 1.5) * (0 - p1[1]), (1 - 1.5) * (0 - p1[2])};
    for (int i = 0; i < 6; i++) {
      assertEquals(expected[i], grad[i], 1e-6 * Math.abs(expected[i]) + 1e-30, "element " + i);
    }
    // b <- 0.9 b + 0.1 mean(f), after the gradient used the old b
    assertEquals(0.9 * 1.5 + 0.1 * 2.0, baseline.value(), 1e-12);
    assertEquals(2, baseline.updates());
  }

  /**
   * With a baseline away from 0 (the estimators of the generic agreement test start at b = 0),
   * every native backend gives the JAVA oracle's gradient (masked classes, 300 rows of 5) and
   * leaves the baseline where JAVA leaves it.
   */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.testing.TestBackends#nativeBackends")
  void aBaselineAwayFromZeroGivesTheOraclesGradientAndUpdate(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend);
        Backend ref = Backend.open(BackendKind.JAVA)) {
      SplittableRandom rnd = new SplittableRandom(300);
      int rows = 300, arity = 5;
      float[] th = TestData.logits(rnd, rows, arity, 3.0, 0.3);
      int[] d = TestData.choices(rnd, th, rows, arity);
      float[] losses = TestData.gaussian(rnd, rows);
      RunningMeanBaseline b1 = new RunningMeanBaseline(), b2 = new RunningMeanBaseline();
      b1.update(0.25);
      b2.update(0.25);
      float[] out = new float[rows * arity], outRef = new float[rows * arity];
      reinforce(gr, th, d, losses, b1, rows, arity, out);
      reinforce(ref, th, d, losses, b2, rows, arity, outRef);
      TestData.assertElementsClose(outRef, out, rows, arity, 1e-5 * TestData.looseness(backend),
          TestData.floor(backend, 1f), "reinforceBackward " + backend);
      assertEquals(b2.value(), b1.value());
    }
  }

  /**
   * Each REINFORCE estimator owns its baseline: a sample is accepted only by the estimator
   * object that drew it, and a null baseline is refused.
   */
  @EveryBackend
  void eachEstimatorOwnsItsBaselineAndItsSamples(Backend gr) {
    float[] th = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, out = new float[6];
    ScoreFunctionEstimator r1 = Estimators.reinforce(), r2 = Estimators.reinforce();
    Sample rs = r1.forward(gr, th, 2, 3, NoiseKey.of(2), null);
    assertThrows(IllegalArgumentException.class, () -> r2.backward(rs, new float[2], out));
    r1.backward(rs, new float[2], out);
    assertThrows(IllegalArgumentException.class, () -> Estimators.reinforce(null));
  }
}
