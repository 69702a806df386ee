package dev.gumbelrao;

import dev.gumbelrao.backends.NativeRuntime;
import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.testing.EstimatorCases;
import dev.gumbelrao.testing.EstimatorCases.Case;
import dev.gumbelrao.testing.EstimatorCases.Step;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestBackends;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-parallel contract (README, "Data-parallel training"): a batch split into chunks, each
 * called with the step's key at its first row ({@link NoiseKey#atRow(long)}), gives row for row
 * the unsplit call's D, forward values and dL/dlogits, bit for bit, for every estimator of the
 * registry ({@link EstimatorCases}) on every backend: split into 1, 2, 3 and 7 uneven chunks, in
 * one thread, on a thread per chunk, and in a second JVM that computes half of the chunks.
 */
class SplitBatchTest {
  private static final int ROWS = 37;
  private static final int[] CHUNKS = {1, 2, 3, 7};
  private static final NoiseKey STEP = new NoiseKey(0x5B17L, 11);
  /** A row base far from 0 for the whole batch too: the rows it names, not 0..n-1, matter. */
  private static final long BASE = (1L << 32) - 1000;

  /** Chunk boundaries of uneven sizes (in proportion 1 : 2 : ... : n), every chunk non-empty. */
  static int[] boundaries(int rows, int n) {
    int[] b = new int[n + 1];
    long total = (long) n * (n + 1) / 2, acc = 0;
    for (int i = 1; i <= n; i++) {
      acc += i;
      b[i] = (int) (rows * acc / total);
    }
    for (int i = 1; i <= n; i++) {
      if (b[i] <= b[i - 1]) throw new AssertionError("empty chunk " + Arrays.toString(b));
    }
    return b;
  }

  /** The inputs of one case: logits, the backward input, both in their layouts. */
  record Inputs(float[] logits, float[] input) {
    static Inputs of(Case c, long seed) {
      SplittableRandom rnd = new SplittableRandom(seed);
      return new Inputs(c.logits(rnd, ROWS, 2.0, 0.2), c.input(rnd, ROWS));
    }
  }

  /**
   * Rows r0..r1-1 of an array laid out [lead][rows][width] (lead: draws or 1; width: arity or 1).
   */
  static float[] rows(float[] a, int lead, int rows, int width, int r0, int r1) {
    if (a == null) return null;
    int n = r1 - r0;
    float[] out = new float[lead * n * width];
    for (int s = 0; s < lead; s++) {
      System.arraycopy(a, (s * rows + r0) * width, out, s * n * width, n * width);
    }
    return out;
  }

  static int[] rows(int[] a, int lead, int rows, int r0, int r1) {
    if (a == null) return null;
    int n = r1 - r0;
    int[] out = new int[lead * n];
    for (int s = 0; s < lead; s++) System.arraycopy(a, s * rows + r0, out, s * n, n);
    return out;
  }

  /** One chunk's step: rows r0..r1-1 of the inputs, the key at its first row. */
  static Step chunk(Backend gr, Case c, Inputs in, NoiseKey step, int r0, int r1) {
    int a = c.arity();
    float[] input = c.pathwise() ? rows(in.input(), 1, ROWS, a, r0, r1)
        : rows(in.input(), c.draws(), ROWS, c.inputWidth(), r0, r1);
    return c.step(gr, rows(in.logits(), 1, ROWS, a, r0, r1), r1 - r0,
        step.atRow(step.firstRow() + r0), input);
  }

  /** Asserts a chunk's step equals rows r0..r1-1 of the whole batch's, bit for bit. */
  static void assertRowsOf(Case c, Step whole, Step part, int r0, int r1, String where) {
    String what = c + ", rows " + r0 + ".." + (r1 - 1) + " " + where;
    assertArrayEquals(rows(whole.choices(), c.draws(), ROWS, r0, r1), part.choices(),
        "D of " + what);
    assertBits(rows(whole.values(), c.draws(), ROWS, c.arity(), r0, r1), part.values(),
        "values of " + what);
    assertBits(rows(whole.grad(), 1, ROWS, c.arity(), r0, r1), part.grad(), "dL/dlogits of "
        + what);
  }

  static void assertBits(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
        throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", the unsplit call "
            + "gives " + expected[i]);
      }
    }
  }

  @EveryBackend
  void everyEstimatorGivesTheUnsplitRowsInOneThread(Backend gr) {
    long seed = 1;
    for (Case c : EstimatorCases.all()) {
      Inputs in = Inputs.of(c, seed++);
      for (NoiseKey step : new NoiseKey[] {STEP, STEP.atRow(BASE)}) {
        Step whole = c.step(gr, in.logits(), ROWS, step, in.input());
        for (int n : CHUNKS) {
          int[] b = boundaries(ROWS, n);
          for (int i = 0; i < n; i++) {
            assertRowsOf(c, whole, chunk(gr, c, in, step, b[i], b[i + 1]), b[i], b[i + 1],
                "(" + n + " chunks, batch base " + step.firstRow() + ")");
          }
        }
      }
    }
  }

  /** The CPU backend's every instruction-set copy (each has its own lane kernels). */
  @Test
  void everyCpuInstructionSetGivesTheUnsplitRows() {
    assumeTrue(NativeSupport.loaded(), "the native library is not loaded");
    int ran = 0;
    try (Backend gr = Backend.open(BackendKind.CPU)) {
      for (String isa : new String[] {"avx512", "avx2", "x86-64", "neon"}) {
        if (NativeRuntime.setCpuIsa(isa) != 0) continue;
        ran++;
        long seed = 1;
        for (Case c : EstimatorCases.all()) {
          Inputs in = Inputs.of(c, seed++);
          Step whole = c.step(gr, in.logits(), ROWS, STEP, in.input());
          int[] b = boundaries(ROWS, 3);
          for (int i = 0; i < 3; i++) {
            assertRowsOf(c, whole, chunk(gr, c, in, STEP, b[i], b[i + 1]), b[i], b[i + 1],
                "(" + isa + ")");
          }
        }
      }
    } finally {
      for (String isa : new String[] {"avx512", "avx2", "x86-64", "neon"}) {
        if (NativeRuntime.setCpuIsa(isa) == 0) break;
      }
    }
    assertTrue(ran >= 1, "no instruction set could be selected");
  }

  @EveryBackend
  void everyEstimatorGivesTheUnsplitRowsOnAThreadPerChunk(Backend gr) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(7);
    try {
      long seed = 100;
      for (Case c : EstimatorCases.all()) {
        Inputs in = Inputs.of(c, seed++);
        Step whole = c.step(gr, in.logits(), ROWS, STEP, in.input());
        int[] b = boundaries(ROWS, 7);
        List<Future<Step>> parts = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
          int r0 = b[i], r1 = b[i + 1];
          parts.add(pool.submit(() -> chunk(gr, c, in, STEP, r0, r1)));
        }
        for (int i = 0; i < 7; i++) {
          assertRowsOf(c, whole, parts.get(i).get(), b[i], b[i + 1], "(a thread per chunk)");
        }
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }
  }

  /** Without the row base a chunk draws the batch's first rows' noise: the test can fail. */
  @EveryBackend
  void aChunkWithoutItsFirstRowDrawsOtherNoise(Backend gr) {
    Case c = EstimatorCases.all().stream()
        .filter(x -> x.name().equals("GR-MC10") && x.arity() == 33).findFirst().orElseThrow();
    Inputs in = Inputs.of(c, 5);
    Step whole = c.step(gr, in.logits(), ROWS, STEP, in.input());
    int r0 = 20, r1 = ROWS;
    Step wrong = c.step(gr, rows(in.logits(), 1, ROWS, 33, r0, r1), r1 - r0, STEP,
        rows(in.input(), 1, ROWS, 33, r0, r1));
    assertFalse(Arrays.equals(rows(whole.grad(), 1, ROWS, 33, r0, r1), wrong.grad()),
        "a chunk at row base 0 should not reproduce rows 20.. of the batch");
    assertRowsOf(c, whole, chunk(gr, c, in, STEP, r0, r1), r0, r1, "(the same chunk at its row)");
  }

  @EveryBackend
  void theRowsOfOneCallEndAt2To32(Backend gr) {
    float[] logits = new float[3 * 4];
    int[] d = new int[3];
    gr.sample(logits, 3, 4, STEP.atRow((1L << 32) - 3), d, null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> gr.sample(logits, 3, 4, STEP.atRow((1L << 32) - 2), d, null));
    assertTrue(e.getMessage().contains("key.firstRow() + rows = 4294967294 + 3 exceeds 2^32"),
        e.getMessage());
    IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
        () -> STEP.atRow(1L << 32));
    assertTrue(k.getMessage().startsWith("firstRow must be in [0, 2^32 - 1]"), k.getMessage());
    assertThrows(IllegalArgumentException.class, () -> STEP.atRow(-1));
  }

  @Test
  void subKeysKeepTheRowBaseAndIgnoreIt() {
    assertEquals(STEP.derive(3).atRow(17), STEP.atRow(17).derive(3));
    assertEquals(17, STEP.atRow(17).derive(3).derive(9).firstRow());
    assertEquals(new NoiseKey(5, 6), new NoiseKey(5, 6, 0));
  }

  // ----------------------------------------------------------------------- two JVMs

  /**
   * A second JVM computes chunks 0, 2, 4, 6 of the 7-chunk split of every case on one backend
   * and writes their D, values and gradients; this JVM compares them with its unsplit calls.
   */
  @EveryBackend
  void aSecondJvmComputesTheSameRows(BackendKind kind, Backend gr, @TempDir Path dir)
      throws Exception {
    assumeTrue(kind != BackendKind.CUDA, "the child JVM runs the host backends");
    Path out = dir.resolve("chunks.bin");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        Worker.class.getName(), kind.name(), out.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the worker JVM did not finish");
    assertEquals(0, p.exitValue(), "the worker JVM failed:\n" + log);
    int[] b = boundaries(ROWS, 7);
    int compared = 0;
    try (DataInputStream r = new DataInputStream(Files.newInputStream(out))) {
      long seed = 1000;
      for (Case c : EstimatorCases.all()) {
        Inputs in = Inputs.of(c, seed++);
        Step whole = c.step(gr, in.logits(), ROWS, STEP, in.input());
        for (int i = 0; i < 7; i += 2) {
          Step part = new Step(null, readFloats(r), readFloats(r));
          int[] d = readInts(r);
          assertArrayEquals(rows(whole.choices(), c.draws(), ROWS, b[i], b[i + 1]), d,
              "D of " + c + " from the second JVM");
          assertBits(rows(whole.values(), c.draws(), ROWS, c.arity(), b[i], b[i + 1]),
              part.values(), "values of " + c + " from the second JVM");
          assertBits(rows(whole.grad(), 1, ROWS, c.arity(), b[i], b[i + 1]), part.grad(),
              "dL/dlogits of " + c + " from the second JVM");
          compared++;
        }
      }
      assertEquals(-1, r.read(), "the worker wrote more than the cases");
    }
    assertEquals(4 * EstimatorCases.all().size(), compared);
  }

  /** The second JVM's main: {@code Worker BACKEND FILE}. */
  public static final class Worker {
    public static void main(String[] args) throws IOException {
      int[] b = boundaries(ROWS, 7);
      try (Backend gr = TestBackends.open(BackendKind.valueOf(args[0]));
          OutputStream file = Files.newOutputStream(Path.of(args[1]));
          DataOutputStream w = new DataOutputStream(new BufferedOutputStream(file))) {
        long seed = 1000;
        for (Case c : EstimatorCases.all()) {
          Inputs in = Inputs.of(c, seed++);
          for (int i = 0; i < 7; i += 2) {
            Step s = chunk(gr, c, in, STEP, b[i], b[i + 1]);
            writeFloats(w, s.values());
            writeFloats(w, s.grad());
            writeInts(w, s.choices());
          }
        }
      }
    }
  }

  static void writeFloats(DataOutputStream w, float[] a) throws IOException {
    w.writeInt(a == null ? -1 : a.length);
    if (a != null) for (float x : a) w.writeInt(Float.floatToRawIntBits(x));
  }

  static void writeInts(DataOutputStream w, int[] a) throws IOException {
    w.writeInt(a == null ? -1 : a.length);
    if (a != null) for (int x : a) w.writeInt(x);
  }

  static float[] readFloats(DataInputStream r) throws IOException {
    int n = r.readInt();
    if (n < 0) return null;
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat(r.readInt());
    return a;
  }

  static int[] readInts(DataInputStream r) throws IOException {
    int n = r.readInt();
    if (n < 0) return null;
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = r.readInt();
    return a;
  }

}
