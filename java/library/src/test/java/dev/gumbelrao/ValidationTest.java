package dev.gumbelrao;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets an IllegalArgumentException that names the argument, on every backend and for
 * every operation; nothing reaches native code that could crash the JVM.
 */
class ValidationTest {
  private static final int ROWS = 3, ARITY = 4, N = ROWS * ARITY;
  private static final NoiseKey KEY = new NoiseKey(1, 2);

  private static float[] logits() {
    float[] th = new float[N];
    for (int i = 0; i < N; i++) th[i] = 0.1f * i;
    return th;
  }

  /** Every operation, called with one argument replaced. */
  private static void eachOperation(GumbelRao gr, float[] th, int[] d, float[] g, int rows,
      int arity, int k, float tau, Consumer<Runnable> check) {
    int n = Math.max(0, rows * arity);
    check.accept(() -> gr.sample(th, rows, arity, KEY, new int[Math.max(0, rows)], null));
    check.accept(() -> gr.conditionalGumbel(th, d, rows, arity, k, KEY,
        new float[Math.max(0, k) * n]));
    check.accept(() -> gr.gumbelRaoBackward(th, d, g, rows, arity, k, tau, KEY, new float[n]));
    check.accept(() -> gr.gumbelSoftmaxForward(th, rows, arity, tau, KEY, new float[n]));
    check.accept(() -> gr.gumbelSoftmaxBackward(th, g, rows, arity, tau, KEY, new float[n]));
    check.accept(() -> gr.straightThroughBackward(th, g, rows, arity, tau, new float[n]));
    check.accept(() -> gr.reinforceBackward(th, d, new float[Math.max(0, rows)],
        new RunningMeanBaseline(), rows, arity, new float[n]));
  }

  private static Consumer<Runnable> expect(String argument) {
    return op -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op::run);
      assertTrue(e.getMessage().contains(argument),
          "message should name '" + argument + "': " + e.getMessage());
    };
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void badValuesInsideTheLogitsAreReportedWithTheirRow(Backend backend) {
    try (GumbelRao gr = TestBackends.open(backend)) {
      int[] d = {0, 1, 2};
      float[] g = new float[N];
      float[][] bad = new float[3][];
      String[] what = {"row 1 contains NaN", "row 2 contains +Infinity", "row 0 has no finite"};
      bad[0] = logits();
      bad[0][ARITY + 2] = Float.NaN;
      bad[1] = logits();
      bad[1][2 * ARITY] = Float.POSITIVE_INFINITY;
      bad[2] = logits();
      for (int j = 0; j < ARITY; j++) bad[2][j] = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < bad.length; i++) {
        eachOperation(gr, bad[i], d, g, ROWS, ARITY, 2, 0.5f, expect("logits: " + what[i]));
      }
      // the lowest bad row is reported, whatever the threads did first
      float[] many = logits();
      many[2 * ARITY] = Float.NaN;
      many[ARITY] = Float.NaN;
      eachOperation(gr, many, d, g, ROWS, ARITY, 2, 0.5f, expect("logits: row 1"));
    }
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void badChoicesAreReported(Backend backend) {
    try (GumbelRao gr = TestBackends.open(backend)) {
      float[] th = logits(), g = new float[N], out = new float[N];
      for (int[] d : new int[][] {{0, -1, 0}, {0, 0, ARITY}, {0, 0, Integer.MIN_VALUE}}) {
        assertThrows(IllegalArgumentException.class,
            () -> gr.gumbelRaoBackward(th, d, g, ROWS, ARITY, 3, 1f, KEY, out));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> gr.conditionalGumbel(th, d, ROWS, ARITY, 2, KEY, new float[2 * N]));
        assertTrue(e.getMessage().startsWith("choice: row "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> gr.reinforceBackward(th, d,
            new float[ROWS], new RunningMeanBaseline(), ROWS, ARITY, out));
      }
      float[] masked = logits();
      masked[ARITY + 1] = Float.NEGATIVE_INFINITY;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gr.gumbelRaoBackward(masked, new int[] {0, 1, 0}, g, ROWS, ARITY, 3, 1f, KEY,
              out));
      assertEquals("choice: row 1 names a masked class (its logit is -Infinity), which can "
          + "never be sampled", e.getMessage());
    }
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void theLowestBadRowIsReportedWhateverIsBadInIt(Backend backend) {
    try (GumbelRao gr = TestBackends.open(backend)) {
      // small arity and K < 16: the kernels that work on tiles of 16 rows at once; K = 50: draw
      // lanes over blocks of rows
      for (int[] shape : new int[][] {{40, 5, 3}, {40, 33, 3}, {40, 5, 50}, {40, 100, 3}}) {
        int rows = shape[0], arity = shape[1], k = shape[2];
        float[] th = new float[rows * arity];
        for (int i = 0; i < th.length; i++) th[i] = (float) Math.sin(i);
        for (int j = 0; j < arity; j++) th[5 * arity + j] = Float.NEGATIVE_INFINITY;
        int[] d = new int[rows];
        d[3] = arity;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> gr.gumbelRaoBackward(th, d, new float[th.length], rows, arity, k, 0.5f, KEY,
                new float[th.length]));
        assertTrue(e.getMessage().startsWith("choice: row 3 "), e.getMessage());
        d[3] = 0;
        e = assertThrows(IllegalArgumentException.class,
            () -> gr.gumbelRaoBackward(th, d, new float[th.length], rows, arity, k, 0.5f, KEY,
                new float[th.length]));
        assertTrue(e.getMessage().startsWith("logits: row 5 "), e.getMessage());
        // the conditional sampler: row tiles at K < 16, blocks of rows at K >= 16
        float[] noise = new float[k * rows * arity];
        d[3] = arity;
        e = assertThrows(IllegalArgumentException.class,
            () -> gr.conditionalGumbel(th, d, rows, arity, k, KEY, noise));
        assertTrue(e.getMessage().startsWith("choice: row 3 "), e.getMessage());
        d[3] = 0;
        e = assertThrows(IllegalArgumentException.class,
            () -> gr.conditionalGumbel(th, d, rows, arity, k, KEY, noise));
        assertTrue(e.getMessage().startsWith("logits: row 5 "), e.getMessage());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void badShapesAndScalarsAreReportedBeforeAnyWork(Backend backend) {
    try (GumbelRao gr = TestBackends.open(backend)) {
      float[] th = logits(), g = new float[N];
      int[] d = new int[ROWS];
      eachOperation(gr, null, d, g, ROWS, ARITY, 2, 1f, expect("logits must not be null"));
      eachOperation(gr, new float[N - 1], d, g, ROWS, ARITY, 2, 1f, expect("logits has length"));
      eachOperation(gr, th, d, g, -1, ARITY, 2, 1f, expect("rows must be >= 0"));
      eachOperation(gr, th, d, g, ROWS, 0, 2, 1f, expect("arity must be >= 1"));
      eachOperation(gr, th, d, g, 1 << 16, 1 << 15, 2, 1f, expect("rows * arity"));
      assertThrows(IllegalArgumentException.class,
          () -> gr.gumbelRaoBackward(th, null, g, ROWS, ARITY, 2, 1f, KEY, new float[N]));
      assertThrows(IllegalArgumentException.class,
          () -> gr.gumbelRaoBackward(th, new int[ROWS + 1], g, ROWS, ARITY, 2, 1f, KEY,
              new float[N]));
      for (float tau : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, -0f}) {
        assertThrows(IllegalArgumentException.class,
            () -> gr.gumbelRaoBackward(th, d, g, ROWS, ARITY, 2, tau, KEY, new float[N]),
            "tau " + tau);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> gr.straightThroughBackward(th, g, ROWS, ARITY, tau, new float[N]));
        assertTrue(e.getMessage().startsWith("tau must be finite and > 0"));
      }
      for (int k : new int[] {0, -5}) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> gr.gumbelRaoBackward(th, d, g, ROWS, ARITY, k, 1f, KEY, new float[N]));
        assertTrue(e.getMessage().startsWith("samples (K) must be >= 1"));
      }
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gr.gumbelRaoBackward(th, d, new float[N + 1], ROWS, ARITY, 2, 1f, KEY,
              new float[N]));
      assertTrue(e.getMessage().startsWith("upstream has length " + (N + 1)));
      e = assertThrows(IllegalArgumentException.class,
          () -> gr.gumbelRaoBackward(th, d, g, ROWS, ARITY, 2, 1f, KEY, new float[N + 3]));
      assertTrue(e.getMessage().startsWith("grad has length"));
      e = assertThrows(IllegalArgumentException.class,
          () -> gr.gumbelRaoBackward(th, d, g, ROWS, ARITY, 2, 1f, KEY, th));
      assertTrue(e.getMessage().contains("grad must not be the same array or buffer as logits"));
      e = assertThrows(IllegalArgumentException.class,
          () -> gr.gumbelRaoBackward(th, d, g, ROWS, ARITY, 2, 1f, null, new float[N]));
      assertEquals("key must not be null", e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> gr.conditionalGumbel(th, d, ROWS, ARITY, Integer.MAX_VALUE, KEY, new float[1]));
      assertTrue(e.getMessage().contains("exceeds 2^31 - 1"));
      e = assertThrows(IllegalArgumentException.class, () -> gr.reinforceBackward(th, d,
          new float[] {1, Float.NaN, 0}, new RunningMeanBaseline(), ROWS, ARITY, new float[N]));
      assertTrue(e.getMessage().startsWith("losses: row 1"));
      e = assertThrows(IllegalArgumentException.class, () -> gr.reinforceBackward(th, d,
          new float[ROWS], null, ROWS, ARITY, new float[N]));
      assertEquals("baseline must not be null", e.getMessage());
    }
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void emptyBatchesAreAllowed(Backend backend) {
    try (GumbelRao gr = TestBackends.open(backend)) {
      gr.sample(new float[0], 0, 5, KEY, new int[0], new float[0]);
      gr.gumbelRaoBackward(new float[0], new int[0], new float[0], 0, 5, 10, 1f, KEY,
          new float[0]);
      gr.reinforceBackward(new float[0], new int[0], new float[0], new RunningMeanBaseline(), 0,
          5, new float[0]);
    }
  }

  private static FloatBuffer direct(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return b;
  }

  private static IntBuffer directInts(int n) {
    return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asIntBuffer();
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void buffersWorkAndAreChecked(Backend backend) {
    try (GumbelRao gr = TestBackends.open(backend);
        GumbelRao ref = GumbelRao.create(Backend.JAVA)) {
      float[] th = logits(), g = new float[N];
      for (int i = 0; i < N; i++) g[i] = (float) Math.sin(i);
      int[] d = {1, 2, 3};
      // a buffer's remaining elements are the argument: offset the logits by a position of 5
      FloatBuffer thb = ByteBuffer.allocateDirect(4 * (N + 5)).order(ByteOrder.nativeOrder())
          .asFloatBuffer();
      thb.position(5);
      thb.put(th).position(5);
      IntBuffer db = directInts(ROWS).put(d).flip();
      FloatBuffer out = direct(new float[N]);
      gr.gumbelRaoBackward(thb, db, direct(g), ROWS, ARITY, 50, 0.5f, KEY, out);
      float[] expected = new float[N], got = new float[N];
      ref.gumbelRaoBackward(th, d, g, ROWS, ARITY, 50, 0.5f, KEY, expected);
      out.get(0, got);
      TestData.assertRowsClose(expected, got, ROWS, ARITY, 1e-5, TestData.ATOL, "buffers");
      assertEquals(5, thb.position(), "positions are left as they were");

      IntBuffer choice = directInts(ROWS);
      gr.sample(thb, ROWS, ARITY, KEY, choice, null);
      int[] dRef = new int[ROWS];
      ref.sample(th, ROWS, ARITY, KEY, dRef, null);
      for (int r = 0; r < ROWS; r++) assertEquals(dRef[r], choice.get(r));

      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gr.gumbelRaoBackward(thb, db, direct(g), ROWS, ARITY, 5, 1f, KEY,
              direct(new float[N]).asReadOnlyBuffer()));
      assertTrue(e.getMessage().startsWith("grad is a read-only buffer"));
      e = assertThrows(IllegalArgumentException.class,
          () -> gr.gumbelRaoBackward(thb, db, direct(g), ROWS, ARITY, 5, 1f, KEY,
              direct(new float[N + 1])));
      assertTrue(e.getMessage().startsWith("grad has " + (N + 1) + " elements remaining"));
      if (backend != Backend.JAVA) {
        e = assertThrows(IllegalArgumentException.class,
            () -> gr.gumbelRaoBackward(FloatBuffer.wrap(th), db, direct(g), ROWS, ARITY, 5, 1f,
                KEY, direct(new float[N])));
        assertTrue(e.getMessage().startsWith("logits must be a direct buffer"));
        FloatBuffer bigEndian = ByteBuffer.allocateDirect(4 * N).order(ByteOrder.BIG_ENDIAN)
            .asFloatBuffer();
        e = assertThrows(IllegalArgumentException.class,
            () -> gr.gumbelRaoBackward(thb, db, bigEndian, ROWS, ARITY, 5, 1f, KEY,
                direct(new float[N])));
        assertTrue(e.getMessage().startsWith("upstream is in BIG_ENDIAN byte order"));
      } else {
        // the JAVA backend reads heap buffers too
        FloatBuffer heapOut = FloatBuffer.allocate(N);
        gr.gumbelRaoBackward(FloatBuffer.wrap(th), IntBuffer.wrap(d), FloatBuffer.wrap(g), ROWS,
            ARITY, 50, 0.5f, KEY, heapOut);
        TestData.assertRowsClose(expected, heapOut.array(), ROWS, ARITY, 0, 0, "heap buffers");
      }
    }
  }

  @Test
  void keysStreamsBaselinesAndClosedInstancesAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new NoiseKey(1, -1));
    assertThrows(IllegalArgumentException.class, () -> new NoiseKey(1, 1L << 32));
    assertEquals(NoiseKey.MAX_OFFSET, new NoiseKey(1, NoiseKey.MAX_OFFSET).offset());
    NoiseStream stream = new NoiseStream(9, NoiseKey.MAX_OFFSET - 1);
    assertEquals(new NoiseKey(9, NoiseKey.MAX_OFFSET - 1), stream.next());
    assertEquals(new NoiseKey(9, NoiseKey.MAX_OFFSET), stream.next());
    assertThrows(IllegalStateException.class, stream::next);
    assertThrows(IllegalStateException.class, stream::next);
    assertThrows(IllegalArgumentException.class, () -> new RunningMeanBaseline(1.0));
    assertThrows(IllegalArgumentException.class, () -> new RunningMeanBaseline(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> GumbelRao.create(null));
    GumbelRao gr = GumbelRao.create(Backend.JAVA);
    gr.close();
    assertThrows(IllegalStateException.class,
        () -> gr.sample(logits(), ROWS, ARITY, KEY, new int[ROWS], null));
  }

  @Test
  void theCudaBackendSaysWhyItIsUnavailable() {
    BackendStatus cuda = Backends.status(Backend.CUDA);
    if (cuda.available()) return; // a later version with kernels on a machine with a GPU
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
        () -> GumbelRao.create(Backend.CUDA));
    assertTrue(e.getMessage().startsWith("CUDA unavailable: "), e.getMessage());
    assertTrue(e.getMessage().length() > "CUDA unavailable: ".length() + 5);
    assertTrue(Backends.choose() != Backend.CUDA);
  }
}
