package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

/**
 * GS, the relaxed Gumbel-Softmax ({@link Estimators#gumbelSoftmax}): the soft
 * y = softmax((theta + G) / tau) forward, its exact gradient J(y)^T g / tau backward. (That y has
 * its maximum at the key's D: SamplingTest.)
 */
class GumbelSoftmaxTest {
  /**
   * Its values are softmax((theta + G) / tau) at the key's forward noise G (rebuilt from the
   * counter layout, in double), and its backward pass is their derivative: central finite
   * differences of sum_j g_j y_j with G held fixed, at tau 0.3, 1 and 4.
   */
  @EveryBackend
  void valuesAreTheSoftmaxOfTheNoisyLogitsAndBackwardIsTheirDerivative(BackendKind backend,
      Backend gr) {
    TemperedRows.drawn(gr, 19, in -> {
      int rows = in.rows(), arity = in.arity();
      float tau = in.tau();
      float[] y = new float[rows * arity];
      float[] grad = in.drawnGradient(Estimators.gumbelSoftmax(tau), y);
      in.assertSoftmaxDerivative(grad,
          r -> new float[][] {StraightThroughGumbelSoftmaxTest.forwardNoise(in.key(), r, arity)},
          "GS");
      float[] expected = new float[rows * arity];
      for (int r = 0; r < rows; r++) {
        float[] noise = StraightThroughGumbelSoftmaxTest.forwardNoise(in.key(), r, arity);
        float[] z = new float[arity];
        for (int j = 0; j < arity; j++) z[j] = in.th()[r * arity + j] + noise[j];
        double[] s = Exact.softmax(z, 0, arity, tau);
        for (int j = 0; j < arity; j++) expected[r * arity + j] = (float) s[j];
      }
      // the float Gumbel noise rounds to 2^-24 of its ~20 range, amplified by 1 / tau
      TestData.assertElementsClose(expected, y, rows, arity, 1e-4 * TestData.looseness(backend)
          / Math.min(1, tau), 1e-6 * TestData.looseness(backend) / Math.min(1, tau),
          backend + " GS values tau=" + tau);
    });
  }

  /**
   * GS and ST-GS share their backward pass: at the same key, the same gradient bit for bit
   * (only their values differ: y against onehot(D)).
   */
  @EveryBackend
  void itsBackwardPassIsStGsBackwardPassAtTheSameKey(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(20);
    int rows = 300, arity = 17;
    float[] th = TestData.logits(rnd, rows, arity, 2.0, 0.2);
    float[] g = TestData.gaussian(rnd, rows * arity);
    NoiseKey key = new NoiseKey(8, 8);
    PathwiseEstimator gs = Estimators.gumbelSoftmax(0.4f);
    PathwiseEstimator stgs = Estimators.straightThroughGumbelSoftmax(0.4f);
    float[] a = new float[rows * arity], b = new float[rows * arity];
    gs.backward(gs.forward(gr, th, rows, arity, key, null), g, a);
    stgs.backward(stgs.forward(gr, th, rows, arity, key, null), g, b);
    assertArrayEquals(b, a);
  }

  /** A relaxed sample has no hard choice, and GS no sample at a given D. */
  @EveryBackend
  void aRelaxedSampleHasNoChoiceAndNoSampleAtAGivenD(Backend gr) {
    float[] th = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    Sample soft = Estimators.gumbelSoftmax(0.5f).forward(gr, th, 2, 3, NoiseKey.of(1), null);
    assertFalse(soft.hasChoices());
    assertThrows(IllegalStateException.class, soft::choices);
    assertThrows(IllegalStateException.class, () -> soft.choice(0));
    assertThrows(UnsupportedOperationException.class,
        () -> Estimators.gumbelSoftmax(0.5f).given(gr, th, 2, 3, NoiseKey.of(1), new int[2]));
  }
}
