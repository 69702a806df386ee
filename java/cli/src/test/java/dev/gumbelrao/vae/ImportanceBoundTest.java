package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The importance-weighted bound against log p(x) computed exactly by enumeration. */
class ImportanceBoundTest {
  private static final Backend gr = Tiny.cpu();

  /**
   * A decoder in which pixels 0-2 depend on variable 0 only and pixels 3-5 on variable 1 only
   * has a factorised posterior; an encoder whose logits are log p(x_block | D_i) (uniform
   * prior) is that posterior, so every importance weight is p(x) and L_M = log p(x) for every M
   * and every draw.
   */
  @Test
  void theBoundIsExactWhenQIsThePosterior() {
    Architecture a = Tiny.arch(2, 3, List.of(), List.of());
    Split one = new Split("test", new byte[] {1, 0, 1, 1, 1, 0}, 1, Tiny.PIXELS);
    try (VaeModel m = new VaeModel(a, 1, null)) {
      float[][] p = m.read();  // encoder W (6 x 6), b (6); decoder W (6 out x 6 in), b (6)
      SplitMix64 r = new SplitMix64(9);
      float[] dw = new float[36], db = new float[6];
      for (int px = 0; px < 6; px++) {
        db[px] = (float) (r.nextDouble() - 0.5);
        for (int in = 0; in < 6; in++) {
          if (px / 3 == in / 3) dw[px * 6 + in] = (float) (3 * (r.nextDouble() - 0.5));
        }
      }
      float[] eb = new float[6];
      for (int i = 0; i < 2; i++) {
        for (int k = 0; k < 3; k++) {
          double ll = 0;
          for (int px = 3 * i; px < 3 * i + 3; px++) {
            double rr = dw[px * 6 + 3 * i + k] + db[px];
            ll += one.bit(0, px) * rr - Tiny.softplus(rr);
          }
          eb[3 * i + k] = (float) ll;
        }
      }
      m.write(new float[][] {new float[36], eb, dw, db});
      double exact = Tiny.exactLogLikelihood(m, one, 0);
      for (int samples : new int[] {1, 7, 100}) {
        for (long seed = 0; seed < 3; seed++) {
          double[] l = ImportanceBound.logLikelihood(m, gr, one, 0, 1, samples,
              NoiseKey.of(seed), ImportanceBound.MAX_SAMPLES_PER_CALL);
          assertEquals(exact, l[0], 2e-5, "M = " + samples);
        }
      }
      // and a q that is not the posterior gives a strictly lower bound at M = 1
      eb[0] += 2;
      m.write(new float[][] {new float[36], eb, dw, db});
      double[] l = ImportanceBound.logLikelihood(m, gr, one, 0, 1, 1, NoiseKey.of(5), 5000);
      assertTrue(Math.abs(l[0] - exact) > 1e-3);
    }
  }

  /**
   * For a model whose q is not its posterior, averaged over many draws: L_1 < L_3 < L_30 <= log
   * p(x) (E[L_M] rises with M to log p(x); Burda et al. 2016, Theorem 1), each comparison by
   * more than 4 standard errors.
   */
  @Test
  void theBoundRisesWithMTowardsTheExactLogLikelihood() {
    Architecture a = Tiny.arch(2, 3, List.of(5), List.of(5));
    Split s = Tiny.split("valid", 4, 11);
    try (VaeModel m = new VaeModel(a, 3, null)) {
      double exact = 0;
      for (int i = 0; i < s.count(); i++) exact += Tiny.exactLogLikelihood(m, s, i) / s.count();
      int[] ms = {1, 3, 30};
      double[] mean = new double[ms.length], se = new double[ms.length];
      int reps = 300;
      for (int k = 0; k < ms.length; k++) {
        double sum = 0, sq = 0;
        for (int rep = 0; rep < reps; rep++) {
          double[] l = ImportanceBound.logLikelihood(m, gr, s, 0, s.count(), ms[k],
              NoiseKey.of(rep).derive(ms[k]), ImportanceBound.MAX_SAMPLES_PER_CALL);
          double v = -ImportanceBound.meanNll(l);
          sum += v;
          sq += v * v;
        }
        mean[k] = sum / reps;
        se[k] = Math.sqrt(Math.max(0, sq / reps - mean[k] * mean[k]) / reps);
      }
      assertTrue(exact - mean[0] > 0.05, "q should be far enough from the posterior: "
          + (exact - mean[0]));
      for (int k = 0; k + 1 < ms.length; k++) {
        assertTrue(mean[k + 1] - mean[k] > 4 * Math.hypot(se[k], se[k + 1]),
            "L_" + ms[k] + " = " + mean[k] + " vs L_" + ms[k + 1] + " = " + mean[k + 1]);
      }
      assertTrue(mean[2] <= exact + 4 * se[2], "L_30 = " + mean[2] + " > log p(x) = " + exact);
      assertTrue(exact - mean[2] < 0.5 * (exact - mean[0]), "L_30 should close most of the gap");
    }
  }

  /** An image's samples come from its own sub-key: the same bound whatever the chunking. */
  @Test
  void anImagesBoundDoesNotDependOnChunkingOrOnTheOtherImages() {
    Architecture a = Tiny.arch(2, 3, List.of(4), List.of(4));
    Split s = Tiny.split("valid", 9, 4);
    try (VaeModel m = new VaeModel(a, 2, null)) {
      NoiseKey key = NoiseKey.of(77);
      double[] all = ImportanceBound.logLikelihood(m, gr, s, 0, 9, 10, key, 5000);
      double[] chunked = ImportanceBound.logLikelihood(m, gr, s, 0, 9, 10, key, 20);
      double[] tail = ImportanceBound.logLikelihood(m, gr, s, 5, 4, 10, key, 30);
      assertArrayEquals(all, chunked, 1e-4);  // PyTorch may block a matmul by its batch
      assertArrayEquals(java.util.Arrays.copyOfRange(all, 5, 9), tail, 1e-4);
      double[] other = ImportanceBound.logLikelihood(m, gr, s, 0, 9, 10, NoiseKey.of(78), 5000);
      assertTrue(Math.abs(other[0] - all[0]) > 1e-3, "another key draws other samples");
    }
  }
}
