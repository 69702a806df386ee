package dev.gumbelrao;

import dev.gumbelrao.backends.NativeRuntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads calling one instance at once get exactly the results each call gives alone (the
 * native pool runs one caller's loop at a time and the others on their own threads; results do
 * not depend on thread count, so they are bit-identical).
 */
class ConcurrencyTest {
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void concurrentCallsGiveTheSequentialResults(BackendKind backend) throws Exception {
    try (Backend gr = TestBackends.open(backend)) {
      int tasks = 24, threads = 8;
      List<float[]> logits = new ArrayList<>(), grads = new ArrayList<>();
      List<int[]> choices = new ArrayList<>();
      List<float[]> expected = new ArrayList<>();
      List<int[]> expectedChoices = new ArrayList<>();
      int[][] shapes = new int[tasks][];
      SplittableRandom rnd = new SplittableRandom(42);
      for (int t = 0; t < tasks; t++) {
        int rows = 50 + rnd.nextInt(400), arity = 1 + rnd.nextInt(40), k = 1 + rnd.nextInt(60);
        shapes[t] = new int[] {rows, arity, k};
        float[] th = TestData.logits(rnd, rows, arity, 1.0, 0.1);
        logits.add(th);
        grads.add(TestData.gaussian(rnd, rows * arity));
        choices.add(TestData.choices(rnd, th, rows, arity));
        float[] out = new float[rows * arity];
        Ops.gumbelRao(gr, th, choices.get(t), grads.get(t), rows, arity, k, 0.5f,
            new NoiseKey(t, t), out);
        expected.add(out);
        int[] d = new int[rows];
        gr.sample(th, rows, arity, new NoiseKey(t, 0), d, null);
        expectedChoices.add(d);
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        for (int round = 0; round < 3; round++) {
          List<Future<?>> futures = new ArrayList<>();
          for (int t = 0; t < tasks; t++) {
            int task = t;
            futures.add(pool.submit(() -> {
              int rows = shapes[task][0], arity = shapes[task][1], k = shapes[task][2];
              float[] out = new float[rows * arity];
              Ops.gumbelRao(gr, logits.get(task), choices.get(task), grads.get(task), rows,
                  arity, k, 0.5f, new NoiseKey(task, task), out);
              assertArrayEquals(expected.get(task), out, "task " + task);
              int[] d = new int[rows];
              gr.sample(logits.get(task), rows, arity, new NoiseKey(task, 0), d, null);
              assertArrayEquals(expectedChoices.get(task), d, "task " + task);
              return null;
            }));
          }
          for (Future<?> f : futures) f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /**
   * Closing a CUDA instance frees the staging memory of every thread that made host-array calls,
   * pooled idle threads included (before, only the closing thread's was freed).
   */
  @org.junit.jupiter.api.Test
  void closingTheCudaBackendFreesEveryThreadsStagingMemory() throws Exception {
    Backend gr = TestBackends.open(BackendKind.CUDA);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> calls = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        calls.add(pool.submit(() -> {
          float[] th = new float[64 * 16];
          gr.sample(th, 64, 16, NoiseKey.of(1), new int[64], null);
        }));
      }
      for (Future<?> f : calls) f.get();
      org.junit.jupiter.api.Assertions.assertTrue(NativeRuntime.cudaHostWorkspaceBytes() > 0,
          "the calls staged through pinned memory");
      gr.close();
      org.junit.jupiter.api.Assertions.assertEquals(0L, NativeRuntime.cudaHostWorkspaceBytes(),
          "pinned bytes still held after close()");
    } finally {
      gr.close();
      pool.shutdown();
    }
  }
}
