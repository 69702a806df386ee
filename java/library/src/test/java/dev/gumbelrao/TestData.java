package dev.gumbelrao;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Random inputs and tolerance checks shared by the tests. */
final class TestData {
  private TestData() {}

  /** rows * arity logits ~ scale * N(0, 1); each class masked (-inf) with probability maskRate,
   * keeping at least one finite logit per row. */
  static float[] logits(SplittableRandom rnd, int rows, int arity, double scale, double maskRate) {
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

  static float[] gaussian(SplittableRandom rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
    return x;
  }

  /** A valid (unmasked) class per row, uniformly among the finite logits. */
  static int[] choices(SplittableRandom rnd, float[] logits, int rows, int arity) {
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
  static double rtol(float tau) {
    return 1e-5 * Math.max(1.0, 0.1 / tau);
  }

  /**
   * {@link #rtol(float)} for a backend: the CUDA kernels built with the hardware log2/exp2
   * approximations (lg2.approx, ex2.approx: 2^-22 relative) are held to 1e-4 instead of 1e-5.
   */
  static double rtol(Backend backend, float tau) {
    return rtol(tau) * (backend == Backend.CUDA && !cudaPreciseMath() ? 10 : 1);
  }

  static boolean cudaPreciseMath() {
    return NativeSupport.loaded() && NativeKernels.cudaPreciseMath() == 1;
  }

  /** A factor for absolute tolerances of the same origin. */
  static double looseness(Backend backend) {
    return backend == Backend.CUDA && !cudaPreciseMath() ? 10 : 1;
  }

  /** Values below this are compared as zero: float flushes weights below 2^-125. */
  static final double ATOL = 1e-30;

  /**
   * Row-wise relative agreement: for every row, max_j |actual - expected| &lt;=
   * rtol * max_j |expected| + atol.
   */
  static void assertRowsClose(float[] expected, float[] actual, int rows, int arity, double rtol,
      double atol, String what) {
    if (expected.length != actual.length) fail(what + ": lengths differ");
    int rowsPerBlock = expected.length / Math.max(1, rows * arity);
    int total = rows * Math.max(1, rowsPerBlock);
    for (int r = 0; r < total; r++) {
      double maxRef = 0, maxDiff = 0;
      int worst = 0;
      for (int j = 0; j < arity; j++) {
        int i = r * arity + j;
        assertTrue(Float.isFinite(actual[i]), () -> what + ": non-finite output " + actual[i]
            + " at " + i);
        maxRef = Math.max(maxRef, Math.abs(expected[i]));
        double diff = Math.abs((double) actual[i] - expected[i]);
        if (diff > maxDiff) {
          maxDiff = diff;
          worst = j;
        }
      }
      if (maxDiff > rtol * maxRef + atol) {
        int i = r * arity + worst;
        fail(String.format("%s: row %d column %d: expected %.9g, got %.9g (row max %.3g, "
            + "difference %.3g > %.3g)", what, r, worst, expected[i], actual[i], maxRef, maxDiff,
            rtol * maxRef + atol));
      }
    }
  }

  /** Elementwise |actual - expected| &lt;= atol + rtol * |expected|. */
  static void assertClose(float[] expected, float[] actual, double rtol, double atol,
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
