package dev.gumbelrao;

import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.estimators.EstimatorFamily;
import dev.gumbelrao.testing.EstimatorCases;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestBackends;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Many threads calling one instance at once get exactly the results each call gives alone (the
 * native pool runs one caller's loop at a time and the others on their own threads; results do
 * not depend on thread count, so they are bit-identical): for sampling and for every estimator of
 * the registry (read from {@link EstimatorCases}: a new family runs here with no edit).
 */
class ConcurrencyTest {
  /** One task: an estimator of the case list on random inputs of a random shape. */
  private static final class Task {
    final EstimatorCases.Case c;
    final int rows;
    final float[] logits, input;
    final int[] given;
    final NoiseKey key;
    EstimatorCases.Step expected;
    int[] expectedChoices;

    Task(EstimatorCases.Case c, int rows, SplittableRandom rnd, int t) {
      this.c = c;
      this.rows = rows;
      this.logits = c.logits(rnd, rows, 1.0, 0.1);
      this.input = c.input(rnd, rows);
      this.given = c.conditionable() && rnd.nextBoolean() ? c.choices(rnd, logits, rows) : null;
      this.key = new NoiseKey(t, t);
    }

    /** Its step: from the given D where it has one, else from the forward pass. */
    EstimatorCases.Step run(Backend gr) {
      return given != null ? c.given(gr, logits, rows, key, given, input)
          : c.step(gr, logits, rows, key, input);
    }

    int[] sample(Backend gr) {
      int[] d = new int[rows];
      if (!c.binary()) gr.sample(logits, rows, c.arity(), new NoiseKey(key.seed(), 0), d, null);
      return d;
    }
  }

  @EveryBackend
  void concurrentCallsGiveTheSequentialResults(Backend gr) throws Exception {
    List<EstimatorCases.Case> cases = EstimatorCases.all();
    // every case at least once, each at a random arity (binary ones at 1), K, S or N (1 to 60,
    // 2 to 8, 1 to 8) and row count
    int tasks = Math.max(24, cases.size()), threads = 8;
    List<Task> all = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(42);
    for (int t = 0; t < tasks; t++) {
      EstimatorCases.Case c = cases.get(t % cases.size());
      int parameter = c.family().parameter() == EstimatorFamily.Parameter.DRAWS_K
          ? 1 + rnd.nextInt(60) : c.family().parameter() == EstimatorFamily.Parameter.SAMPLES_S
          ? 2 + rnd.nextInt(7) : c.family().parameter() == EstimatorFamily.Parameter.DRAWS_N
          ? 1 + rnd.nextInt(8) : 0;
      int arity = c.binary() ? 1 : 1 + rnd.nextInt(40);
      c = new EstimatorCases.Case(c.family(), parameter, c.tau(), arity);
      Task task = new Task(c, 50 + rnd.nextInt(400), rnd, t);
      task.expected = task.run(gr);
      task.expectedChoices = task.sample(gr);
      all.add(task);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 3; round++) {
        List<Future<?>> futures = new ArrayList<>();
        for (Task task : all) {
          futures.add(pool.submit(() -> {
            EstimatorCases.Step step = task.run(gr);
            String what = task.c + " rows=" + task.rows;
            assertArrayEquals(task.expected.grad(), step.grad(), what);
            assertArrayEquals(task.expected.values(), step.values(), what);
            assertArrayEquals(task.expected.choices(), step.choices(), what);
            assertArrayEquals(task.expectedChoices, task.sample(gr), what);
            return null;
          }));
        }
        for (Future<?> f : futures) f.get();
      }
    } finally {
      pool.shutdownNow();
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
