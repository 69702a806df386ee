package dev.gumbelrao;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA backend against the CPU backend, every operation, over arity {1, 2, 3, 8, 16, 31, 32,
 * 33, 100, 1024, 2047, 4096, 65536, 2^20} x K {1, 7, 100, 1000} x tau {0.01, 0.5, 1, 10}, with
 * masked logits: D equal on at least 99.99% of rows (the others float near-ties), gradients
 * within 1e-4 relative (hardware log2/exp2) or 1e-5 (GR_CUDA_PRECISE_MATH), widened below
 * tau = 0.1 as in {@link TestData#rtol(float)}. Skipped, with the reason, without a CUDA device.
 */
class CudaAgreementTest {
  private static final int[] ARITIES = {1, 2, 3, 8, 16, 31, 32, 33, 100, 1024, 2047, 4096,
      65536, 1 << 20};
  private static final int[] KS = {1, 7, 100, 1000};
  private static final float[] TAUS = {0.01f, 0.5f, 1f, 10f};
  /** Element-draws per case: keeps the CPU reference of the whole grid to seconds. */
  private static final long WORK = 1 << 21;

  static Stream<Arguments> grid() {
    return IntStream.of(ARITIES).boxed().flatMap(n -> IntStream.of(KS).boxed().flatMap(k ->
        Stream.of(Arguments.of(n, k, TAUS[(n + k) % TAUS.length]))));
  }

  @ParameterizedTest(name = "arity={0} K={1} tau={2}")
  @MethodSource("grid")
  void cudaAgreesWithCpu(int arity, int k, float tau) {
    try (GumbelRao gpu = TestBackends.open(Backend.CUDA);
        GumbelRao cpu = TestBackends.open(Backend.CPU)) {
      int rows = (int) Math.max(1, Math.min(4096, WORK / ((long) arity * k)));
      int n = rows * arity;
      SplittableRandom rnd = new SplittableRandom(arity * 1000L + k);
      float[] th = TestData.logits(rnd, rows, arity, 2.0, arity > 1 ? 0.2 : 0.0);
      float[] g = TestData.gaussian(rnd, n);
      NoiseKey key = new NoiseKey(rnd.nextLong(), 3);
      String where = "arity=" + arity + " K=" + k + " tau=" + tau + " rows=" + rows;

      int[] d = new int[rows], dCpu = new int[rows];
      gpu.sample(th, rows, arity, key, d, null);
      cpu.sample(th, rows, arity, key, dCpu, null);
      BackendAgreementTest.assertSameChoicesUpToNearTies(th, rows, arity, key, dCpu, d);

      for (float t : new float[] {tau, TAUS[(arity + k + 1) % TAUS.length]}) {
        double rtol = TestData.rtol(Backend.CUDA, t);
        float[] out = new float[n], ref = new float[n];
        Ops.gumbelRao(gpu, th, dCpu, g, rows, arity, k, t, key, out);
        Ops.gumbelRao(cpu, th, dCpu, g, rows, arity, k, t, key, ref);
        TestData.assertElementsClose(ref, out, rows, arity, rtol, TestData.floor(Backend.CUDA, t),
            "gumbelRaoBackward " + where + " tau=" + t);
        Ops.gumbelSoftmaxBackward(gpu, th, g, rows, arity, t, key, out);
        Ops.gumbelSoftmaxBackward(cpu, th, g, rows, arity, t, key, ref);
        TestData.assertElementsClose(ref, out, rows, arity, rtol, TestData.floor(Backend.CUDA, t),
            "gumbelSoftmaxBackward " + where + " tau=" + t);
        Ops.gumbelSoftmaxForward(gpu, th, rows, arity, t, key, out);
        Ops.gumbelSoftmaxForward(cpu, th, rows, arity, t, key, ref);
        TestData.assertElementsClose(ref, out, rows, arity, rtol, TestData.floor(Backend.CUDA, t),
            "gumbelSoftmaxForward " + where + " tau=" + t);
        Ops.straightThrough(gpu, th, g, rows, arity, t, out);
        Ops.straightThrough(cpu, th, g, rows, arity, t, ref);
        TestData.assertElementsClose(ref, out, rows, arity, rtol, TestData.floor(Backend.CUDA, t),
            "straightThroughBackward " + where + " tau=" + t);
      }
      float[] losses = TestData.gaussian(rnd, rows);
      float[] out = new float[n], ref = new float[n];
      Ops.reinforce(gpu, th, dCpu, losses, new RunningMeanBaseline(), rows, arity, out);
      Ops.reinforce(cpu, th, dCpu, losses, new RunningMeanBaseline(), rows, arity, ref);
      TestData.assertElementsClose(ref, out, rows, arity, 1e-4, TestData.floor(Backend.CUDA, 1f),
          "reinforceBackward " + where);

      int kNoise = (int) Math.max(1, Math.min(k, WORK / n));
      float[] noise = new float[kNoise * n], noiseRef = new float[kNoise * n];
      gpu.conditionalGumbel(th, dCpu, rows, arity, kNoise, key, noise);
      cpu.conditionalGumbel(th, dCpu, rows, arity, kNoise, key, noiseRef);
      TestData.assertClose(noiseRef, noise, 1e-5, 2e-4, "conditionalGumbel " + where);
    }
  }
}
