package dev.gumbelrao;

import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.RunningMeanBaseline;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;
import dev.gumbelrao.testing.EstimatorCases;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/**
 * The classes of bad and extreme input of the hardening review, one test each, on every backend:
 * K near 2^31, large logits in sampling, non-finite upstream values, values at the edge of the
 * float range, and cancelled long calls. (Overlapping outputs: ValidationTest; long calls that
 * stalled the JVM: LongCallTest; the command line: CliTest.)
 */
class HardeningTest {
  /**
   * Class 1: K up to 2^31 - 1. The native chunk count (K + 1023) / 1024 overflowed int32 from
   * K = 2147482625: the call returned at once with a gradient 10^6 times too small. GR-MC(2^31-1)
   * on one row of 2 classes must match GR-MC(10^6) of the same row to the Monte Carlo error of
   * the latter (a standard deviation of about 1e-3 of |grad|; 2% allowed).
   */
  @Test
  void kNearTwoToTheThirtyOneIsCountedIn64Bits() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    try (Backend cpu = Backend.open(BackendKind.CPU)) {
      float[] th = {0.4f, -0.3f}, g = {1f, -2f};
      int[] d = {0};
      float[] big = new float[2], ref = new float[2];
      PathwiseEstimator huge = Estimators.gumbelRao(Integer.MAX_VALUE, 1f);
      PathwiseEstimator million = Estimators.gumbelRao(1_000_000, 1f);
      huge.backward(huge.given(cpu, th, 1, 2, NoiseKey.of(3), d), g, big);
      million.backward(million.given(cpu, th, 1, 2, NoiseKey.of(4), d), g, ref);
      for (int j = 0; j < 2; j++) {
        assertEquals(ref[j], big[j], 0.02 * Math.abs(ref[j]), "component " + j);
      }
    }
  }

  /**
   * Class 2: Gumbel-max with large logits. Two equal logits of 1e6, 1e7 or 1e8: P(D = 0) = 1/2
   * (before, 0.508, 0.621, 0.983: theta + G rounded G away), within 5 standard errors over
   * 100,000 rows, and every backend draws the same D as the double-precision JAVA backend except
   * at float near-ties of the perturbed logits.
   */
  @EveryBackend
  void largeEqualLogitsAreSampledEvenlyAndAlike(BackendKind backend, Backend gr) {
    try (Backend ref = Backend.open(BackendKind.JAVA)) {
      int rows = 100_000;
      for (float scale : new float[] {1e6f, 1e7f, 1e8f, 1e30f}) {
        float[] th = new float[2 * rows];
        java.util.Arrays.fill(th, scale);
        int[] d = new int[rows], dRef = new int[rows];
        NoiseKey key = new NoiseKey(8, (long) Math.log10(scale));
        gr.sample(th, rows, 2, key, d, null);
        ref.sample(th, rows, 2, key, dRef, null);
        int zeros = 0;
        for (int v : d) zeros += v == 0 ? 1 : 0;
        double rate = (double) zeros / rows, se = Math.sqrt(0.25 / rows);
        assertTrue(Math.abs(rate - 0.5) < 5 * se, backend + " at " + scale + ": P(D = 0) = "
            + rate);
        BackendAgreementTest.assertSameChoicesUpToNearTies(th, rows, 2, key, dRef, d);
        // the relaxed sample of the same noise has its maximum at D
        float[] y = new float[2 * rows];
        Estimators.gumbelSoftmax(0.5f).forward(gr, th, rows, 2, key, y);
        for (int r = 0; r < rows; r++) {
          int top = y[2 * r + 1] > y[2 * r] ? 1 : 0;
          if (top != d[r]) {
            assertTrue(Math.abs(y[2 * r] - y[2 * r + 1]) < 1e-5, "row " + r + ": soft max at "
                + top + ", D = " + d[r]);
          }
        }
      }
    }
  }

  /**
   * Class 4: non-finite upstream values, for every estimator of the registry (read from
   * {@link EstimatorCases}). A masked class's upstream is never read and its gradient is exactly
   * +0; a NaN or infinity at an unmasked class (binary: at any variable) is an error naming
   * upstream and the row (before: [NaN, NaN, NaN] from every estimator). A score-function
   * estimator's non-finite loss is an error naming losses and the row, and its gradient at a
   * masked class is +0 too.
   */
  @EveryBackend
  void nonFiniteUpstreamAtMaskedClassesIsIgnoredAndElsewhereRejected(Backend gr) {
    float[] th = {0.3f, Float.NEGATIVE_INFINITY, -0.2f, 1f, 2f, 3f};
    float[] eta = {0.3f, -1f, 2f};
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY}) {
      for (EstimatorCases.Case c : EstimatorCases.oneEach(3, 10, 0.5f)) {
        Estimator est = c.estimator();
        float[] logits = c.binary() ? eta : th;
        int rows = c.binary() ? 3 : 2, arity = c.arity(), n = rows * arity;
        float[] grad = new float[n];
        float[] in, in2;
        if (c.pathwise()) {
          in = c.binary() ? new float[] {1f, -0.5f, 0.1f}
              : new float[] {1f, bad, -0.5f, 0.1f, 0.2f, 0.3f};
          in2 = in.clone();
          in2[c.binary() ? 1 : 5] = bad;  // row 1, unmasked
        } else {
          in = new float[c.inputLength(rows)];
          for (int i = 0; i < in.length; i++) in[i] = 0.5f - i;
          if (c.lossTable()) in[1] = bad;  // row 0's masked class (of the first draw)
          in2 = in.clone();
          // row 1 (of the last draw; a loss table: its last class, unmasked)
          in2[c.lossTable() ? in.length - 1 : in.length - rows + 1] = bad;
        }
        EstimatorCases.backward(est, est.forward(gr, logits, rows, arity, NoiseKey.of(1), null),
            in, grad);
        for (int i = 0; i < n; i++) {
          assertTrue(Float.isFinite(grad[i]), c + ": " + java.util.Arrays.toString(grad));
        }
        if (!c.binary()) {
          assertEquals(0, Float.floatToRawIntBits(grad[1]), c + ": the masked class's "
              + "gradient " + grad[1] + " is not +0");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> EstimatorCases.backward(est, est.forward(gr, logits, rows, arity,
                NoiseKey.of(1), null), in2, grad), c.toString());
        if (c.pathwise()) {
          assertEquals("upstream: row 1 holds NaN or Infinity at an unmasked class",
              e.getMessage(), c.toString());
        } else {
          assertTrue(e.getMessage().startsWith(c.inputName() + ": row 1 "),
              c + ": " + e.getMessage());
        }
      }
    }
  }

  /**
   * Class 5: the edge of the float range, the same on every backend: upstream values of
   * +-3e38 give every pathwise estimator finite gradients that agree with the double-precision
   * JAVA backend (before: [Infinity, NaN, Infinity] on the CPU), and losses of +-3e38 every
   * score-function one; a gradient beyond the float range is an error naming grad and the row;
   * the baseline rejects values a float cannot hold; conditional noise beyond the float range
   * (D's logit 6.8e38 below the row's) is an error naming choice.
   */
  @EveryBackend
  void theEdgeOfTheFloatRangeGivesFiniteResultsOrAClearError(BackendKind backend, Backend gr) {
    try (Backend ref = Backend.open(BackendKind.JAVA)) {
      float[] th = {0.3f, -0.2f, 0f, 1f, 0.5f, -1f};
      float[] g = {3e38f, -3e38f, 0f, -3e38f, 1e38f, 3e38f};
      for (EstimatorCases.Case c : EstimatorCases.oneEach(3, 20, 1f)) {
        int rows = c.binary() ? 6 : 2, arity = c.arity(), n = rows * arity;
        float[] in = c.pathwise() ? g : new float[c.inputLength(rows)];
        for (int i = 0; !c.pathwise() && i < in.length; i++) in[i] = i % 2 == 0 ? 3e38f : -3e38f;
        float[] grad = new float[n], expected = new float[n];
        Estimator est = c.estimator(), oracle = c.estimator();
        EstimatorCases.backward(est, est.forward(gr, th, rows, arity, NoiseKey.of(2), null), in,
            grad);
        EstimatorCases.backward(oracle, oracle.forward(ref, th, rows, arity, NoiseKey.of(2),
            null), in, expected);
        TestData.assertElementsClose(expected, grad, rows, arity, TestData.rtol(backend, 1f),
            TestData.floor(backend, 1f), backend + " " + c);
      }
      // ST at tau = 0.01 on two equal logits: s = (1/2, 1/2, 0), gradients of order 1e40
      PathwiseEstimator cold = Estimators.straightThrough(0.01f);
      float[] th2 = {0f, 0f, -100f, 0f, 0f, -100f}, out = new float[6];
      IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class,
          () -> cold.backward(cold.forward(gr, th2, 2, 3, NoiseKey.of(2), null), g, out));
      assertTrue(overflow.getMessage().startsWith("grad: row 0 does not fit a float"),
          backend + ": " + overflow.getMessage());
      // REINFORCE: (f - b) is formed in double; a gradient beyond the float range is an error
      ScoreFunctionEstimator reinforce = Estimators.reinforce();
      float[] grad = new float[6];
      float[] th3 = {0f, 0f, 0f, 0f, 0f, 0f};
      reinforce.backward(reinforce.given(gr, th3, 2, 3, NoiseKey.of(1), new int[] {0, 1}),
          new float[] {3e38f, 3e38f}, grad);  // b = 0 at the first step: finite; then b = 3e38
      for (float v : grad) assertTrue(Float.isFinite(v), java.util.Arrays.toString(grad));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> reinforce.backward(reinforce.given(gr, th3, 2, 3, NoiseKey.of(1),
              new int[] {0, 1}), new float[] {-3e38f, -3e38f}, grad));  // f - b = -6e38
      assertTrue(e.getMessage().startsWith("grad: row 0 does not fit a float"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> new RunningMeanBaseline().update(1e300));
      // conditional noise for a D whose probability underflows: G_D would be 6.8e38
      float[] extreme = {Float.MAX_VALUE, -Float.MAX_VALUE, 0f};
      e = assertThrows(IllegalArgumentException.class,
          () -> gr.conditionalGumbel(extreme, new int[] {1}, 1, 3, 4, NoiseKey.of(1),
              new float[12]));
      assertTrue(e.getMessage().startsWith("choice: row 0: the conditional noise"),
          e.getMessage());
      float[] noise = new float[12];
      gr.conditionalGumbel(extreme, new int[] {0}, 1, 3, 4, NoiseKey.of(1), noise);
      for (float v : noise) assertTrue(Float.isFinite(v), java.util.Arrays.toString(noise));
    }
  }

  /**
   * Long calls can be cancelled: an interrupt of the calling thread ends a Gumbel-Rao backward
   * pass of K = 2^31 - 1 (minutes of work) within a second with a CancellationException, and
   * leaves the thread's interrupt status set.
   */
  @EveryBackend
  void aLongCallEndsWhenItsThreadIsInterrupted(BackendKind backend, Backend gr) throws Exception {
    int rows = 64, arity = 16;
    SplittableRandom rnd = new SplittableRandom(3);
    float[] th = TestData.logits(rnd, rows, arity, 1, 0), g = TestData.gaussian(rnd,
        rows * arity);
    PathwiseEstimator est = Estimators.gumbelRao(Integer.MAX_VALUE, 0.5f);
    Sample s = est.forward(gr, th, rows, arity, NoiseKey.of(9), null);
    Throwable[] thrown = new Throwable[1];
    boolean[] stillInterrupted = new boolean[1];
    Thread worker = new Thread(() -> {
      try {
        est.backward(s, g, new float[rows * arity]);
      } catch (Throwable t) {
        thrown[0] = t;
        stillInterrupted[0] = Thread.currentThread().isInterrupted();
      }
    });
    worker.start();
    Thread.sleep(300);
    long start = System.nanoTime();
    worker.interrupt();
    worker.join(10_000);
    double seconds = (System.nanoTime() - start) / 1e9;
    assertTrue(!worker.isAlive(), backend + ": the call did not end after the interrupt");
    assertTrue(thrown[0] instanceof CancellationException, backend + ": " + thrown[0]);
    assertTrue(stillInterrupted[0], "the interrupt status is kept");
    assertTrue(seconds < 2, backend + ": it took " + seconds + " s to end");
  }
}
