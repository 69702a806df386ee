package dev.gumbelrao;

import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.NativeHostTarget;
import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Long native calls do not stall the JVM: while one thread runs a Gumbel-Rao backward pass of
 * several seconds on arrays, another keeps allocating, and its longest wait for memory must stay
 * far below the call's duration (with the call holding a JNI critical region, as 0.1 did, the
 * allocating thread waited for the whole call once a collection was due: 5.6 s of a 6 s call).
 */
class LongCallTest {
  @Test
  void aLongCallOnArraysDoesNotBlockAllocationElsewhere() throws Exception {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    int rows = 4096, arity = 16, k = 30_000;  // 2e9 element-draws: seconds on a few cores
    SplittableRandom rnd = new SplittableRandom(1);
    float[] th = TestData.logits(rnd, rows, arity, 1, 0), g = TestData.gaussian(rnd, rows * arity);
    float[] grad = new float[rows * arity];
    PathwiseEstimator est = Estimators.gumbelRao(k, 0.5f);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong longestGap = new AtomicLong();
    Thread allocator = new Thread(() -> {
      List<byte[]> keep = new ArrayList<>();
      long last = System.nanoTime();
      while (running.get()) {
        keep.add(new byte[1 << 14]);  // 16 KiB at a time: a young collection every few
        if (keep.size() > 4096) keep.clear();  // hundred milliseconds
        long now = System.nanoTime();
        longestGap.accumulateAndGet(now - last, Math::max);
        last = now;
      }
    });
    try (Backend cpu = Backend.open(BackendKind.CPU)) {
      Sample s = est.forward(cpu, th, rows, arity, NoiseKey.of(2), null);
      allocator.start();
      Thread.sleep(200);  // the allocator is in its loop
      longestGap.set(0);
      long start = System.nanoTime();
      est.backward(s, g, grad);
      long call = System.nanoTime() - start;
      running.set(false);
      allocator.join();
      assumeTrue(call > 1_000_000_000L, "the call took only " + call / 1e6 + " ms");
      assertTrue(longestGap.get() < call / 4, "an allocating thread waited "
          + longestGap.get() / 1e6 + " ms during a call of " + call / 1e6 + " ms");
    } finally {
      running.set(false);
      allocator.join();
    }
  }

  /**
   * Calls just above the critical-region limit stage their arrays through direct memory: the same
   * bits as the critical-region path below it and as the direct-buffer path, for every operation.
   */
  @Test
  void stagedArraysGiveTheBitsOfEveryOtherPath() {
    assumeTrue(NativeSupport.loaded(), NativeSupport::failure);
    int rows = 1024, arity = 16, n = rows * arity;
    int kStaged = (int) (NativeHostTarget.CRITICAL_WORK / n) + 7;
    SplittableRandom rnd = new SplittableRandom(4);
    float[] th = TestData.logits(rnd, rows, arity, 1, 0.1), g = TestData.gaussian(rnd, n);
    int[] d = TestData.choices(rnd, th, rows, arity);
    java.nio.FloatBuffer thb = direct(th), gb = direct(g);
    java.nio.IntBuffer db = directInts(rows).put(0, d);
    try (Backend cpu = Backend.open(BackendKind.CPU)) {
      for (int k : new int[] {3, kStaged}) {
        PathwiseEstimator est = Estimators.gumbelRao(k, 0.7f);
        float[] a = new float[n], b = new float[n];
        est.backward(est.forward(cpu, th, rows, arity, NoiseKey.of(5), null), g, a);
        java.nio.FloatBuffer out = direct(new float[n]);
        est.backward(est.forward(cpu, thb, rows, arity, NoiseKey.of(5), null), gb, out);
        out.get(0, b);
        assertArrayEquals(b, a, "K = " + k);
        float[] noise = new float[k * n], noiseB = new float[k * n];
        cpu.conditionalGumbel(th, d, rows, arity, k, NoiseKey.of(6), noise);
        java.nio.FloatBuffer nb = direct(noiseB);
        cpu.conditionalGumbel(thb, db, rows, arity, k, NoiseKey.of(6), nb);
        nb.get(0, noiseB);
        assertArrayEquals(noiseB, noise, "conditional K = " + k);
      }
    }
  }

  private static java.nio.FloatBuffer direct(float[] x) {
    java.nio.FloatBuffer b = java.nio.ByteBuffer.allocateDirect(4 * x.length)
        .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
    b.put(0, x);
    return b;
  }

  private static java.nio.IntBuffer directInts(int n) {
    return java.nio.ByteBuffer.allocateDirect(4 * n).order(java.nio.ByteOrder.nativeOrder())
        .asIntBuffer();
  }
}
