package dev.gumbelrao;

import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.RunningMeanBaseline;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;
import dev.gumbelrao.testing.TestBackends;
import dev.gumbelrao.testing.TestData;

import static dev.gumbelrao.testing.Backwards.gumbelRao;
import static dev.gumbelrao.testing.Backwards.gumbelSoftmaxForward;
import static dev.gumbelrao.testing.Backwards.reinforce;
import static dev.gumbelrao.testing.Backwards.straightThrough;
import static dev.gumbelrao.testing.Backwards.straightThroughGumbelSoftmax;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA backend against the CPU backend, every operation, over arity {1, 2, 3, 8, 16, 31, 32,
 * 33, 100, 1024, 2047, 4096, 65536, 2^20} x K {1, 7, 100, 1000} x tau {0.01, 0.5, 1, 10}, with
 * masked logits: D equal on at least 99.99% of rows (the others float near-ties), gradients
 * within 1e-4 relative (hardware log2/exp2) or 1e-5 (GR_CUDA_PRECISE_MATH), widened below
 * tau = 0.1 as in {@link TestData#rtol(float)}. The estimators beyond the paper likewise, over
 * their kernels' mappings (register teams up to 2048 or 4096 classes, a block per row beyond):
 * ZGR, ReinMax, GST-1.0 and GST-p, GR's total derivative and RLOO given the CPU's D, the binary
 * draws (ZGR-binary's and DisARM's antithetic pairs) equal up to near-ties of eta +- L, and the
 * binary gradients. Skipped, with the reason, without a CUDA device.
 */
class CudaAgreementTest {
  private static final int[] ARITIES = {1, 2, 3, 8, 16, 31, 32, 33, 100, 1024, 2047, 4096,
      65536, 1 << 20};
  private static final int[] KS = {1, 7, 100, 1000};
  private static final float[] TAUS = {0.01f, 0.5f, 1f, 10f};
  /** Element-draws per case: keeps the CPU reference of the whole grid to seconds. */
  private static final long WORK = 1 << 21;

  private Backend gpu, cpu;

  // a grid case's inputs (see draw)
  private int rows, n;
  private SplittableRandom rnd;
  private float[] th, g;
  private NoiseKey key;
  private String where;

  @BeforeEach
  void openBoth() {
    gpu = TestBackends.open(BackendKind.CUDA);
    cpu = TestBackends.open(BackendKind.CPU);
  }

  @AfterEach
  void closeBoth() {
    if (cpu != null) cpu.close();
    if (gpu != null) gpu.close();
  }

  /**
   * A grid case's inputs, from its seed: as many rows as keep it near {@link #WORK} element-draws
   * (at most 4096), logits ~ 2 N(0, 1) with classes masked at {@code maskRate}, an upstream
   * ~ N(0, 1) and a key at {@code offset}; the test draws more from {@link #rnd}.
   */
  private void draw(int arity, int k, float tau, long seed, double maskRate, long offset) {
    rows = (int) Math.max(1, Math.min(4096, WORK / ((long) arity * k)));
    n = rows * arity;
    rnd = new SplittableRandom(seed);
    th = TestData.logits(rnd, rows, arity, 2.0, maskRate);
    g = TestData.gaussian(rnd, n);
    key = new NoiseKey(rnd.nextLong(), offset);
    where = "arity=" + arity + " K=" + k + " tau=" + tau + " rows=" + rows;
  }

  static Stream<Arguments> grid() {
    return IntStream.of(ARITIES).boxed().flatMap(n -> IntStream.of(KS).boxed().flatMap(k ->
        Stream.of(Arguments.of(n, k, TAUS[(n + k) % TAUS.length]))));
  }

  @ParameterizedTest(name = "arity={0} K={1} tau={2}")
  @MethodSource("grid")
  void cudaAgreesWithCpu(int arity, int k, float tau) {
    draw(arity, k, tau, arity * 1000L + k, arity > 1 ? 0.2 : 0.0, 3);
    int[] d = TestData.sample(gpu, th, rows, arity, key);
    int[] dCpu = TestData.sample(cpu, th, rows, arity, key);
    BackendAgreementTest.assertSameChoicesUpToNearTies(th, rows, arity, key, dCpu, d);

    for (float t : new float[] {tau, TAUS[(arity + k + 1) % TAUS.length]}) {
      double rtol = TestData.rtol(BackendKind.CUDA, t);
      float[] out = new float[n], ref = new float[n];
      gumbelRao(gpu, th, dCpu, g, rows, arity, k, t, key, out);
      gumbelRao(cpu, th, dCpu, g, rows, arity, k, t, key, ref);
      TestData.assertElementsClose(ref, out, rows, arity, rtol, TestData.floor(BackendKind.CUDA, t),
          "gumbelRaoBackward " + where + " tau=" + t);
      straightThroughGumbelSoftmax(gpu, th, g, rows, arity, t, key, out);
      straightThroughGumbelSoftmax(cpu, th, g, rows, arity, t, key, ref);
      TestData.assertElementsClose(ref, out, rows, arity, rtol, TestData.floor(BackendKind.CUDA, t),
          "gumbelSoftmaxBackward " + where + " tau=" + t);
      gumbelSoftmaxForward(gpu, th, rows, arity, t, key, out);
      gumbelSoftmaxForward(cpu, th, rows, arity, t, key, ref);
      TestData.assertElementsClose(ref, out, rows, arity, rtol, TestData.floor(BackendKind.CUDA, t),
          "gumbelSoftmaxForward " + where + " tau=" + t);
      straightThrough(gpu, th, g, rows, arity, t, out);
      straightThrough(cpu, th, g, rows, arity, t, ref);
      TestData.assertElementsClose(ref, out, rows, arity, rtol, TestData.floor(BackendKind.CUDA, t),
          "straightThroughBackward " + where + " tau=" + t);
    }
    float[] losses = TestData.gaussian(rnd, rows);
    float[] out = new float[n], ref = new float[n];
    reinforce(gpu, th, dCpu, losses, new RunningMeanBaseline(), rows, arity, out);
    reinforce(cpu, th, dCpu, losses, new RunningMeanBaseline(), rows, arity, ref);
    TestData.assertElementsClose(ref, out, rows, arity, 1e-4, TestData.floor(BackendKind.CUDA, 1f),
        "reinforceBackward " + where);

    int kNoise = (int) Math.max(1, Math.min(k, WORK / n));
    float[] noise = new float[kNoise * n], noiseRef = new float[kNoise * n];
    gpu.conditionalGumbel(th, dCpu, rows, arity, kNoise, key, noise);
    cpu.conditionalGumbel(th, dCpu, rows, arity, kNoise, key, noiseRef);
    TestData.assertClose(noiseRef, noise, 1e-5, 2e-4, "conditionalGumbel " + where);
  }

  private static final int[] SUCCESSOR_ARITIES = {2, 3, 8, 16, 33, 100, 1024, 2048, 2049, 4096,
      4097, 65536};

  static Stream<Arguments> successorGrid() {
    return IntStream.of(SUCCESSOR_ARITIES).boxed().flatMap(n -> IntStream.of(KS).boxed()
        .map(k -> Arguments.of(n, k, TAUS[(n + k) % TAUS.length])));
  }

  @ParameterizedTest(name = "arity={0} K={1} tau={2}")
  @MethodSource("successorGrid")
  void successorsAgreeWithCpu(int arity, int k, float tau) {
    draw(arity, k, tau, arity * 7919L + k, 0.2, 5);
    int[] d = TestData.sample(cpu, th, rows, arity, key);
    double rtol = TestData.rtol(BackendKind.CUDA, tau);
    double floor = TestData.floor(BackendKind.CUDA, tau);

    PathwiseEstimator[] given = {Estimators.zgr(), Estimators.reinMax(tau),
        Estimators.gappedStraightThrough(tau), Estimators.gappedStraightThroughP(tau),
        Estimators.gumbelRao(k, tau, Estimators.Derivative.TOTAL)};
    for (PathwiseEstimator est : given) {
      float[] out = new float[n], ref = new float[n];
      est.backward(est.given(gpu, th, rows, arity, key, d), g, out);
      est.backward(est.given(cpu, th, rows, arity, key, d), g, ref);
      boolean zgr = est.name().equals("ZGR");
      TestData.assertElementsClose(ref, out, rows, arity, zgr ? TestData.rtol(BackendKind.CUDA, 1f)
          : rtol, zgr ? TestData.floor(BackendKind.CUDA, 1f) : floor, est.name() + " " + where);
    }

    // RLOO: S = 2 and 5 draws from the CPU, the losses of each; computed in double from the
    // same floats in the same order on both backends, so equal bit for bit.
    for (int samples : new int[] {2, 5}) {
      ScoreFunctionEstimator rloo = Estimators.rloo(samples);
      int[] draws = rloo.forward(cpu, th, rows, arity, key, null).choices();
      float[] losses = TestData.gaussian(rnd, samples * rows);
      float[] out = new float[n], ref = new float[n];
      rloo.backward(rloo.given(gpu, th, rows, arity, key, draws), losses, out);
      rloo.backward(rloo.given(cpu, th, rows, arity, key, draws), losses, ref);
      assertArrayEquals(ref, out, rloo.name() + " " + where);
    }
  }

  @ParameterizedTest(name = "rows={0}")
  @MethodSource("binaryRows")
  void binaryEstimatorsAgreeWithCpu(int rows) {
    SplittableRandom rnd = new SplittableRandom(rows);
    float[] eta = TestData.gaussian(rnd, rows);
    for (int r = 0; r < rows; r++) {
      eta[r] *= 3;
      if (r % 17 == 5) eta[r] = Float.POSITIVE_INFINITY;  // certain outcomes
      if (r % 19 == 7) eta[r] = Float.NEGATIVE_INFINITY;
    }
    float[] g = TestData.gaussian(rnd, rows);
    NoiseKey key = new NoiseKey(rnd.nextLong(), 1);
    PathwiseEstimator zgr = Estimators.zgrBinary();
    ScoreFunctionEstimator disarm = Estimators.disarm();

    int[] b = zgr.forward(cpu, eta, rows, 1, key, null).choices();
    int[] bGpu = zgr.forward(gpu, eta, rows, 1, key, null).choices();
    assertSameBinaryDrawsUpToNearTies(eta, key, b, bGpu, "ZGR-binary");
    int[] pair = disarm.forward(cpu, eta, rows, 1, key, null).choices();
    int[] pairGpu = disarm.forward(gpu, eta, rows, 1, key, null).choices();
    assertSameBinaryDrawsUpToNearTies(eta, key, pair, pairGpu, "DisARM");

    float[] out = new float[rows], ref = new float[rows];
    zgr.backward(zgr.given(gpu, eta, rows, 1, key, b), g, out);
    zgr.backward(zgr.given(cpu, eta, rows, 1, key, b), g, ref);
    TestData.assertClose(ref, out, TestData.rtol(BackendKind.CUDA, 1f), 1e-30, "ZGR-binary");
    float[] losses = TestData.gaussian(rnd, 2 * rows);
    disarm.backward(disarm.given(gpu, eta, rows, 1, key, pair), losses, out);
    disarm.backward(disarm.given(cpu, eta, rows, 1, key, pair), losses, ref);
    TestData.assertClose(ref, out, TestData.rtol(BackendKind.CUDA, 1f), 1e-30, "DisARM");
  }

  static IntStream binaryRows() {
    return IntStream.of(1, 37, 4097, 1 << 20);
  }

  /**
   * Binary draws b = [eta + L > 0] (and b~ = [eta - L > 0] in the second half): equal, except
   * where eta +- L is within float rounding of 0 (the GPU's log2 differs from the CPU's in the
   * last bits), on at most 0.01% of the draws.
   */
  private static void assertSameBinaryDrawsUpToNearTies(float[] eta, NoiseKey key, int[] cpu,
      int[] gpu, String what) {
    int rows = eta.length, differ = 0;
    float[] u = new float[4];
    for (int i = 0; i < cpu.length; i++) {
      if (cpu[i] == gpu[i]) continue;
      int r = i % rows;
      NativeRuntime.uniforms(key.seed(), key.offsetWord(), r, 0, 1, u);
      double l = Math.log(u[0]) - Math.log1p(-u[0]);
      double v = i < rows ? eta[r] + l : eta[r] - l;
      assertTrue(Math.abs(v) <= 1e-5 * Math.max(1, Math.max(Math.abs(eta[r]), Math.abs(l))),
          what + ": draw " + i + " differs (cpu " + cpu[i] + ", gpu " + gpu[i] + ") at eta +- L = "
              + v + ", no near-tie");
      differ++;
    }
    assertTrue(differ <= Math.max(1, cpu.length / 10000), what + ": " + differ
        + " draws differ");
  }
}
