package dev.gumbelrao;

import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.RunningMeanBaseline;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
  private static void eachOperation(Backend gr, float[] th, int[] d, float[] g, int rows,
      int arity, int k, float tau, Consumer<Runnable> check) {
    int n = Math.max(0, rows * arity);
    check.accept(() -> gr.sample(th, rows, arity, KEY, new int[Math.max(0, rows)], null));
    check.accept(() -> gr.conditionalGumbel(th, d, rows, arity, k, KEY,
        new float[Math.max(0, k) * n]));
    check.accept(() -> Ops.gumbelRao(gr, th, d, g, rows, arity, k, tau, KEY, new float[n]));
    check.accept(() -> Ops.gumbelSoftmaxForward(gr, th, rows, arity, tau, KEY, new float[n]));
    check.accept(() -> Ops.gumbelSoftmaxBackward(gr, th, g, rows, arity, tau, KEY, new float[n]));
    check.accept(() -> Ops.straightThrough(gr, th, g, rows, arity, tau, new float[n]));
    check.accept(() -> Ops.reinforce(gr, th, d, new float[Math.max(0, rows)],
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
  void badValuesInsideTheLogitsAreReportedWithTheirRow(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
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
  void badChoicesAreReported(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      float[] th = logits(), g = new float[N], out = new float[N];
      for (int[] d : new int[][] {{0, -1, 0}, {0, 0, ARITY}, {0, 0, Integer.MIN_VALUE}}) {
        assertThrows(IllegalArgumentException.class,
            () -> Ops.gumbelRao(gr, th, d, g, ROWS, ARITY, 3, 1f, KEY, out));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> gr.conditionalGumbel(th, d, ROWS, ARITY, 2, KEY, new float[2 * N]));
        assertTrue(e.getMessage().startsWith("choice: row "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ops.reinforce(gr, th, d,
            new float[ROWS], new RunningMeanBaseline(), ROWS, ARITY, out));
      }
      float[] masked = logits();
      masked[ARITY + 1] = Float.NEGATIVE_INFINITY;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Ops.gumbelRao(gr, masked, new int[] {0, 1, 0}, g, ROWS, ARITY, 3, 1f, KEY,
              out));
      assertEquals("choice: row 1 names a masked class (its logit is -Infinity), which can "
          + "never be sampled", e.getMessage());
      // ST's backward pass never reads D: a given D is checked when the sample is made
      PathwiseEstimator st = Estimators.straightThrough(1f);
      e = assertThrows(IllegalArgumentException.class,
          () -> st.given(gr, masked, ROWS, ARITY, KEY, new int[] {0, 1, 0}));
      assertEquals("choice: row 1 names a masked class (its logit is -Infinity), which can "
          + "never be sampled", e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> st.given(gr, th, ROWS, ARITY, KEY, new int[] {0, 0, ARITY}));
      assertTrue(e.getMessage().startsWith("choice: row 2 is outside"), e.getMessage());
      // a binary draw that its infinite logit makes impossible
      PathwiseEstimator zb = Estimators.zgrBinary();
      float[] eta = {0.5f, Float.POSITIVE_INFINITY};
      e = assertThrows(IllegalArgumentException.class, () -> zb.backward(
          zb.given(gr, eta, 2, 1, KEY, new int[] {1, 0}), new float[2], new float[2]));
      assertTrue(e.getMessage().startsWith("choice: row 1 is an outcome its logit makes "
          + "impossible"), e.getMessage());
    }
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void theLowestBadRowIsReportedWhateverIsBadInIt(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
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
            () -> Ops.gumbelRao(gr, th, d, new float[th.length], rows, arity, k, 0.5f, KEY,
                new float[th.length]));
        assertTrue(e.getMessage().startsWith("choice: row 3 "), e.getMessage());
        d[3] = 0;
        e = assertThrows(IllegalArgumentException.class,
            () -> Ops.gumbelRao(gr, th, d, new float[th.length], rows, arity, k, 0.5f, KEY,
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
  void badShapesAndScalarsAreReportedBeforeAnyWork(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      float[] th = logits(), g = new float[N];
      int[] d = new int[ROWS];
      eachOperation(gr, null, d, g, ROWS, ARITY, 2, 1f, expect("logits must not be null"));
      eachOperation(gr, new float[N - 1], d, g, ROWS, ARITY, 2, 1f, expect("logits has length"));
      eachOperation(gr, th, d, g, -1, ARITY, 2, 1f, expect("rows must be >= 0"));
      eachOperation(gr, th, d, g, ROWS, 0, 2, 1f, expect("arity must be >= 1"));
      eachOperation(gr, th, d, g, 1 << 16, 1 << 15, 2, 1f, expect("rows * arity"));
      assertThrows(IllegalArgumentException.class,
          () -> Ops.gumbelRao(gr, th, null, g, ROWS, ARITY, 2, 1f, KEY, new float[N]));
      assertThrows(IllegalArgumentException.class,
          () -> Ops.gumbelRao(gr, th, new int[ROWS + 1], g, ROWS, ARITY, 2, 1f, KEY,
              new float[N]));
      for (float tau : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, -0f}) {
        assertThrows(IllegalArgumentException.class,
            () -> Ops.gumbelRao(gr, th, d, g, ROWS, ARITY, 2, tau, KEY, new float[N]),
            "tau " + tau);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Ops.straightThrough(gr, th, g, ROWS, ARITY, tau, new float[N]));
        assertTrue(e.getMessage().startsWith("tau must be finite and > 0"));
      }
      for (int k : new int[] {0, -5}) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Ops.gumbelRao(gr, th, d, g, ROWS, ARITY, k, 1f, KEY, new float[N]));
        assertTrue(e.getMessage().startsWith("samples (K) must be >= 1"));
      }
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Ops.gumbelRao(gr, th, d, new float[N + 1], ROWS, ARITY, 2, 1f, KEY,
              new float[N]));
      assertTrue(e.getMessage().startsWith("upstream has length " + (N + 1)));
      e = assertThrows(IllegalArgumentException.class,
          () -> Ops.gumbelRao(gr, th, d, g, ROWS, ARITY, 2, 1f, KEY, new float[N + 3]));
      assertTrue(e.getMessage().startsWith("grad has length"));
      e = assertThrows(IllegalArgumentException.class,
          () -> Ops.gumbelRao(gr, th, d, g, ROWS, ARITY, 2, 1f, KEY, th));
      assertTrue(e.getMessage().contains("grad overlaps the memory of logits"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> Ops.gumbelRao(gr, th, d, g, ROWS, ARITY, 2, 1f, null, new float[N]));
      assertEquals("key must not be null", e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> gr.conditionalGumbel(th, d, ROWS, ARITY, Integer.MAX_VALUE, KEY, new float[1]));
      assertTrue(e.getMessage().contains("exceeds 2^31 - 1"));
      e = assertThrows(IllegalArgumentException.class, () -> Ops.reinforce(gr, th, d,
          new float[] {1, Float.NaN, 0}, new RunningMeanBaseline(), ROWS, ARITY, new float[N]));
      assertTrue(e.getMessage().startsWith("losses: row 1"));
      e = assertThrows(IllegalArgumentException.class, () -> Ops.reinforce(gr, th, d,
          new float[ROWS], null, ROWS, ARITY, new float[N]));
      assertEquals("baseline must not be null", e.getMessage());
    }
  }

  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void emptyBatchesAreAllowed(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      gr.sample(new float[0], 0, 5, KEY, new int[0], new float[0]);
      Ops.gumbelRao(gr, new float[0], new int[0], new float[0], 0, 5, 10, 1f, KEY,
          new float[0]);
      Ops.reinforce(gr, new float[0], new int[0], new float[0], new RunningMeanBaseline(), 0,
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
  void buffersWorkAndAreChecked(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend);
        Backend ref = Backend.open(BackendKind.JAVA)) {
      float[] th = logits(), g = new float[N];
      for (int i = 0; i < N; i++) g[i] = (float) Math.sin(i);
      PathwiseEstimator est = Estimators.gumbelRao(50, 0.5f);
      // a buffer's remaining elements are the argument: offset the logits by a position of 5
      FloatBuffer thb = ByteBuffer.allocateDirect(4 * (N + 5)).order(ByteOrder.nativeOrder())
          .asFloatBuffer();
      thb.position(5);
      thb.put(th).position(5);
      FloatBuffer values = direct(new float[N]), out = direct(new float[N]);
      Sample s = est.forward(gr, thb, ROWS, ARITY, KEY, values);
      thb.position(0); // the sample keeps the view it was drawn with
      est.backward(s, direct(g), out);
      float[] expected = new float[N], got = new float[N], oneHot = new float[N];
      Sample sRef = est.forward(ref, th, ROWS, ARITY, KEY, oneHot);
      est.backward(sRef, g, expected);
      out.get(0, got);
      TestData.assertElementsClose(expected, got, ROWS, ARITY, 1e-5,
          TestData.floor(backend, 0.5f), "buffers");
      assertArrayEquals(sRef.choices(), s.choices());
      float[] v = new float[N];
      values.get(0, v);
      assertArrayEquals(oneHot, v);

      thb.position(5);
      Sample s2 = est.forward(gr, thb, ROWS, ARITY, KEY, null);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> est.backward(s2, direct(g), direct(new float[N]).asReadOnlyBuffer()));
      assertTrue(e.getMessage().startsWith("grad is a read-only buffer"));
      e = assertThrows(IllegalArgumentException.class,
          () -> est.backward(s2, direct(g), direct(new float[N + 1])));
      assertTrue(e.getMessage().startsWith("grad has " + (N + 1) + " elements remaining"));
      e = assertThrows(IllegalArgumentException.class, () -> est.backward(s2, g, new float[N]));
      assertTrue(e.getMessage().startsWith("upstream: the sample was drawn on buffers"),
          e.getMessage());
      if (backend != BackendKind.JAVA) {
        e = assertThrows(IllegalArgumentException.class,
            () -> est.forward(gr, FloatBuffer.wrap(th), ROWS, ARITY, KEY, null));
        assertTrue(e.getMessage().startsWith("logits must be a direct buffer"), e.getMessage());
        FloatBuffer bigEndian = ByteBuffer.allocateDirect(4 * N).order(ByteOrder.BIG_ENDIAN)
            .asFloatBuffer();
        e = assertThrows(IllegalArgumentException.class,
            () -> est.backward(s2, bigEndian, direct(new float[N])));
        assertTrue(e.getMessage().startsWith("upstream is in BIG_ENDIAN byte order"));
      } else {
        // the JAVA backend reads heap buffers too
        FloatBuffer heapOut = FloatBuffer.allocate(N);
        est.backward(est.forward(gr, FloatBuffer.wrap(th), ROWS, ARITY, KEY, null),
            FloatBuffer.wrap(g), heapOut);
        TestData.assertElementsClose(expected, heapOut.array(), ROWS, ARITY, 0, 0, "heap buffers");
      }
    }
  }

  /** Outputs overlapping inputs: the same array, and views of one buffer shifted by a row. */
  @ParameterizedTest
  @MethodSource("dev.gumbelrao.TestBackends#all")
  void outputsOverlappingInputsAreRejected(BackendKind backend) {
    try (Backend gr = TestBackends.open(backend)) {
      float[] th = logits(), g = new float[N];
      for (PathwiseEstimator est : new PathwiseEstimator[] {Estimators.straightThrough(1f),
          Estimators.straightThroughGumbelSoftmax(1f), Estimators.gumbelSoftmax(1f),
          Estimators.gumbelRao(3, 1f)}) {
        Sample s = est.forward(gr, th, ROWS, ARITY, KEY, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> est.backward(s, g, th));
        assertTrue(e.getMessage().startsWith("grad overlaps the memory of logits (the same "
            + "array or buffer)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> est.backward(s, g, g));
        assertTrue(e.getMessage().startsWith("grad overlaps the memory of upstream"));
        e = assertThrows(IllegalArgumentException.class,
            () -> est.forward(gr, th, ROWS, ARITY, KEY, th));
        assertTrue(e.getMessage().startsWith("values overlaps the memory of logits"),
            e.getMessage());
      }
      // direct buffers: one block of memory, the output a view shifted by one row
      FloatBuffer all = ByteBuffer.allocateDirect(4 * (N + ARITY)).order(ByteOrder.nativeOrder())
          .asFloatBuffer();
      all.put(th);
      FloatBuffer input = all.duplicate().position(0).limit(N).slice();
      FloatBuffer shifted = all.duplicate().position(ARITY).limit(N + ARITY).slice();
      FloatBuffer upstream = direct(g);
      PathwiseEstimator st = Estimators.straightThrough(1f);
      if (backend != BackendKind.JAVA || NativeSupport.loaded()) {
        Sample s = st.forward(gr, input, ROWS, ARITY, KEY, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> st.backward(s, upstream, shifted));
        assertEquals("grad overlaps the memory of logits (views that share elements): outputs "
            + "must not overlap inputs", e.getMessage());
        // adjacent but disjoint views are fine
        FloatBuffer after = all.duplicate().position(N).limit(N + ARITY).slice();
        assertTrue(after.remaining() == ARITY);
        float[] ok = new float[N];
        st.backward(s, upstream, direct(ok));
      }
      // the low-level operations check it too
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gr.conditionalGumbel(th, new int[ROWS], ROWS, ARITY, 1, KEY, th));
      assertTrue(e.getMessage().startsWith("noise overlaps the memory of logits"));
      e = assertThrows(IllegalArgumentException.class,
          () -> gr.sample(th, ROWS, ARITY, KEY, new int[ROWS], th));
      assertTrue(e.getMessage().startsWith("oneHot overlaps the memory of logits"));
    }
  }

  /** A backward pass takes only the samples of its own estimator, on the memory they used. */
  @Test
  void samplesBelongToTheirEstimator() {
    try (Backend gr = Backend.open(BackendKind.JAVA)) {
      float[] th = logits(), g = new float[N], out = new float[N];
      PathwiseEstimator gr10 = Estimators.gumbelRao(10, 0.5f);
      Sample s = gr10.forward(gr, th, ROWS, ARITY, KEY, null);
      // equal estimators (values) accept each other's samples
      Estimators.gumbelRao(10, 0.5f).backward(s, g, out);
      for (PathwiseEstimator other : new PathwiseEstimator[] {Estimators.gumbelRao(11, 0.5f),
          Estimators.gumbelRao(10, 0.25f), Estimators.straightThroughGumbelSoftmax(0.5f)}) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> other.backward(s, g, out));
        assertTrue(e.getMessage().startsWith("sample: drawn by GR-MC10(tau=0.5), not by "),
            e.getMessage());
      }
      // each REINFORCE estimator owns a baseline: its samples are its own
      ScoreFunctionEstimator r1 = Estimators.reinforce(), r2 = Estimators.reinforce();
      Sample rs = r1.forward(gr, th, ROWS, ARITY, KEY, null);
      assertThrows(IllegalArgumentException.class, () -> r2.backward(rs, new float[ROWS], out));
      r1.backward(rs, new float[ROWS], out);
      // the relaxed Gumbel-Softmax has no hard choice, and no sample at a given D
      Sample soft = Estimators.gumbelSoftmax(0.5f).forward(gr, th, ROWS, ARITY, KEY, null);
      assertThrows(IllegalStateException.class, soft::choices);
      assertThrows(UnsupportedOperationException.class,
          () -> Estimators.gumbelSoftmax(0.5f).given(gr, th, ROWS, ARITY, KEY, new int[ROWS]));
      assertThrows(UnsupportedOperationException.class, () -> Estimators
          .straightThroughGumbelSoftmax(0.5f).given(gr, th, ROWS, ARITY, KEY, new int[ROWS]));
      // the sample owns its choices: changing a copy changes nothing
      int[] copy = s.choices();
      copy[0] = -7;
      assertTrue(s.choice(0) >= 0);
      assertThrows(IllegalArgumentException.class, () -> gr10.backward(null, g, out));
      assertThrows(IllegalArgumentException.class, () -> Estimators.gumbelRao(0, 1f));
      assertThrows(IllegalArgumentException.class, () -> Estimators.straightThrough(Float.NaN));
      assertThrows(IllegalArgumentException.class, () -> Estimators.reinforce(null));
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
    assertThrows(IllegalArgumentException.class, () -> Backend.open(null));
    Backend gr = Backend.open(BackendKind.JAVA);
    gr.close();
    assertThrows(IllegalStateException.class,
        () -> gr.sample(logits(), ROWS, ARITY, KEY, new int[ROWS], null));
  }
}
