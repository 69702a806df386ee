package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.backends.Formulas;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;

/**
 * ST-GS, straight-through Gumbel-Softmax ({@link Estimators#straightThroughGumbelSoftmax}): the
 * hard D = argmax(theta + G) forward, the Gumbel-Softmax gradient at the same noise G backward.
 * Its relation to Gumbel-Rao (E[GR | D] = E[ST-GS | D], GR-MC1 equal to it in distribution) is
 * tested in {@link GumbelRaoTest}.
 */
class StraightThroughGumbelSoftmaxTest {
  /** The key's forward Gumbel noise of row r, rebuilt from the counter layout. */
  static float[] forwardNoise(NoiseKey key, int r, int arity) {
    int[] words = new int[4];
    float[] g0 = new float[arity];
    for (int j = 0; j < arity; j++) {
      Formulas.philox(key.seed(), j / 4, r, Formulas.FORWARD_SLOT, key.offsetWord(), words);
      g0[j] = (float) Formulas.gumbelFromUniform(Formulas.uniformOpen(words[j % 4]));
    }
    return g0;
  }

  /**
   * ST-GS's backward pass is the Jacobian-vector product of softmax((theta + G) / tau) at the
   * key's forward noise G, held fixed: it matches central finite differences (in double), at
   * tau 0.3, 1 and 4. (The inputs of the ST and Gumbel-Rao versions of this test, seed 9.)
   */
  @EveryBackend
  void backwardIsTheDerivativeOfTheSoftmaxAtTheForwardNoise(Backend gr) {
    TemperedRows.drawn(gr, 9, in -> {
      float[] gs = in.drawnGradient(Estimators.straightThroughGumbelSoftmax(in.tau()), null);
      in.assertSoftmaxDerivative(gs,
          r -> new float[][] {forwardNoise(in.key(), r, in.arity())}, "GS");
    });
  }

  /**
   * Its D is the key's Gumbel-max sample (what {@link Backend#sample} draws), and since its
   * backward pass reads the forward noise itself, it has no sample at a given D.
   */
  @EveryBackend
  void itsDIsTheKeysSampleAndItHasNoSampleAtAGivenD(Backend gr) {
    int rows = 200, arity = 9;
    float[] th = TestData.logits(new SplittableRandom(5), rows, arity, 1.5, 0.2);
    NoiseKey key = new NoiseKey(6, 2);
    int[] d = TestData.sample(gr, th, rows, arity, key);
    PathwiseEstimator est = Estimators.straightThroughGumbelSoftmax(0.5f);
    assertArrayEquals(d, est.forward(gr, th, rows, arity, key, null).choices());
    assertThrows(UnsupportedOperationException.class,
        () -> est.given(gr, th, rows, arity, key, d));
  }
}
