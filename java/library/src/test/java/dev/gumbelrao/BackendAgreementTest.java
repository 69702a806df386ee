package dev.gumbelrao;

import dev.gumbelrao.backends.Formulas;
import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.testing.EstimatorCases;
import dev.gumbelrao.testing.TestBackends;
import dev.gumbelrao.testing.TestData;

import static dev.gumbelrao.testing.Backwards.gumbelRao;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * random inputs for every operation and every estimator of the registry (read from
 * {@link EstimatorCases}: a new family is compared with no edit here), across arity (1 to 2^16,
 * and 2^20 once), K (1 to 10^4, and 10^6 once), tau (0.01 to 10), logit scales and masked
 * classes. Also: the CPU backend's instruction-set variants and thread counts agree with each
 * other, for every estimator.
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

      // every estimator of the registry at this shape (K = k, tau): its draws, values and
      // gradients; a binary family reads the n logits as n one-logit variables
      for (EstimatorCases.Case c : EstimatorCases.oneEach(arity, k, tau)) {
        int rowsC = c.binary() ? n : rows;
        SplittableRandom inputs = new SplittableRandom(SEED ^ c.name().hashCode());
        float[] input = c.pathwise() ? g : c.input(inputs, rowsC);
        assertEstimatorAgrees(c, gr, ref, backend, th, rowsC, key, input, false, where);
      }

      int kNoise = (int) Math.min(k, Math.max(1, 200_000 / n));
      float[] noise = new float[kNoise * n], noiseRef = new float[kNoise * n];
      gr.conditionalGumbel(th, dRef, rows, arity, kNoise, key, noise);
      ref.conditionalGumbel(th, dRef, rows, arity, kNoise, key, noiseRef);
      // G = -log(E_j + p_j E_D): float error about 2 ulps of the log's argument, i.e. absolute
      TestData.assertClose(noiseRef, noise, 1e-6 * TestData.looseness(backend),
          2e-5 * TestData.looseness(backend), "conditionalGumbel " + where);
    }
  }

  static Stream<Arguments> estimatorCases() {
    return TestBackends.nativeBackends().flatMap(b -> EstimatorCases.cases()
        .map(c -> Arguments.of(b, c)));
  }

  /**
   * Every estimator of the case list ({@link EstimatorCases#all()}: every registry family, each K
   * or S, temperature and arity of the list) on 97 rows of masked logits: D identical to the
   * oracle's for every draw, values identical, gradients (two steps of one estimator, so that a
   * baseline moves alike) within float rounding; and on each backend the sample at a given D has
   * the backward pass of the forward sample that drew that D, bit for bit.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("estimatorCases")
  void everyEstimatorAgreesWithTheDoublePrecisionReference(BackendKind backend,
      EstimatorCases.Case c) {
    try (Backend gr = TestBackends.open(backend);
        Backend ref = Backend.open(BackendKind.JAVA)) {
      SplittableRandom rnd = new SplittableRandom(SEED ^ c.toString().hashCode());
      int rows = 97;
      float[] th = c.logits(rnd, rows, 1.5, 0.2), input = c.input(rnd, rows);
      NoiseKey key = new NoiseKey(rnd.nextLong(), rnd.nextInt(1 << 20));
      assertEstimatorAgrees(c, gr, ref, backend, th, rows, key, input, true, backend + " " + c);
      if (c.conditionable()) {
        for (Backend on : new Backend[] {gr, ref}) {
          EstimatorCases.Step drawn = c.step(on, th, rows, key, input);
          EstimatorCases.Step given = c.given(on, th, rows, key, drawn.choices(), input);
          assertArrayEquals(drawn.grad(), given.grad(), on.kind() + " " + c
              + ": the sample at a given D against the forward sample that drew it");
        }
      }
    }
  }

  /**
   * One estimator's forward and backward passes on {@code gr} against the JAVA oracle
   * {@code ref}: its draws (identical when {@code strict}, else equal up to float near-ties),
   * values (one-hot or b of its own draws; the relaxed y within float rounding) and gradients
   * within float rounding, at the oracle's D where the family takes a given D. Two backward
   * passes of each estimator, so that a baseline (REINFORCE's) moves alike.
   */
  static void assertEstimatorAgrees(EstimatorCases.Case c, Backend gr, Backend ref,
      BackendKind backend, float[] th, int rows, NoiseKey key, float[] input, boolean strict,
      String where) {
    int arity = c.arity();
    String what = where + " " + c;
    double rtol = TestData.rtol(backend, c.toleranceTau());
    double floor = TestData.floor(backend, c.toleranceTau());
    Estimator est = c.estimator(), estRef = c.estimator();
    float[] values = new float[c.valuesLength(rows)], valuesRef = new float[values.length];
    Sample s = est.forward(gr, th, rows, arity, key, values);
    Sample sRef = estRef.forward(ref, th, rows, arity, key, valuesRef);
    assertEquals(sRef.hasChoices(), s.hasChoices(), what);
    int[] dRef = null;
    if (sRef.hasChoices()) {
      int[] d = s.choices();
      dRef = sRef.choices();
      if (strict) {
        assertArrayEquals(dRef, d, what + ": D");
      } else if (c.binary()) {
        int differ = 0;
        for (int i = 0; i < d.length; i++) differ += d[i] == dRef[i] ? 0 : 1;
        assertTrue(differ <= Math.max(1, d.length / 10_000), what + ": " + differ + " of "
            + d.length + " draws differ");
      } else {
        for (int draw = 0; draw < c.draws(); draw++) {
          assertSameChoicesUpToNearTies(th, rows, arity, c.draws() == 1 ? key : key.derive(draw),
              java.util.Arrays.copyOfRange(dRef, draw * rows, (draw + 1) * rows),
              java.util.Arrays.copyOfRange(d, draw * rows, (draw + 1) * rows));
        }
      }
      for (int i = 0; i < d.length; i++) {
        for (int j = 0; j < arity; j++) {
          float v = values[i * arity + j];
          float expected = c.binary() ? d[i] : j == d[i] ? 1f : 0f;
          if (v != expected) {
            assertEquals(expected, v, what + ": values of draw-row " + i + " class " + j);
          }
        }
      }
    } else {
      assertRowsClose(c, th, rows, valuesRef, values, rtol, floor, what + ": values");
    }
    float[] grad = new float[rows * arity], gradRef = new float[rows * arity];
    for (int step = 0; step < 2; step++) {
      Sample a = s, b = sRef;
      if (c.conditionable()) {
        a = est.given(gr, th, rows, arity, key, dRef);
        b = estRef.given(ref, th, rows, arity, key, dRef);
      }
      EstimatorCases.backward(est, a, input, grad);
      EstimatorCases.backward(estRef, b, input, gradRef);
      assertRowsClose(c, th, rows, gradRef, grad, rtol, floor, what + ": backward, step " + step);
    }
  }

  /** Row by row, the tolerances widened by the row's {@link EstimatorCases.Case#conditioning}. */
  private static void assertRowsClose(EstimatorCases.Case c, float[] th, int rows,
      float[] expected, float[] actual, double rtol, double floor, String what) {
    int arity = c.arity();
    for (int r = 0; r < rows; r++) {
      double cond = c.conditioning(th, r);
      TestData.assertElementsClose(java.util.Arrays.copyOfRange(expected, r * arity,
          (r + 1) * arity), java.util.Arrays.copyOfRange(actual, r * arity, (r + 1) * arity), 1,
          arity, rtol * cond, floor * cond, what + " row " + r);
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
      gumbelRao(cpu, th, d, g, rows, arity, k, 0.5f, key, out);
      gumbelRao(ref, th, d, g, rows, arity, k, 0.5f, key, outRef);
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
      int[] d = TestData.sample(cpu, th, 1, arity, key);
      int[] dRef = TestData.sample(ref, th, 1, arity, key);
      assertEquals(dRef[0], d[0]);
      float[] out = new float[arity], outRef = new float[arity];
      gumbelRao(cpu, th, dRef, g, 1, arity, 2, 1f, key, out);
      gumbelRao(ref, th, dRef, g, 1, arity, 2, 1f, key, outRef);
      TestData.assertElementsClose(outRef, out, 1, arity, 1e-5, TestData.floor(BackendKind.CPU, 1f),
          "arity 2^20");
      // every estimator of the registry on that row (K = S = 2; a binary one on 2^20 variables)
      for (EstimatorCases.Case c : EstimatorCases.oneEach(arity, 2, 1f)) {
        int rowsC = c.binary() ? arity : 1;
        float[] input = c.pathwise() ? g : c.input(new SplittableRandom(21), rowsC);
        assertEstimatorAgrees(c, cpu, ref, BackendKind.CPU, th, rowsC, key, input, false,
            "arity 2^20");
      }
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
    List<EstimatorCases.Case> cases = EstimatorCases.all();
    Map<EstimatorCases.Case, float[]> caseLogits = new HashMap<>(), caseInputs = new HashMap<>();
    Map<EstimatorCases.Case, EstimatorCases.Step> firstSteps = new HashMap<>();
    for (EstimatorCases.Case c : cases) {
      caseLogits.put(c, c.logits(rnd, rows, 2.0, 0.1));
      caseInputs.put(c, c.input(rnd, rows));
    }
    for (String isa : new String[] {"x86-64", "avx2", "avx512"}) {
      if (NativeRuntime.setCpuIsa(isa) != 0) continue; // not supported by this CPU
      try (Backend cpu = Backend.open(BackendKind.CPU)) {
        assertEquals(isa, NativeSupport.cpuIsa());
        int[] d = new int[rows];
        float[] out = new float[rows * arity];
        cpu.sample(th, rows, arity, key, d, null);
        gumbelRao(cpu, th, d, g, rows, arity, k, tau, key, out);
        if (baseline == null) {
          baseline = out;
          dBase = d;
        } else {
          assertArrayEquals(dBase, d, isa);
          TestData.assertElementsClose(baseline, out, rows, arity, 1e-5,
              TestData.floor(BackendKind.CPU, tau), isa);
        }
        // every estimator of the case list: the same draws, gradients within float rounding
        for (EstimatorCases.Case c : cases) {
          EstimatorCases.Step step = c.step(cpu, caseLogits.get(c), rows, key, caseInputs.get(c));
          EstimatorCases.Step first = firstSteps.putIfAbsent(c, step);
          if (first == null) continue;
          assertArrayEquals(first.choices(), step.choices(), isa + " " + c);
          TestData.assertElementsClose(first.values(), step.values(),
              c.valuesLength(rows) / c.arity(), c.arity(), 1e-5,
              TestData.floor(BackendKind.CPU, c.toleranceTau()), isa + " " + c);
          TestData.assertElementsClose(first.grad(), step.grad(), rows, c.arity(), 1e-5,
              TestData.floor(BackendKind.CPU, c.toleranceTau()), isa + " " + c);
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
          gumbelRao(cpu, th, d, g, rows, arity, k, 0.7f, new NoiseKey(1, 2), out);
          if (first == null) first = out;
          else assertArrayEquals(first, out, "threads=" + threads + " rows=" + rows);
        }
      }
    }
    // every estimator of the case list on 3000 rows: draws, values and gradients bit for bit
    int rows = 3000;
    for (EstimatorCases.Case c : EstimatorCases.all()) {
      float[] th = c.logits(rnd, rows, 1.0, 0.1), input = c.input(rnd, rows);
      EstimatorCases.Step first = null;
      for (int threads : new int[] {1, 2, 3, 8}) {
        NativeRuntime.setCpuThreads(threads);
        try (Backend cpu = Backend.open(BackendKind.CPU)) {
          EstimatorCases.Step step = c.step(cpu, th, rows, new NoiseKey(3, 4), input);
          if (first == null) {
            first = step;
            continue;
          }
          String what = c + " threads=" + threads;
          assertArrayEquals(first.choices(), step.choices(), what);
          assertArrayEquals(first.values(), step.values(), what);
          assertArrayEquals(first.grad(), step.grad(), what);
        }
      }
    }
  }
}
