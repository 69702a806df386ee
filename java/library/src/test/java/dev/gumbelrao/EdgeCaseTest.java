package dev.gumbelrao;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ranges of the operations: tiny and large tau, huge logits, masked classes. Every output is
 * compared element by element, never only checked to be finite: ST against its closed form
 * computed here in double (an all-zero or a one-hot-only answer fails wherever the true one is
 * not), every native backend's outputs against the JAVA oracle's.
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

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void lowTemperatureAndHugeLogitsMatchTheOracle(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend);
        Backend ref = Backend.open(BackendKind.JAVA)) {
      SplittableRandom rnd = new SplittableRandom(10);
      boolean sawNonZero = false;
      for (double scale : new double[] {1, 1e3, 1e30}) {
        for (float tau : new float[] {0.01f, 1e-6f, 1e6f}) {
          int rows = 100, arity = 12;
          float[] th = TestData.logits(rnd, rows, arity, scale, 0.2);
          float[] g = TestData.gaussian(rnd, rows * arity);
          NoiseKey key = new NoiseKey(rnd.nextLong(), 0);
          int[] d = new int[rows], dRef = new int[rows];
          gr.sample(th, rows, arity, key, d, null);
          ref.sample(th, rows, arity, key, dRef, null);
          String where = backend + " scale " + scale + " tau " + tau;
          assertTrue(java.util.Arrays.equals(dRef, d), where + ": D differs from JAVA's");
          float[][] outs = new float[5][rows * arity], refs = new float[5][rows * arity];
          for (int b = 0; b < 2; b++) {
            Backend on = b == 0 ? gr : ref;
            float[][] o = b == 0 ? outs : refs;
            Ops.gumbelRao(on, th, dRef, g, rows, arity, 30, tau, key, o[0]);
            Ops.gumbelSoftmaxBackward(on, th, g, rows, arity, tau, key, o[1]);
            Ops.gumbelSoftmaxForward(on, th, rows, arity, tau, key, o[2]);
            Ops.straightThrough(on, th, g, rows, arity, tau, o[3]);
            on.conditionalGumbel(th, dRef, rows, arity, 1, key, o[4]);
          }
          double rtol = TestData.rtol(backend, tau), floor = TestData.floor(backend, tau);
          TestData.assertElementsClose(straightThroughReference(th, g, rows, arity, tau), outs[3],
              rows, arity, rtol, floor, where + ": ST against its closed form");
          String[] names = {"GR-MC30", "ST-GS", "GS forward", "ST"};
          // the noisy estimators' rows are conditioned by the logits' spread (see FuzzTest)
          double cond = Math.max(1, 6 * scale);
          for (int o = 0; o < 4; o++) {
            double c = o == 3 ? 1 : cond;
            TestData.assertElementsClose(refs[o], outs[o], rows, arity, rtol * c, floor * c,
                where + ": " + names[o] + " against JAVA");
          }
          for (int i = 0; i < th.length; i++) {
            assertTrue(Float.isFinite(outs[4][i]), where + ": noise " + outs[4][i]);
            double atol = 2e-5 * TestData.looseness(backend) * Math.max(1, 6 * scale);
            assertTrue(Math.abs(outs[4][i] - refs[4][i]) <= atol + 1e-6 * Math.abs(refs[4][i]),
                where + ": noise " + outs[4][i] + " against JAVA's " + refs[4][i]);
            if (th[i] == Float.NEGATIVE_INFINITY) {
              for (int o = 0; o < 4; o++) {
                assertTrue(Float.floatToRawIntBits(outs[o][i]) == 0,
                    where + ": " + names[o] + " at a masked class: " + outs[o][i]);
              }
            } else if (scale == 1 && outs[0][i] != 0) {
              sawNonZero = true;
            }
          }
        }
      }
      assertTrue(sawNonZero, backend + ": GR's gradient was zero at every unmasked class");
    }
  }
}
