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
   * Data-parallel REINFORCE: workers whose baselines are restored to the reducer's state give, on
   * their chunks (the step's key at the chunk's first row), the reducer's unsplit gradient row
   * for row, bit for bit; and a restored baseline continues as the original does.
   */
  @EveryBackend
  void workersWithTheReducersBaselineGiveTheUnsplitGradient(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(31);
    int rows = 23, arity = 4, split = 9;
    float[] th = TestData.logits(rnd, rows, arity, 2.0, 0.2);
    float[] losses = TestData.gaussian(rnd, rows);
    RunningMeanBaseline reducer = new RunningMeanBaseline(0.8);
    reducer.update(0.7);
    reducer.update(-0.2);
    NoiseKey step = new NoiseKey(9, 4);
    float[] whole = new float[rows * arity];
    ScoreFunctionEstimator est = Estimators.reinforce(
        new RunningMeanBaseline(0.8, reducer.value(), reducer.updates()));
    est.backward(est.forward(gr, th, rows, arity, step, null), losses, whole);
    for (int[] chunk : new int[][] {{0, split}, {split, rows}}) {
      int r0 = chunk[0], n = chunk[1] - chunk[0];
      ScoreFunctionEstimator worker = Estimators.reinforce(
          new RunningMeanBaseline(0.8, reducer.value(), reducer.updates()));
      float[] grad = new float[n * arity];
      worker.backward(worker.forward(gr, java.util.Arrays.copyOfRange(th, r0 * arity,
          (r0 + n) * arity), n, arity, step.atRow(r0), null),
          java.util.Arrays.copyOfRange(losses, r0, r0 + n), grad);
      for (int i = 0; i < n * arity; i++) {
        assertEquals(Float.floatToRawIntBits(whole[r0 * arity + i]),
            Float.floatToRawIntBits(grad[i]), "element " + i + " of rows " + r0 + "..");
      }
    }
    RunningMeanBaseline copy = new RunningMeanBaseline(0.8, reducer.value(), reducer.updates());
    reducer.update(1.25);
    copy.update(1.25);
    assertEquals(reducer.value(), copy.value());
    assertEquals(reducer.updates(), copy.updates());
    assertThrows(IllegalArgumentException.class, () -> new RunningMeanBaseline(0.8, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new RunningMeanBaseline(0.8, 0, -1));
    assertThrows(IllegalArgumentException.class,
        () -> new RunningMeanBaseline(0.8, Double.NaN, 3));
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
