package dev.gumbelrao.testing;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Random inputs and tolerance checks shared by the tests. */
public final class TestData {
  private TestData() {}

  /** rows * arity logits ~ scale * N(0, 1); each class masked (-inf) with probability maskRate,
   * keeping at least one finite logit per row. */
  public static float[] logits(SplittableRandom rnd, int rows, int arity, double scale,
      double maskRate) {
    float[] th = new float[rows * arity];
    for (int r = 0; r < rows; r++) {
      int keep = rnd.nextInt(arity);
      for (int j = 0; j < arity; j++) {
        boolean masked = j != keep && rnd.nextDouble() < maskRate;
        th[r * arity + j] = masked ? Float.NEGATIVE_INFINITY : (float) (scale * rnd.nextGaussian());
      }
    }
    return th;
  }

  public static float[] gaussian(SplittableRandom rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
    return x;
  }

  /** The key's Gumbel-max sample D of every row, as {@link Backend#sample} draws it. */
  public static int[] sample(Backend gr, float[] logits, int rows, int arity, NoiseKey key) {
    int[] d = new int[rows];
    gr.sample(logits, rows, arity, key, d, null);
    return d;
  }

  /** A valid (unmasked) class per row, uniformly among the finite logits. */
  public static int[] choices(SplittableRandom rnd, float[] logits, int rows, int arity) {
    int[] d = new int[rows];
    for (int r = 0; r < rows; r++) {
      do {
        d[r] = rnd.nextInt(arity);
      } while (logits[r * arity + d[r]] == Float.NEGATIVE_INFINITY);
    }
    return d;
  }

  /**
   * The relative tolerance of float kernels against the double oracle: 1e-5, widened below
   * tau = 0.1 as 1e-5 * 0.1 / tau, since s = softmax(z / tau) turns the float rounding of z
   * (about 6e-8 |z|) into a relative error of about 6e-8 |z| / tau in s: the conditioning of the
   * problem, not of the kernels.
   */
  public static double rtol(float tau) {
    return 1e-5 * Math.max(1.0, 0.1 / tau);
  }

  /**
   * {@link #rtol(float)} for a backend: the CUDA kernels built with the hardware log2/exp2
   * approximations (lg2.approx, ex2.approx: 2^-22 relative) are held to 1e-4 instead of 1e-5.
   */
  public static double rtol(BackendKind backend, float tau) {
    return rtol(tau) * (backend == BackendKind.CUDA && !cudaPreciseMath() ? 10 : 1);
  }

  public static boolean cudaPreciseMath() {
    return NativeSupport.loaded() && NativeRuntime.cudaPreciseMath() == 1;
  }

  /** A factor for absolute tolerances of the same origin. */
  public static double looseness(BackendKind backend) {
    return backend == BackendKind.CUDA && !cudaPreciseMath() ? 10 : 1;
  }

  /**
   * The absolute floor of the per-element comparison, as a fraction of the row's largest
   * expected magnitude: 16 float roundings (2^-24 each) of the row-scale quantities that a
   * component's formula subtracts (g_j - &lt;s, g&gt;, accumulated over draws), widened below
   * tau = 0.1 like {@link #rtol(float)} and for the GPU's approximate log2/exp2 like
   * {@link #rtol(BackendKind, float)}. A component smaller than this cannot be computed in float at
   * all; every larger one must match to {@code rtol} relative.
   */
  public static double floor(BackendKind backend, float tau) {
    return 16 * 0x1p-24 * Math.max(1.0, 0.1 / tau) * looseness(backend);
  }

  /**
   * Values below this compare as zero: the float kernels flush weights below 2^-125 (and the
   * tests' upstream gradients are of order 1), so outputs of order 1e-36 and below are flushed.
   */
  public static final double TINY = 1e-30;

  /**
   * Element-wise agreement: |actual_i - expected_i| &lt;= rtol |expected_i| + floor * rowMax
   * + {@link #TINY}, rowMax the largest |expected| of the element's row (a block of
   * {@code arity} elements; arrays of several [rows][arity] blocks are compared block by block).
   * Every output must be finite.
   */
  public static void assertElementsClose(float[] expected, float[] actual, int rows, int arity,
      double rtol, double floor, String what) {
    assertElementsClose(expected, actual, rows, arity, rtol, floor, TINY, what);
  }

  /**
   * {@link #assertElementsClose(float[], float[], int, int, double, double, String)} with the
   * flush limit {@code tiny} in place of {@link #TINY} (for upstream values far from order 1).
   */
  public static void assertElementsClose(float[] expected, float[] actual, int rows, int arity,
      double rtol, double floor, double tiny, String what) {
    if (expected.length != actual.length) fail(what + ": lengths differ");
    int total = expected.length / Math.max(1, arity);
    for (int r = 0; r < total; r++) {
      double maxRef = 0;
      for (int j = 0; j < arity; j++) maxRef = Math.max(maxRef, Math.abs(expected[r * arity + j]));
      for (int j = 0; j < arity; j++) {
        int i = r * arity + j;
        assertTrue(Float.isFinite(actual[i]), () -> what + ": non-finite output " + actual[i]
            + " at " + i);
        double diff = Math.abs((double) actual[i] - expected[i]);
        double bound = rtol * Math.abs(expected[i]) + floor * maxRef + tiny;
        if (!(diff <= bound)) {
          fail(String.format("%s: row %d column %d: expected %.9g, got %.9g (row max %.3g, "
              + "difference %.3g > %.3g)", what, r, j, expected[i], actual[i], maxRef, diff,
              bound));
        }
      }
    }
  }

  /** Elementwise |actual - expected| &lt;= atol + rtol * |expected|. */
  public static void assertClose(float[] expected, float[] actual, double rtol, double atol,
      String what) {
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs((double) actual[i] - expected[i]);
      if (!(diff <= atol + rtol * Math.abs(expected[i]))) {
        fail(String.format("%s: element %d: expected %.9g, got %.9g", what, i, expected[i],
            actual[i]));
      }
    }
  }
}
