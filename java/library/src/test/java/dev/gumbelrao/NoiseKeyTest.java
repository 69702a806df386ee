package dev.gumbelrao;

import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashSet;
import java.util.Set;
import org.apache.commons.statistics.inference.ChiSquareTest;
import org.apache.commons.statistics.inference.SignificanceResult;
import org.junit.jupiter.api.Test;

/**
 * Sub-keys (NoiseKey.derive): the documented rule, stable values, and the property that matters
 * to a training loop: two variable groups sampled in one step with derived keys get independent
 * noise, while the same key twice gives the same noise (the collision derive exists to avoid).
 */
class NoiseKeyTest {
  @Test
  void derivedKeysFollowTheDocumentedRuleAndNeverChange() {
    NoiseKey k = new NoiseKey(42, 7);
    // Golden values: changing the rule changes every derived key users have recorded.
    assertEquals(new NoiseKey(-6200237584026183624L, 504499345L), k.derive(0));
    assertEquals(new NoiseKey(-5614093137315587699L, 2508796709L), k.derive(1));
    assertEquals(new NoiseKey(-7218506679582024819L, 2469682934L), k.derive(-1));
    assertEquals(new NoiseKey(7015132096723573894L, 3633801543L), k.derive(1).derive(2));
    assertEquals(k.derive(5), new NoiseKey(42, 7).derive(5));
    // The rule of math.h, computed by the native Philox: block (index lo, index hi, 0xffffffff,
    // offset) under the seed gives seed' = w1 << 32 | w0 and offset' = w2.
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    long index = 0x1234_5678_9ABCL;
    int[] w = new int[4];
    NativeRuntime.philox(42, (int) index, (int) (index >>> 32), 0xFFFFFFFF, 7, w);
    NoiseKey expected = new NoiseKey((w[1] & 0xFFFFFFFFL) << 32 | (w[0] & 0xFFFFFFFFL),
        w[2] & 0xFFFFFFFFL);
    assertEquals(expected, k.derive(index));
  }

  @Test
  void derivedKeysAreDistinctFromEachOtherAndFromTheirParents() {
    Set<NoiseKey> seen = new HashSet<>();
    NoiseStream steps = new NoiseStream(3);
    for (int step = 0; step < 200; step++) {
      NoiseKey parent = steps.next();
      assertTrue(seen.add(parent));
      for (int layer = 0; layer < 50; layer++) {
        assertTrue(seen.add(parent.derive(layer)), "step " + step + " layer " + layer);
      }
    }
    assertNotEquals(NoiseKey.of(1).derive(0), NoiseKey.of(2).derive(0));
    assertNotEquals(new NoiseKey(1, 0).derive(0), new NoiseKey(1, 1).derive(0));
  }

  /**
   * Two groups of variables with the same (uniform) logits, sampled in one step: with the same
   * key they always agree (the collision); with two derived keys the pairs (D1, D2) are
   * independent: chi-square test of the 8 x 8 contingency table (p >= 1e-6; a false failure has
   * probability 1e-6), and the agreement rate within 5 standard errors of 1/8.
   */
  @EveryBackend
  void twoGroupsWithDerivedKeysGetIndependentNoise(Backend gr) {
    int rows = 80_000, arity = 8;
    float[] th = new float[rows * arity];
    NoiseKey step = new NoiseKey(11, 4);
    int[] d1 = TestData.sample(gr, th, rows, arity, step.derive(1));
    int[] d2 = TestData.sample(gr, th, rows, arity, step.derive(2));
    int[] same = TestData.sample(gr, th, rows, arity, step.derive(1));
    long[][] table = new long[arity][arity];
    int agree = 0, agreeSame = 0;
    for (int r = 0; r < rows; r++) {
      table[d1[r]][d2[r]]++;
      if (d1[r] == d2[r]) agree++;
      if (d1[r] == same[r]) agreeSame++;
    }
    assertEquals(rows, agreeSame, "the same key must give the same noise");
    double rate = (double) agree / rows, se = Math.sqrt(0.125 * 0.875 / rows);
    assertTrue(Math.abs(rate - 0.125) < 5 * se, "agreement " + rate + ", expected 1/8");
    SignificanceResult chi = ChiSquareTest.withDefaults().test(table);
    assertTrue(chi.getPValue() >= 1e-6, "independence rejected: p = " + chi.getPValue());
  }
}
