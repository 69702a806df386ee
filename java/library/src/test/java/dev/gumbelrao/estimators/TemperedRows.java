package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.TestData;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The inputs of the tests that hold a backward pass to a derivative computed in double
 * ({@link Exact}), at each of a few temperatures in turn, on a backend: rows of logits
 * ~ scale N(0, 1) with no masked class and an upstream g ~ N(0, 1), drawn from the test's seed,
 * then a key (for an estimator that draws its D) or a uniformly chosen D (for one given it). The
 * test may draw more from {@link #rnd}, after these.
 */
record TemperedRows(Backend gr, SplittableRandom rnd, float tau, int rows, int arity, float[] th,
    float[] g, NoiseKey key, int[] d) {

  /**
   * 20 rows of 6 logits ~ N(0, 1) at tau 0.3, 1 and 4, each with a fresh key: the inputs of the
   * ST, ST-GS, GS and Gumbel-Rao versions of the softmax-derivative test.
   */
  static void drawn(Backend gr, long seed, Consumer<TemperedRows> test) {
    int rows = 20, arity = 6;
    SplittableRandom rnd = new SplittableRandom(seed);
    for (float tau : new float[] {0.3f, 1f, 4f}) {
      float[] th = TestData.logits(rnd, rows, arity, 1.0, 0.0);
      float[] g = TestData.gaussian(rnd, rows * arity);
      NoiseKey key = new NoiseKey(rnd.nextLong(), 1);
      test.accept(new TemperedRows(gr, rnd, tau, rows, arity, th, g, key, null));
    }
  }

  /** {@code rows} rows of {@code arity} logits ~ scale N(0, 1) at each of {@code taus}, given D. */
  static void given(Backend gr, long seed, int rows, int arity, double scale, float[] taus,
      Consumer<TemperedRows> test) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (float tau : taus) {
      float[] th = TestData.logits(rnd, rows, arity, scale, 0.0);
      float[] g = TestData.gaussian(rnd, rows * arity);
      int[] d = TestData.choices(rnd, th, rows, arity);
      test.accept(new TemperedRows(gr, rnd, tau, rows, arity, th, g, null, d));
    }
  }

  /** The estimator's gradient at the D it draws with the key (its values into {@code values}). */
  float[] drawnGradient(PathwiseEstimator est, float[] values) {
    float[] grad = new float[rows * arity];
    est.backward(est.forward(gr, th, rows, arity, key, values), g, grad);
    return grad;
  }

  /** The estimator's gradient at the given D. */
  float[] givenGradient(PathwiseEstimator est, NoiseKey key) {
    float[] grad = new float[rows * arity];
    est.backward(est.given(gr, th, rows, arity, key, d), g, grad);
    return grad;
  }

  /**
   * Row by row, {@code grad} is the derivative of (1/K) sum_k sum_j g_j softmax((theta + G^k) /
   * tau)_j, the G^k of row r {@code noiseOfRow.apply(r)} held fixed: central finite differences
   * in double ({@link Exact#finiteDifference}), within 1e-4 relative (10x that on a CUDA build
   * with the approximate log2/exp2).
   */
  void assertSoftmaxDerivative(float[] grad, IntFunction<float[][]> noiseOfRow, String what) {
    for (int r = 0; r < rows; r++) {
      double rtol = 1e-4 * TestData.looseness(gr.kind());
      Exact.assertMatches(Exact.finiteDifference(th, r * arity, arity, noiseOfRow.apply(r), g,
          tau), grad, r * arity, rtol, what + " " + gr.kind() + " tau=" + tau + " row " + r);
    }
  }
}
