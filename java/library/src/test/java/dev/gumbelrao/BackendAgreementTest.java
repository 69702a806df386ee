package dev.gumbelrao;

import dev.gumbelrao.backends.Formulas;
import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.estimators.RunningMeanBaseline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * "Every backend gives the same D and the same gradients (to float rounding) for the same seed":
 * each native backend against the JAVA backend, which computes in double precision, on fresh
 * random inputs for every operation, across arity (1 to 2^16, and 2^20 once), K (1 to 10^4, and
 * 10^6 once), tau (0.01 to 10), logit scales and masked classes. Also: the CPU backend's
 * instruction-set variants and thread counts agree with each other.
 */
class BackendAgreementTest {
  private static final long SEED = 0x5EEDL;

  @AfterEach
  void restoreCpuDefaults() {
    if (NativeSupport.loaded()) {
      NativeRuntime.setCpuThreads(Runtime.getRuntime().availableProcessors());
      for (String isa : new String[] {"avx512", "avx2", "x86-64"}) {
        if (NativeRuntime.setCpuIsa(isa) == 0) break;
      }
    }
  }

  /** (backend, rows, arity, K, tau, logit scale, mask rate). */
  static Stream<Arguments> cases() {
    Object[][] shapes = {
      {64, 1, 7, 0.5f, 1.0, 0.0},
      {512, 2, 100, 1.0f, 1.0, 0.0},
      {256, 3, 1000, 0.01f, 1.0, 0.0},
      {300, 5, 10, 10f, 3.0, 0.3},
      {128, 8, 100, 0.1f, 1.0, 0.0},
      {128, 16, 100, 0.5f, 1.0, 0.2},
      {64, 31, 10, 0.5f, 10.0, 0.0},
      {48, 33, 10, 2.0f, 0.1, 0.0},
      {20, 100, 10, 0.5f, 1.0, 0.5},
      {8, 129, 50, 0.5f, 1.0, 0.0},
      {4, 1024, 100, 0.5f, 1.0, 0.0},
      {3, 2047, 7, 0.01f, 1.0, 0.0},
      {2, 65536, 3, 1.0f, 1.0, 0.1},
      {3, 4, 10_000, 0.5f, 1.0, 0.0},
      {2, 17, 2500, 0.1f, 2.0, 0.0},
    };
    return TestBackends.nativeBackends().flatMap(b -> Stream.of(shapes).map(s ->
        Arguments.of(b, s[0], s[1], s[2], s[3], s[4], s[5])));
  }

  @ParameterizedTest(name = "{0}: rows={1} arity={2} K={3} tau={4} scale={5} masked={6}")
  @MethodSource("cases")
  void everyOperationAgreesWithTheDoublePrecisionReference(BackendKind backend, int rows, int arity,
      int k, float tau, double scale, double maskRate) {
    try (Backend gr = TestBackends.open(backend);
        Backend ref = Backend.open(BackendKind.JAVA)) {
      SplittableRandom rnd = new SplittableRandom(SEED + rows * 31L + arity);
      float[] th = TestData.logits(rnd, rows, arity, scale, maskRate);
      float[] g = TestData.gaussian(rnd, rows * arity);
      NoiseKey key = new NoiseKey(rnd.nextLong(), rnd.nextInt(1 << 20));
      int n = rows * arity;
      double rtol = TestData.rtol(backend, tau), floor = TestData.floor(backend, tau);
      String where = backend + " rows=" + rows + " arity=" + arity;

      // sample: D equal except float near-ties of the two best perturbed logits
      int[] d = new int[rows], dRef = new int[rows];
      float[] oneHot = new float[n];
      gr.sample(th, rows, arity, key, d, oneHot);
      ref.sample(th, rows, arity, key, dRef, null);
      assertSameChoicesUpToNearTies(th, rows, arity, key, dRef, d);
      for (int r = 0; r < rows; r++) {
        for (int j = 0; j < arity; j++) {
          assertEquals(j == d[r] ? 1f : 0f, oneHot[r * arity + j]);
        }
      }

      // the backward passes, at the reference's D
      float[] out = new float[n], outRef = new float[n];
      Ops.gumbelRao(gr, th, dRef, g, rows, arity, k, tau, key, out);
      Ops.gumbelRao(ref, th, dRef, g, rows, arity, k, tau, key, outRef);
      TestData.assertElementsClose(outRef, out, rows, arity, rtol, floor,
          "gumbelRaoBackward " + where);

      Ops.gumbelSoftmaxBackward(gr, th, g, rows, arity, tau, key, out);
      Ops.gumbelSoftmaxBackward(ref, th, g, rows, arity, tau, key, outRef);
      TestData.assertElementsClose(outRef, out, rows, arity, rtol, floor,
          "gumbelSoftmaxBackward " + where);

      Ops.gumbelSoftmaxForward(gr, th, rows, arity, tau, key, out);
      Ops.gumbelSoftmaxForward(ref, th, rows, arity, tau, key, outRef);
      TestData.assertElementsClose(outRef, out, rows, arity, rtol, floor,
          "gumbelSoftmaxForward " + where);

      Ops.straightThrough(gr, th, g, rows, arity, tau, out);
      Ops.straightThrough(ref, th, g, rows, arity, tau, outRef);
      TestData.assertElementsClose(outRef, out, rows, arity, rtol, floor,
          "straightThroughBackward " + where);

      float[] losses = TestData.gaussian(rnd, rows);
      RunningMeanBaseline b1 = new RunningMeanBaseline(), b2 = new RunningMeanBaseline();
      b1.update(0.25);
      b2.update(0.25);
      Ops.reinforce(gr, th, dRef, losses, b1, rows, arity, out);
      Ops.reinforce(ref, th, dRef, losses, b2, rows, arity, outRef);
      TestData.assertElementsClose(outRef, out, rows, arity, 1e-5 * TestData.looseness(backend),
          TestData.floor(backend, 1f), "reinforceBackward " + where);
      assertEquals(b2.value(), b1.value());

      int kNoise = (int) Math.min(k, Math.max(1, 200_000 / n));
      float[] noise = new float[kNoise * n], noiseRef = new float[kNoise * n];
      gr.conditionalGumbel(th, dRef, rows, arity, kNoise, key, noise);
      ref.conditionalGumbel(th, dRef, rows, arity, kNoise, key, noiseRef);
      // G = -log(E_j + p_j E_D): float error about 2 ulps of the log's argument, i.e. absolute
      TestData.assertClose(noiseRef, noise, 1e-6 * TestData.looseness(backend),
          2e-5 * TestData.looseness(backend), "conditionalGumbel " + where);
    }
  }

  /**
   * D may differ only where the two best perturbed logits are within float rounding of each
   * other (checked in double), and in at most 0.01% of rows (1 row below 10^4 rows).
   */
  static void assertSameChoicesUpToNearTies(float[] th, int rows, int arity, NoiseKey key,
      int[] expected, int[] actual) {
    int differ = 0;
    int[] words = new int[4];
    for (int r = 0; r < rows; r++) {
      if (expected[r] == actual[r]) continue;
      differ++;
      double[] z = new double[2];
      int[] cls = {expected[r], actual[r]};
      for (int c = 0; c < 2; c++) {
        int j = cls[c];
        Formulas.philox(key.seed(), j / 4, r, Formulas.FORWARD_SLOT, key.offsetWord(), words);
        z[c] = th[r * arity + j] + Formulas.gumbelFromUniform(Formulas.uniformOpen(words[j % 4]));
      }
      double gap = Math.abs(z[0] - z[1]);
      assertTrue(gap <= 1e-5 * Math.max(1, Math.abs(z[0])), "row " + r + ": D = " + actual[r]
          + " but the reference chose " + expected[r] + " with a perturbed-logit gap of " + gap);
    }
    assertTrue(differ <= Math.max(1, rows / 10_000), differ + " of " + rows + " rows differ");
  }

  @Test
  void gumbelRaoWithAMillionSamplesLosesNoAccuracy() {
    try (Backend cpu = TestBackends.open(BackendKind.CPU);
        Backend ref = Backend.open(BackendKind.JAVA)) {
      int rows = 2, arity = 3, k = 1_000_000;
      float[] th = {0.3f, -0.2f, 1.1f, 2f, 0f, -1f};
      float[] g = {1f, -0.5f, 0.25f, -1f, 2f, 0.5f};
      int[] d = {2, 0};
      float[] out = new float[6], outRef = new float[6];
      NoiseKey key = new NoiseKey(99, 1);
      Ops.gumbelRao(cpu, th, d, g, rows, arity, k, 0.5f, key, out);
      Ops.gumbelRao(ref, th, d, g, rows, arity, k, 0.5f, key, outRef);
      TestData.assertElementsClose(outRef, out, rows, arity, 1e-5, TestData.floor(BackendKind.CPU,
          0.5f), "K = 10^6");
    }
  }

  @Test
  void arityTwoToTheTwentyAgrees() {
    try (Backend cpu = TestBackends.open(BackendKind.CPU);
        Backend ref = Backend.open(BackendKind.JAVA)) {
      int arity = 1 << 20;
      SplittableRandom rnd = new SplittableRandom(20);
      float[] th = TestData.logits(rnd, 1, arity, 1.0, 0.0);
      float[] g = TestData.gaussian(rnd, arity);
      NoiseKey key = new NoiseKey(5, 5);
      int[] d = new int[1], dRef = new int[1];
      cpu.sample(th, 1, arity, key, d, null);
      ref.sample(th, 1, arity, key, dRef, null);
      assertEquals(dRef[0], d[0]);
      float[] out = new float[arity], outRef = new float[arity];
      Ops.gumbelRao(cpu, th, dRef, g, 1, arity, 2, 1f, key, out);
      Ops.gumbelRao(ref, th, dRef, g, 1, arity, 2, 1f, key, outRef);
      TestData.assertElementsClose(outRef, out, 1, arity, 1e-5, TestData.floor(BackendKind.CPU, 1f),
          "arity 2^20");
    }
  }

  @Test
  void cpuInstructionSetVariantsAgree() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    int rows = 200, arity = 19, k = 300;
    float tau = 0.5f;
    SplittableRandom rnd = new SplittableRandom(7);
    float[] th = TestData.logits(rnd, rows, arity, 2.0, 0.1);
    float[] g = TestData.gaussian(rnd, rows * arity);
    NoiseKey key = new NoiseKey(3, 4);
    float[] baseline = null;
    int[] dBase = null;
    for (String isa : new String[] {"x86-64", "avx2", "avx512"}) {
      if (NativeRuntime.setCpuIsa(isa) != 0) continue; // not supported by this CPU
      try (Backend cpu = Backend.open(BackendKind.CPU)) {
        assertEquals(isa, NativeSupport.cpuIsa());
        int[] d = new int[rows];
        float[] out = new float[rows * arity];
        cpu.sample(th, rows, arity, key, d, null);
        Ops.gumbelRao(cpu, th, d, g, rows, arity, k, tau, key, out);
        if (baseline == null) {
          baseline = out;
          dBase = d;
        } else {
          assertArrayEquals(dBase, d, isa);
          TestData.assertElementsClose(baseline, out, rows, arity, 1e-5,
              TestData.floor(BackendKind.CPU, tau), isa);
        }
      }
    }
  }

  @Test
  void cpuResultsAreBitIdenticalForEveryThreadCount() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    SplittableRandom rnd = new SplittableRandom(8);
    // many rows (row-parallel), and one row with many chunks of draws (chunk-parallel)
    int[][] shapes = {{3000, 6, 40}, {1, 12, 9000}, {3, 300, 3000}};
    for (int[] s : shapes) {
      int rows = s[0], arity = s[1], k = s[2];
      float[] th = TestData.logits(rnd, rows, arity, 1.0, 0.0);
      float[] g = TestData.gaussian(rnd, rows * arity);
      int[] d = TestData.choices(rnd, th, rows, arity);
      float[] first = null;
      for (int threads : new int[] {1, 2, 3, 8}) {
        NativeRuntime.setCpuThreads(threads);
        try (Backend cpu = Backend.open(BackendKind.CPU)) {
          float[] out = new float[rows * arity];
          Ops.gumbelRao(cpu, th, d, g, rows, arity, k, 0.7f, new NoiseKey(1, 2), out);
          if (first == null) first = out;
          else assertArrayEquals(first, out, "threads=" + threads + " rows=" + rows);
        }
      }
    }
  }
}
