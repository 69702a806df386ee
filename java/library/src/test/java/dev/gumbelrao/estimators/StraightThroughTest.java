package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ST, straight-through ({@link Estimators#straightThrough}): onehot(D) forward, the backward pass
 * of softmax(theta / tau), with no noise. What the cross-cutting tests check of every estimator
 * (agreement across backends, validation, fuzzing, ...) they check of ST through
 * {@code EstimatorCases}; here, what is ST's own.
 */
class StraightThroughTest {
  /**
   * ST's backward pass is the Jacobian-vector product of softmax(theta / tau): it matches central
   * finite differences (in double) of sum_j g_j softmax(theta / tau)_j, at tau 0.3, 1 and 4.
   * (The inputs of the Gumbel-Softmax and Gumbel-Rao versions of this test, seed 9.)
   */
  @EveryBackend
  void backwardIsTheDerivativeOfTheTemperedSoftmax(Backend gr) {
    TemperedRows.drawn(gr, 9, in -> {
      // D drawn (its backward pass reads only the logits)
      float[] st = in.drawnGradient(Estimators.straightThrough(in.tau()), null);
      in.assertSoftmaxDerivative(st, r -> new float[][] {null}, "ST");
    });
  }

  /**
   * ST's backward pass does not read D: it is the same for every D of a row, and a given D is
   * checked when it is given (in range, not a masked class), not later.
   */
  @EveryBackend
  void itsBackwardPassIsTheSameForEveryDAndAGivenDIsCheckedAtOnce(Backend gr) {
    float[] th = {0.5f, -0.2f, 1.1f, Float.NEGATIVE_INFINITY, 0.3f, 0f};
    float[] g = {1f, -2f, 0.5f, 0.25f, 0.75f, -1f};
    PathwiseEstimator st = Estimators.straightThrough(0.7f);
    float[] first = null;
    for (int[] d : new int[][] {{0, 1}, {1, 2}, {2, 1}}) {
      float[] grad = new float[6];
      st.backward(st.given(gr, th, 2, 3, NoiseKey.of(1), d), g, grad);
      if (first == null) first = grad;
      else assertEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(grad));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> st.given(gr, th, 2, 3, NoiseKey.of(1), new int[] {0, 0}));
    assertEquals("choice: row 1 names a masked class (its logit is -Infinity), which can "
        + "never be sampled", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> st.given(gr, th, 2, 3, NoiseKey.of(1), new int[] {3, 1}));
    assertTrue(e.getMessage().startsWith("choice: row 0 is outside"), e.getMessage());
  }
}
