package dev.gumbelrao;

import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.testing.EstimatorCases;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestBackends;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ranges of the operations: tiny and large tau, huge logits, masked classes. Every output is
 * compared element by element, never only checked to be finite: ST against its closed form
 * computed here in double (an all-zero or a one-hot-only answer fails wherever the true one is
 * not), every native backend's outputs for every estimator of the registry (read from
 * {@link EstimatorCases}) against the JAVA oracle's.
 */
class EdgeCaseTest {
  /** ST's backward pass in double: s = softmax(theta / tau), grad_j = s_j (g_j - &lt;s, g&gt;) / tau. */
  static float[] straightThroughReference(float[] th, float[] g, int rows, int arity, float tau) {
    float[] out = new float[th.length];
    for (int r = 0; r < rows; r++) {
      int off = r * arity;
      int top = off;
      for (int j = 0; j < arity; j++) if (th[off + j] > th[top]) top = off + j;
      double[] s = new double[arity];
      double sum = 0, dot = 0;
      for (int j = 0; j < arity; j++) {
        s[j] = th[off + j] == Float.NEGATIVE_INFINITY ? 0
            : Math.exp(((double) th[off + j] - th[top]) / tau);
        sum += s[j];
      }
      // g_j - <s, g> as (g_j - g_top) - <s, g - g_top>: no cancellation where s is one-hot
      for (int j = 0; j < arity; j++) {
        s[j] /= sum;
        if (s[j] > 0) dot += s[j] * ((double) g[off + j] - g[top]);
      }
      for (int j = 0; j < arity; j++) {
        out[off + j] = s[j] == 0 ? 0f
            : (float) (s[j] * (((double) g[off + j] - g[top]) - dot) / tau);
      }
    }
    return out;
  }

  static Stream<Arguments> categoricalCases() {
    return TestBackends.all().flatMap(b -> EstimatorCases.cases()
        .filter(c -> !c.binary() && c.arity() != 2).map(c -> Arguments.of(b, c)));
  }

  /**
   * A row with one possible class (arity 1, or every class but one masked) has p = e_D whatever
   * its logits, so every categorical estimator's gradient there is exactly zero: not a rounding
   * residual (RLOO once returned the residual of its centred losses, -5.55e-17 at arity 1).
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("categoricalCases")
  void aRowWithOneLiveClassHasAZeroGradient(BackendKind backend, EstimatorCases.Case c) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(c.toString().hashCode());
      int rows = 64, arity = c.arity();
      float[] th = c.logits(rnd, rows, 3.0, 0.0);
      for (int r = 0; r < rows; r++) {  // one class left per row, at a random place
        int live = rnd.nextInt(arity);
        for (int j = 0; j < arity; j++) if (j != live) th[r * arity + j] = Float.NEGATIVE_INFINITY;
      }
      // losses spread over many binades, so that their mean is rounded
      float[] in = c.input(rnd, rows);
      for (int i = 0; i < in.length; i++) in[i] *= (float) Math.pow(10, rnd.nextInt(-6, 7));
      float[] grad = c.step(gr, th, rows, new NoiseKey(rnd.nextLong(), 0), in).grad();
      for (int i = 0; i < grad.length; i++) {
        assertEquals(0f, grad[i], 0f, backend + " " + c + ": element " + i);
      }
    }
  }

  @EveryBackend
  void lowTemperatureAndHugeLogitsMatchTheOracle(BackendKind backend, Backend gr) {
    try (Backend ref = Backend.open(BackendKind.JAVA)) {
      SplittableRandom rnd = new SplittableRandom(10);
      boolean sawNonZero = false;
      for (double scale : new double[] {1, 1e3, 1e30}) {
        for (float tau : new float[] {0.01f, 1e-6f, 1e6f}) {
          int rows = 100, arity = 12;
          float[] th = TestData.logits(rnd, rows, arity, scale, 0.2);
          float[] g = TestData.gaussian(rnd, rows * arity);
          NoiseKey key = new NoiseKey(rnd.nextLong(), 0);
          int[] d = TestData.sample(gr, th, rows, arity, key);
          int[] dRef = TestData.sample(ref, th, rows, arity, key);
          String where = backend + " scale " + scale + " tau " + tau;
          assertTrue(java.util.Arrays.equals(dRef, d), where + ": D differs from JAVA's");
          double rtol = TestData.rtol(backend, tau), floor = TestData.floor(backend, tau);
          // ST against its closed form
          float[] st = new float[rows * arity];
          PathwiseEstimator straight = Estimators.straightThrough(tau);
          straight.backward(straight.forward(gr, th, rows, arity, key, null), g, st);
          TestData.assertElementsClose(straightThroughReference(th, g, rows, arity, tau), st,
              rows, arity, rtol, floor, where + ": ST against its closed form");
          // every estimator of the registry (K = 30, S = 8) against JAVA, at the oracle's D
          // where it takes one; a binary one reads the logits as rows * arity variables
          for (EstimatorCases.Case c : EstimatorCases.oneEach(arity, 30, tau)) {
            int rowsC = c.binary() ? rows * arity : rows, arityC = c.arity();
            float[] in = c.pathwise() ? g : c.input(new SplittableRandom(11), rowsC);
            float[][] out = new float[2][rowsC * arityC], values = new float[2][];
            int[] dC = null;
            for (int b = 1; b >= 0; b--) {
              Backend on = b == 0 ? gr : ref;
              Estimator est = c.estimator();
              values[b] = new float[c.valuesLength(rowsC)];
              Sample s = est.forward(on, th, rowsC, arityC, key, values[b]);
              if (b == 1 && s.hasChoices()) dC = s.choices();
              if (b == 0 && s.hasChoices()) {
                assertArrayEquals(dC, s.choices(), where + " " + c + ": D against JAVA's");
              }
              if (c.conditionable()) s = est.given(on, th, rowsC, arityC, key, dC);
              EstimatorCases.backward(est, s, in, out[b]);
            }
            // the noisy estimators' rows are conditioned by the logits' spread (see FuzzTest)
            double cond = c.noisy() ? Math.max(1, 6 * scale) : 1;
            double rtolC = TestData.rtol(backend, c.toleranceTau());
            double floorC = TestData.floor(backend, c.toleranceTau());
            String what = where + ": " + c + " against JAVA";
            TestData.assertElementsClose(out[1], out[0], rowsC, arityC, rtolC * cond,
                floorC * cond, what);
            TestData.assertElementsClose(values[1], values[0], values[0].length / arityC,
                arityC, rtolC * cond, floorC * cond, what + " (values)");
            for (int i = 0; i < th.length && !c.binary(); i++) {
              if (th[i] != Float.NEGATIVE_INFINITY) continue;
              assertTrue(Float.floatToRawIntBits(out[0][i]) == 0,
                  what + " at a masked class: " + out[0][i]);
              for (int draw = 0; draw < c.draws(); draw++) {
                float v = values[0][draw * th.length + i];
                assertTrue(Float.floatToRawIntBits(v) == 0, what + " values at a masked class: "
                    + v);
              }
            }
            if (c.family() == Estimators.family("GR-MC1") && scale == 1) {
              for (int i = 0; i < th.length; i++) {
                sawNonZero |= th[i] != Float.NEGATIVE_INFINITY && out[0][i] != 0;
              }
            }
          }
          float[] noise = new float[rows * arity], noiseRef = new float[rows * arity];
          gr.conditionalGumbel(th, dRef, rows, arity, 1, key, noise);
          ref.conditionalGumbel(th, dRef, rows, arity, 1, key, noiseRef);
          for (int i = 0; i < th.length; i++) {
            assertTrue(Float.isFinite(noise[i]), where + ": noise " + noise[i]);
            double atol = 2e-5 * TestData.looseness(backend) * Math.max(1, 6 * scale);
            assertTrue(Math.abs(noise[i] - noiseRef[i]) <= atol + 1e-6 * Math.abs(noiseRef[i]),
                where + ": noise " + noise[i] + " against JAVA's " + noiseRef[i]);
          }
        }
      }
      assertTrue(sawNonZero, backend + ": GR's gradient was zero at every unmasked class");
    }
  }
}
