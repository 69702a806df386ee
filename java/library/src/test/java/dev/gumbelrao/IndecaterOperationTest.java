package dev.gumbelrao;

import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.backends.Targets;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * IndeCateR's backward operation ({@code indecater_backward}, math.h): for each draw n, row d and
 * class j, f_n(d, j) the loss with variable d set to class j and the others held at draw n;
 * grad_dj = (1/N) sum_n p_dj (f_n(d, j) - sum_k p_dk f_n(d, k)). Checked against the exact
 * gradient of E[f(D)] by enumeration (it is unbiased), on every backend.
 */
public class IndecaterOperationTest {
  static float[] backward(Backend gr, float[] logits, float[] table, int rows, int arity,
      int samples) {
    float[] grad = new float[rows * arity];
    Targets.of(gr).execute(new Calls.IndecaterBackward(Memory.of(logits, "logits"),
        Memory.of(table, "lossTable"), rows, arity, samples, Memory.of(grad, "grad")));
    return grad;
  }

  /** A loss of three variables of three classes that no estimator gets right by luck. */
  public static double loss(int[] d) {
    double s = 0.7 * d[0] - 1.3 * d[1] + 0.4 * d[2];
    return s * s + (d[0] == d[2] ? 2.5 : 0) - Math.sin(d[1] + 2.0 * d[2]);
  }

  public static double[] probabilities(float[] th, int row, int arity) {
    double m = Double.NEGATIVE_INFINITY, z = 0;
    for (int j = 0; j < arity; j++) m = Math.max(m, th[row * arity + j]);
    double[] p = new double[arity];
    for (int j = 0; j < arity; j++) z += Math.exp(th[row * arity + j] - m);
    for (int j = 0; j < arity; j++) p[j] = Math.exp(th[row * arity + j] - m) / z;
    return p;
  }

  /**
   * E over D of the estimate at one draw D (N = 1), by enumerating the 27 draws, equals the exact
   * gradient of E[f(D)] = sum_D p(D) f(D): d/dtheta_dj = sum_D p(D) f(D) ([D_d = j] - p_dj).
   */
  @EveryBackend
  void itsExpectationIsTheExactGradient(Backend gr) {
    int rows = 3, arity = 3;
    float[] th = {0.3f, -0.8f, 1.1f, 2.0f, 0.1f, -0.4f, -1.5f, 0.0f, 0.6f};
    double[][] p = new double[rows][];
    for (int r = 0; r < rows; r++) p[r] = probabilities(th, r, arity);
    double[] exact = new double[rows * arity], expected = new double[rows * arity];
    int[] d = new int[rows];
    for (int code = 0; code < 27; code++) {
      d[0] = code % 3;
      d[1] = code / 3 % 3;
      d[2] = code / 9;
      double pd = p[0][d[0]] * p[1][d[1]] * p[2][d[2]], f = loss(d);
      float[] table = new float[rows * arity];  // f(D with variable r set to class k)
      for (int r = 0; r < rows; r++) {
        for (int k = 0; k < arity; k++) {
          int[] e = d.clone();
          e[r] = k;
          table[r * arity + k] = (float) loss(e);
          exact[r * arity + k] += pd * f * ((d[r] == k ? 1 : 0) - p[r][k]);
        }
      }
      float[] grad = backward(gr, th, table, rows, arity, 1);
      for (int i = 0; i < grad.length; i++) expected[i] += pd * grad[i];
    }
    for (int i = 0; i < exact.length; i++) {
      assertEquals(exact[i], expected[i], 2e-6 * (1 + Math.abs(exact[i])), "element " + i);
    }
  }

  /** N draws average the N one-draw estimates; a class-blind table gives exact zeros. */
  @EveryBackend
  void drawsAverageAndAClassBlindLossGivesExactZeros(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(7);
    int rows = 5, arity = 4, n = 3;
    float[] th = TestData.logits(rnd, rows, arity, 2.0, 0.0);
    float[] table = TestData.gaussian(rnd, n * rows * arity);
    for (int s = 0; s < n; s++) {  // row 2 ignores its class: one loss per draw
      for (int k = 0; k < arity; k++) table[(s * rows + 2) * arity + k] = 1.5f * (s + 1);
    }
    float[] all = backward(gr, th, table, rows, arity, n);
    double[] mean = new double[rows * arity];
    for (int s = 0; s < n; s++) {
      float[] one = new float[rows * arity];
      System.arraycopy(table, s * rows * arity, one, 0, rows * arity);
      float[] g = backward(gr, th, one, rows, arity, 1);
      for (int i = 0; i < g.length; i++) mean[i] += g[i] / (double) n;
    }
    for (int i = 0; i < all.length; i++) {
      assertEquals(mean[i], all[i], 1e-5 * (1 + Math.abs(mean[i])), "element " + i);
    }
    for (int k = 0; k < arity; k++) {
      assertEquals(0, Float.floatToRawIntBits(all[2 * arity + k]), "row 2 column " + k);
    }
    // arity 1: p = 1, the gradient is exactly 0
    float[] single = backward(gr, new float[] {0.3f, -2f}, new float[] {4f, -7f}, 2, 1, 1);
    assertEquals(0, Float.floatToRawIntBits(single[0]));
    assertEquals(0, Float.floatToRawIntBits(single[1]));
  }

  /**
   * Masked classes: their losses are never read (NaN there is accepted), their gradient is
   * exactly +0; a non-finite loss at an unmasked class is refused with its row; a table of the
   * wrong length is refused naming it.
   */
  @EveryBackend
  void maskedClassesAndBadLosses(Backend gr) {
    float inf = Float.NEGATIVE_INFINITY;
    float[] th = {0.5f, inf, -0.5f, 1f, 1f, 1f};
    float[] table = {2f, Float.NaN, -1f, 0f, 1f, 3f};
    float[] grad = backward(gr, th, table, 2, 3, 1);
    assertEquals(0, Float.floatToRawIntBits(grad[1]));
    double[] p = probabilities(new float[] {0.5f, -0.5f}, 0, 2);
    double centre = p[0] * 2 + p[1] * -1;
    assertEquals(p[0] * (2 - centre), grad[0], 1e-6);
    assertEquals(p[1] * (-1 - centre), grad[2], 1e-6);
    assertEquals((0 - 4 / 3.0) / 3, grad[3], 1e-6);
    float[] bad = table.clone();
    bad[4] = Float.POSITIVE_INFINITY;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> backward(gr, th, bad, 2, 3, 1));
    assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    IllegalArgumentException l = assertThrows(IllegalArgumentException.class,
        () -> backward(gr, th, new float[5], 2, 3, 1));
    assertTrue(l.getMessage().startsWith("lossTable has length 5, expected draws * rows * arity"),
        l.getMessage());
  }

  /**
   * Every backend and CPU instruction set against the JAVA backend (double precision), on
   * random rows, masked classes and peaked rows (p of the top class 1 - 1e-6, where a centre
   * formed with that p in float would lose the small gradients: math.h).
   */
  @Test
  void theNativeBackendsAgreeWithTheJavaOracle() {
    SplittableRandom rnd = new SplittableRandom(11);
    int rows = 200, arity = 17, n = 4;
    float[] th = TestData.logits(rnd, rows, arity, 3.0, 0.2);
    for (int r = 0; r < rows; r += 10) th[r * arity + r % arity] = 25f;  // peaked rows
    float[] table = TestData.gaussian(rnd, n * rows * arity);
    float[] oracle;
    try (Backend java = Backend.open(BackendKind.JAVA)) {
      oracle = backward(java, th, table, rows, arity, n);
    }
    assumeTrue(NativeSupport.loaded(), "the native library is not loaded");
    try (Backend cpu = Backend.open(BackendKind.CPU)) {
      int ran = 0;
      for (String isa : new String[] {"avx512", "avx2", "x86-64", "neon"}) {
        if (NativeRuntime.setCpuIsa(isa) != 0) continue;
        ran++;
        TestData.assertElementsClose(oracle, backward(cpu, th, table, rows, arity, n), rows,
            arity, 1e-5, 16 * 0x1p-24, "indecater_backward on " + isa);
      }
      assertTrue(ran > 0);
    } finally {
      for (String isa : new String[] {"avx512", "avx2", "x86-64", "neon"}) {
        if (NativeRuntime.setCpuIsa(isa) == 0) break;
      }
    }
  }
}
