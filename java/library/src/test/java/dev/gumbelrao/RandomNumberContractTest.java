package dev.gumbelrao;

import dev.gumbelrao.backends.Formulas;
import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The noise contract of estimators.md: Philox4x32-10 (checked against the Random123 known-answer
 * vectors), the counter layout, and the uniform map into the open interval (0, 1) for all 2^32
 * generator words, in Java and in the native library.
 */
class RandomNumberContractTest {
  // Random123 kat_vectors, philox4x32 with 10 rounds: counter, key, expected output.
  private static final int[][] KAT = {
    {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {-1, -1, -1, -1, -1, -1, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
        0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
  };

  private static long seedOf(int k0, int k1) {
    return (k0 & 0xFFFFFFFFL) | ((long) k1 << 32);
  }

  /** Formulas.philox and NativeRuntime.philox: (seed, quad, row, slot, offset) to four words. */
  private interface Philox {
    void words(long seed, int quad, int row, int slot, int offset, int[] out);
  }

  private static void assertKnownAnswers(Philox philox) {
    int[] out = new int[4];
    for (int[] v : KAT) {
      philox.words(seedOf(v[4], v[5]), v[0], v[1], v[2], v[3], out);
      assertArrayEquals(new int[] {v[6], v[7], v[8], v[9]}, out);
    }
  }

  @Test
  void javaPhiloxMatchesRandom123KnownAnswers() {
    assertKnownAnswers(Formulas::philox);
  }

  @Test
  void nativePhiloxMatchesRandom123KnownAnswers() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    assertKnownAnswers(NativeRuntime::philox);
  }

  /**
   * The uniforms the kernels draw on their vector lanes (each instruction-set copy has its own
   * lane width and 32 x 32 -> 64 multiply) are the contract's: the scalar Philox words through
   * the uniform map, for rows, slots and arities that end inside and at the edge of a vector.
   */
  @Test
  void everyCpuInstructionSetDrawsTheContractsUniforms() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    String best = NativeSupport.cpuIsa();
    int[] words = new int[4];
    int checked = 0;
    try {
      for (String isa : new String[] {"x86-64", "avx2", "avx512", "neon"}) {
        if (NativeRuntime.setCpuIsa(isa) != 0) continue; // not this CPU's
        checked++;
        SplittableRandom rnd = new SplittableRandom(12);
        for (int arity : new int[] {1, 3, 4, 5, 16, 17, 63, 64, 65, 1000}) {
          long seed = rnd.nextLong();
          int offset = rnd.nextInt(), slot = rnd.nextInt(1 << 20);
          long row = rnd.nextInt(1 << 30);
          float[] u = new float[arity];
          NativeRuntime.uniforms(seed, offset, row, slot, arity, u);
          for (int j = 0; j < arity; j++) {
            Formulas.philox(seed, j / 4, (int) row, slot, offset, words);
            assertEquals((float) Formulas.uniformOpen(words[j % 4]), u[j],
                isa + ": arity " + arity + " column " + j);
          }
        }
      }
    } finally {
      NativeRuntime.setCpuIsa(best);
    }
    assertTrue(checked > 0, "no instruction set could be selected");
  }

  @Test
  void nativeAndJavaPhiloxAgreeOnRandomCounters() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    SplittableRandom rnd = new SplittableRandom(11);
    int[] a = new int[4], b = new int[4];
    for (int i = 0; i < 10_000; i++) {
      long seed = rnd.nextLong();
      int q = rnd.nextInt(), row = rnd.nextInt(), slot = rnd.nextInt(), off = rnd.nextInt();
      Formulas.philox(seed, q, row, slot, off, a);
      NativeRuntime.philox(seed, q, row, slot, off, b);
      assertArrayEquals(a, b);
    }
  }

  @Test
  void uniformMapIsInsideTheOpenIntervalForAllWordsInJava() {
    long bad = 0;
    double min = 1, max = 0;
    for (long x = 0; x <= 0xFFFFFFFFL; x++) {
      double u = Formulas.uniformOpen((int) x);
      float uf = (float) u;
      if (!(u > 0 && u < 1) || !(uf > 0 && uf < 1) || uf != u) bad++;
      if (u < min) min = u;
      if (u > max) max = u;
    }
    assertEquals(0, bad, "words mapped outside (0, 1) or not exact in float");
    assertEquals(0x1p-24, min);
    assertEquals(1 - 0x1p-24, max);
  }

  @Test
  void uniformMapIsInsideTheOpenIntervalForAllWordsInNativeCode() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    assertEquals(0, NativeRuntime.uniformMapViolations());
  }

  @Test
  void noiseDependsOnEveryCounterWordAndTheKey() {
    int[] base = new int[4], other = new int[4];
    Formulas.philox(1, 2, 3, 4, 5, base);
    int[][] variants = {{2, 2, 3, 4, 5}, {1, 3, 3, 4, 5}, {1, 2, 4, 4, 5}, {1, 2, 3, 5, 5},
        {1, 2, 3, 4, 6}};
    for (int[] v : variants) {
      Formulas.philox(v[0], v[1], v[2], v[3], v[4], other);
      for (int i = 0; i < 4; i++) assertTrue(base[i] != other[i]);
    }
    Formulas.philox(1L | (1L << 32), 2, 3, 4, 5, other); // high word of the seed
    for (int i = 0; i < 4; i++) assertTrue(base[i] != other[i]);
  }
}
