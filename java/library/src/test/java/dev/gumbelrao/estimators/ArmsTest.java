package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * ARMS ({@link Estimators#arms(int)}) for binary variables: n draws per variable joined by the
 * Dirichlet copula and a correlation-corrected leave-one-out combination of their losses. Its
 * expectation is computed exactly, by enumerating every outcome of the n draws with the copula's
 * closed-form probabilities ({@link #patternProbability}), through the backends' own backward
 * pass; the sampler is checked against the same probabilities.
 */
class ArmsTest {
  private static final float[] ETAS = {-2.7f, -0.6f, 0f, 0.35f, 1.9f};

  /**
   * P(b_1..b_n = x) under the copula for a variable of logit eta: with pbar = min(p, 1 - p) and
   * a = 1 - pbar^(1/(n-1)), the lower-tail indicators [U_k &lt; pbar] have P(x) = sum_j (-1)^j
   * C(n - m, j) (1 - (m + j) a)_+^(n-1) for m ones in x (inclusion-exclusion on P(d_k &gt; a for
   * every k in a set of size s) = (1 - s a)_+^(n-1)); b = x for p &lt; 1/2, 1 - x otherwise.
   */
  static double patternProbability(double eta, int[] b) {
    int n = b.length;
    double p = 1 / (1 + Math.exp(-eta));
    boolean flip = p >= 0.5;
    double pbar = flip ? 1 - p : p;
    double a = 1 - Math.pow(pbar, 1.0 / (n - 1));
    int m = 0;
    for (int x : b) m += flip ? 1 - x : x;
    double sum = 0;
    for (int j = 0; j <= n - m; j++) {
      double t = Math.max(0, 1 - (m + j) * a);
      sum += (j % 2 == 0 ? 1 : -1) * binomial(n - m, j) * Math.pow(t, n - 1);
    }
    return sum;
  }

  private static double binomial(int n, int k) {
    double c = 1;
    for (int i = 1; i <= k; i++) c = c * (n - k + i) / i;
    return c;
  }

  private static int[] bits(int pattern, int n) {
    int[] b = new int[n];
    for (int k = 0; k < n; k++) b[k] = (pattern >> k) & 1;
    return b;
  }

  /** The pattern probabilities are a distribution whose draws are each Bernoulli(p). */
  @org.junit.jupiter.api.Test
  void theCopulaProbabilitiesAreADistributionWithBernoulliMarginals() {
    for (int n : new int[] {2, 3, 4, 6}) {
      for (float eta : ETAS) {
        double total = 0, ones = 0;
        for (int pattern = 0; pattern < 1 << n; pattern++) {
          double pr = patternProbability(eta, bits(pattern, n));
          assertTrue(pr >= -1e-15, "n " + n + " eta " + eta + " pattern " + pattern);
          total += pr;
          ones += pr * (pattern & 1);
        }
        assertEquals(1, total, 1e-12);
        assertEquals(1 / (1 + Math.exp(-eta)), ones, 1e-12, "P(b_1 = 1), n " + n);
      }
    }
  }

  /**
   * Exactly unbiased: one variable, losses f(b) arbitrary; the backend's gradient of every
   * outcome of the n draws, weighted by its copula probability, is p (1 - p)(f(1) - f(0)). A
   * missing or wrong correlation correction D(p) fails this at n &gt;= 3 (at n = 2 it is
   * sigmoid(|eta|) either way).
   */
  @EveryBackend
  void itsExpectationIsTheExactGradient(Backend gr) {
    double f0 = 0.7, f1 = -1.9;
    for (int n : new int[] {2, 3, 5}) {
      ScoreFunctionEstimator est = Estimators.arms(n);
      assertEquals(n, est.draws());
      int patterns = 1 << n;
      for (float eta : ETAS) {
        float[] logits = new float[patterns];
        Arrays.fill(logits, eta);
        int[] choice = new int[n * patterns];
        float[] losses = new float[n * patterns];
        for (int r = 0; r < patterns; r++) {
          int[] b = bits(r, n);
          for (int k = 0; k < n; k++) {
            choice[k * patterns + r] = b[k];
            losses[k * patterns + r] = (float) (b[k] == 1 ? f1 : f0);
          }
        }
        Sample s = est.given(gr, logits, patterns, 1, NoiseKey.of(1), choice);
        float[] grad = new float[patterns];
        est.backward(s, losses, grad);
        double mean = 0;
        for (int r = 0; r < patterns; r++) mean += patternProbability(eta, bits(r, n)) * grad[r];
        double p = 1 / (1 + Math.exp(-eta));
        double truth = p * (1 - p) * ((float) f1 - (float) f0);
        assertEquals(truth, mean, 2e-6 * Math.abs(truth), "ARMS-" + n + " eta " + eta);
      }
    }
  }

  /**
   * Two variables of one example, n = 3, a loss that is not additive in them: the expectation of
   * each variable's gradient over all 2^3 x 2^3 outcomes is p_i (1 - p_i)(E[f | b_i = 1] -
   * E[f | b_i = 0]).
   */
  @EveryBackend
  void itIsUnbiasedForALossOfSeveralVariables(Backend gr) {
    int n = 3, patterns = 1 << n, pairs = patterns * patterns;
    float[] eta = {-0.8f, 1.3f};
    double[][] table = {{0.4, -1.1}, {2.3, 0.9}};  // f(b0, b1)
    float[] logits = new float[2 * pairs];
    int[] choice = new int[n * 2 * pairs];
    float[] losses = new float[n * 2 * pairs];
    int rows = 2 * pairs;
    for (int x = 0; x < patterns; x++) {
      for (int y = 0; y < patterns; y++) {
        int example = x * patterns + y;
        int[] b0 = bits(x, n), b1 = bits(y, n);
        for (int v = 0; v < 2; v++) logits[2 * example + v] = eta[v];
        for (int k = 0; k < n; k++) {
          float f = (float) table[b0[k]][b1[k]];
          choice[k * rows + 2 * example] = b0[k];
          choice[k * rows + 2 * example + 1] = b1[k];
          losses[k * rows + 2 * example] = f;
          losses[k * rows + 2 * example + 1] = f;
        }
      }
    }
    ScoreFunctionEstimator est = Estimators.arms(n);
    float[] grad = new float[rows];
    est.backward(est.given(gr, logits, rows, 1, NoiseKey.of(2), choice), losses, grad);
    double[] mean = new double[2];
    for (int x = 0; x < patterns; x++) {
      for (int y = 0; y < patterns; y++) {
        double pr = patternProbability(eta[0], bits(x, n)) * patternProbability(eta[1], bits(y, n));
        int example = x * patterns + y;
        mean[0] += pr * grad[2 * example];
        mean[1] += pr * grad[2 * example + 1];
      }
    }
    double p0 = 1 / (1 + Math.exp(-eta[0])), p1 = 1 / (1 + Math.exp(-eta[1]));
    double[] truth = {
        p0 * (1 - p0) * (p1 * (table[1][1] - table[0][1]) + (1 - p1) * (table[1][0] - table[0][0])),
        p1 * (1 - p1) * (p0 * (table[1][1] - table[1][0]) + (1 - p0) * (table[0][1] - table[0][0]))};
    for (int v = 0; v < 2; v++) {
      assertEquals((float) truth[v], mean[v], 2e-6 * Math.abs(truth[v]), "variable " + v);
    }
  }

  /**
   * The sampler draws the copula: the frequency of every outcome of n = 3 and 4 draws over many
   * rows matches its probability within 5 standard errors, and a row of eta = +inf (-inf) draws
   * 1 (0) every time.
   */
  @EveryBackend
  void theDrawsFollowTheCopula(Backend gr) {
    int rows = 60_000;
    for (int n : new int[] {3, 4}) {
      for (float eta : new float[] {-1.1f, 0.5f}) {
        float[] logits = new float[rows];
        Arrays.fill(logits, eta);
        float[] values = new float[n * rows];
        Sample s = Estimators.arms(n).forward(gr, logits, rows, 1, new NoiseKey(n, 9), values);
        int[] count = new int[1 << n];
        for (int r = 0; r < rows; r++) {
          int pattern = 0;
          for (int k = 0; k < n; k++) {
            assertEquals((float) s.choice(k * rows + r), values[k * rows + r]);
            pattern |= s.choice(k * rows + r) << k;
          }
          count[pattern]++;
        }
        for (int pattern = 0; pattern < 1 << n; pattern++) {
          double pr = patternProbability(eta, bits(pattern, n));
          double se = Math.sqrt(pr * (1 - pr) / rows) + 1e-9;
          assertTrue(Math.abs((double) count[pattern] / rows - pr) < 5 * se,
              "n " + n + " eta " + eta + " pattern " + Integer.toBinaryString(pattern) + ": "
                  + (double) count[pattern] / rows + " vs " + pr);
        }
      }
      float[] certain = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
      int[] d = Estimators.arms(n).forward(gr, certain, 2, 1, NoiseKey.of(5), null).choices();
      for (int k = 0; k < n; k++) {
        assertEquals(1, d[2 * k]);
        assertEquals(0, d[2 * k + 1]);
      }
    }
  }

  /**
   * DisARM is ARMS at n = 2: the same draws from the same key, and the same gradient (to float
   * rounding: the two are computed by different formulas).
   */
  @EveryBackend
  void atTwoDrawsItIsDisarm(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(7);
    int rows = 500;
    float[] eta = TestData.gaussian(rnd, rows);
    for (int r = 0; r < rows; r++) eta[r] *= 2.5f;
    eta[3] = Float.POSITIVE_INFINITY;
    eta[4] = Float.NEGATIVE_INFINITY;
    NoiseKey key = new NoiseKey(31, 4);
    Sample arms = Estimators.arms(2).forward(gr, eta, rows, 1, key, null);
    Sample disarm = Estimators.disarm().forward(gr, eta, rows, 1, key, null);
    assertArrayEquals(disarm.choices(), arms.choices());
    float[] losses = TestData.gaussian(rnd, 2 * rows);
    float[] ga = new float[rows], gd = new float[rows];
    Estimators.arms(2).backward(arms, losses, ga);
    Estimators.disarm().backward(disarm, losses, gd);
    for (int r = 0; r < rows; r++) {
      assertEquals(gd[r], ga[r], 2e-6 * Math.abs(gd[r]), "row " + r);
    }
  }

  /** The formula on fresh random draws and losses, in double here, on every backend. */
  @EveryBackend
  void theGradientIsItsFormula(Backend gr) {
    SplittableRandom rnd = new SplittableRandom(11);
    int rows = 300, n = 4;
    float[] eta = TestData.gaussian(rnd, rows);
    Sample s = Estimators.arms(n).forward(gr, eta, rows, 1, new NoiseKey(5, 2), null);
    float[] losses = TestData.gaussian(rnd, n * rows), grad = new float[rows];
    Estimators.arms(n).backward(s, losses, grad);
    for (int r = 0; r < rows; r++) {
      double p = 1 / (1 + Math.exp(-eta[r])), mean = 0;
      for (int k = 0; k < n; k++) mean += losses[k * rows + r];
      mean /= n;
      double sum = 0, joint = 0;
      for (int pattern = 0; pattern < 1 << n; pattern++) {
        int[] b = bits(pattern, n);
        if (b[0] == 1 && b[1] == 1) joint += patternProbability(eta[r], b);
      }
      for (int k = 0; k < n; k++) sum += (losses[k * rows + r] - mean) * (s.choice(k * rows + r) - p);
      double expected = p * (1 - p) / (p - joint) / (n - 1) * sum;
      assertEquals(expected, grad[r], 1e-5 * Math.abs(expected) + 1e-6, "row " + r);
    }
  }

  /** Fewer than two draws is refused, naming the argument. */
  @org.junit.jupiter.api.Test
  void fewerThanTwoDrawsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Estimators.arms(1));
    assertTrue(e.getMessage().contains("draws (n)"), e.getMessage());
    assertEquals("ARMS-3", Estimators.parse("arms-3", 1f).name());
  }
}
