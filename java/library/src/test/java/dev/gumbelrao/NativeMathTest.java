package dev.gumbelrao;

import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The host math of math.h (branch-free log2/exp2 polynomials, vectorised in every ISA) against
 * Java's correctly rounded double functions: accuracy in ulps over the ranges the estimators use,
 * and the IEEE special values masked classes rely on.
 */
class NativeMathTest {
  private static final int LOG2 = 0, EXP2 = 1, EXP2_NONPOSITIVE = 2;

  @BeforeEach
  void requireNative() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
  }

  private static float[] eval(int fn, float... x) {
    float[] y = new float[x.length];
    NativeRuntime.evalMath(fn, x, y, x.length);
    return y;
  }

  private static double ulps(float got, double exact) {
    return Math.abs(got - exact) / Math.ulp((float) exact);
  }

  @Test
  void log2IsWithinTwoUlpsOnAllPositiveFloatsSampled() {
    // Every 97th float bit pattern from the smallest subnormal to the largest finite float.
    int n = (0x7F7FFFFF - 1) / 97;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = Float.intBitsToFloat(1 + 97 * i);
    float[] y = eval(LOG2, x);
    double worst = 0;
    for (int i = 0; i < n; i++) {
      double exact = Math.log(x[i]) / Math.log(2);
      if (exact != 0) worst = Math.max(worst, ulps(y[i], exact));
    }
    assertTrue(worst <= 3, "log2 worst error " + worst + " ulps");
  }

  /** A million floats f(u), u uniform on [0, 1) from the seed. */
  private static float[] sampled(long seed, DoubleUnaryOperator f) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] x = new float[1_000_000];
    for (int i = 0; i < x.length; i++) x[i] = (float) f.applyAsDouble(rnd.nextDouble());
    return x;
  }

  @Test
  void exp2IsWithinTwoUlpsOverItsNormalRange() {
    float[] x = sampled(3, u -> -125 + 252 * u);
    float[] y = eval(EXP2, x);
    double worst = 0;
    for (int i = 0; i < x.length; i++) worst = Math.max(worst, ulps(y[i], Math.pow(2, x[i])));
    assertTrue(worst <= 2, "exp2 worst error " + worst + " ulps");
  }

  /**
   * The kernels' exponential for the shifted exponents of a softmax (x <= 0): within 2 ulps of
   * 2^x down to -125, and exactly 0 below, where 2^x is subnormal (below 2^-125 a term's share of
   * a row sum holding 1 is under 2^-125: its flush to zero changes no float sum).
   */
  @Test
  void exp2OfNonPositiveArgumentsIsWithinTwoUlpsAndFlushesBelowMinus125() {
    float[] x = sampled(4, u -> -130 * u);
    float[] y = eval(EXP2_NONPOSITIVE, x);
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      if (x[i] < -125f) {
        assertEquals(0f, y[i], "2^" + x[i]);
      } else {
        worst = Math.max(worst, ulps(y[i], Math.pow(2, x[i])));
      }
    }
    assertTrue(worst <= 2, "exp2 (x <= 0) worst error " + worst + " ulps");
    float[] e = eval(EXP2_NONPOSITIVE, Float.NEGATIVE_INFINITY, -0f, 0f, -1f, -125f, -125.5f);
    assertEquals(0f, e[0]);
    assertEquals(1f, e[1]);
    assertEquals(1f, e[2]);
    assertEquals(0.5f, e[3]);
    assertEquals((float) Math.pow(2, -125), e[4]);
    assertEquals(0f, e[5]);
  }

  @Test
  void specialValuesFollowIeee() {
    float inf = Float.POSITIVE_INFINITY, nan = Float.NaN;
    float[] l = eval(LOG2, 0f, -0f, inf, -1f, nan, 1f, 2f, 0.5f, Float.MIN_VALUE);
    assertEquals(Float.NEGATIVE_INFINITY, l[0]);
    assertEquals(Float.NEGATIVE_INFINITY, l[1]);
    assertEquals(inf, l[2]);
    assertTrue(Float.isNaN(l[3]));
    assertTrue(Float.isNaN(l[4]));
    assertEquals(0f, l[5]);
    assertEquals(1f, l[6]);
    assertEquals(-1f, l[7]);
    assertEquals(-149f, l[8]);
    float[] e = eval(EXP2, Float.NEGATIVE_INFINITY, inf, nan, 0f, 1f, -1f, 127.5f, 128f, -200f);
    assertEquals(0f, e[0]);
    assertEquals(inf, e[1]);
    assertTrue(Float.isNaN(e[2]));
    assertEquals(1f, e[3]);
    assertEquals(2f, e[4]);
    assertEquals(0.5f, e[5]);
    assertEquals((float) Math.pow(2, 127.5), e[6], Math.ulp((float) Math.pow(2, 127.5)) * 2);
    assertEquals(inf, e[7]);
    assertEquals(0f, e[8]);
  }
}
