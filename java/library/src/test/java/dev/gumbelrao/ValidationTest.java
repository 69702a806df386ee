package dev.gumbelrao;

import dev.gumbelrao.backends.NativeSupport;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.EstimatorFamily;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.RunningMeanBaseline;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;
import dev.gumbelrao.testing.EstimatorCases.Case;
import dev.gumbelrao.testing.EstimatorCases;
import dev.gumbelrao.testing.EveryBackend;
import dev.gumbelrao.testing.TestBackends;
import dev.gumbelrao.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets an IllegalArgumentException that names the argument, on every backend, for
 * every operation and every estimator of the registry (read from {@link EstimatorCases}: a new
 * family is checked with no edit here); nothing reaches native code that could crash the JVM.
 */
class ValidationTest {
  private static final int ROWS = 3, ARITY = 4, N = ROWS * ARITY;
  private static final NoiseKey KEY = new NoiseKey(1, 2);

  private static float[] logits() {
    float[] th = new float[N];
    for (int i = 0; i < N; i++) th[i] = 0.1f * i;
    return th;
  }

  static Stream<Arguments> cases() {
    return TestBackends.all().flatMap(b -> EstimatorCases.cases().map(c -> Arguments.of(b, c)));
  }

  /** D repeated for every draw of the estimator ([draw][row]); null stays null. */
  private static int[] everyDraw(int[] d, int draws) {
    if (d == null) return null;
    int[] out = new int[d.length * draws];
    for (int s = 0; s < draws; s++) System.arraycopy(d, 0, out, s * d.length, d.length);
    return out;
  }

  /**
   * One step of the case's estimator at the shape (rows, arity): its forward pass (D drawn by
   * the key), or the sample at D when {@code d} is given; then its backward pass with
   * {@code upstream} (a pathwise estimator) or zero losses of its draws.
   */
  private static void step(Case c, Backend gr, float[] th, int[] d, float[] upstream, int rows,
      int arity, NoiseKey key) {
    Estimator est = c.estimator();
    int draws = est.draws();
    int n = (int) Math.max(0, Math.min(Integer.MAX_VALUE / 8, (long) rows * arity));
    Sample s = d == null ? est.forward(gr, th, rows, arity, key, new float[draws * n])
        : est.given(gr, th, rows, arity, key, everyDraw(d, draws));
    EstimatorCases.backward(est, s, c.pathwise() ? upstream
        : new float[draws * Math.max(0, rows) * (c.lossTable() ? Math.max(0, arity) : 1)],
        new float[n]);
  }

  /**
   * Every operation, called with one argument replaced: sampling, the conditional noise, and a
   * step of every categorical estimator of the registry (K = S = k, tau), D drawn by the key and,
   * with {@code given} for the estimators that take one, the given D. (The binary estimators
   * take one logit per row: their faults are those of {@link #everyEstimatorRefusesBadArguments}.)
   */
  private static void eachOperation(Backend gr, float[] th, int[] d, float[] g, int rows,
      int arity, int k, float tau, boolean given, Consumer<Executable> check) {
    int n = Math.max(0, rows * arity);
    check.accept(() -> gr.sample(th, rows, arity, KEY, new int[Math.max(0, rows)], null));
    check.accept(() -> gr.conditionalGumbel(th, d, rows, arity, k, KEY,
        new float[Math.max(0, k) * n]));
    for (Case c : EstimatorCases.oneEach(Math.max(1, arity), k, tau)) {
      if (c.binary()) continue;
      check.accept(() -> step(c, gr, th, null, g, rows, arity, KEY));
      if (given && c.conditionable()) check.accept(() -> step(c, gr, th, d, g, rows, arity, KEY));
    }
  }

  private static Consumer<Executable> expect(String argument) {
    return op -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op);
      assertTrue(e.getMessage().contains(argument),
          "message should name '" + argument + "': " + e.getMessage());
    };
  }

  /** The exception {@code op} throws: an IllegalArgumentException whose message starts so. */
  private static IllegalArgumentException expectStart(String start, Executable op, String what) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, op, what);
    assertTrue(e.getMessage().startsWith(start), what + ": message should start with '" + start
        + "': " + e.getMessage());
    return e;
  }

  @EveryBackend
  void badValuesInsideTheLogitsAreReportedWithTheirRow(Backend gr) {
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
      // (a fully masked row makes its given D masked too: theLowestBadRow... has that case)
      eachOperation(gr, bad[i], d, g, ROWS, ARITY, 2, 0.5f, i < 2,
          expect("logits: " + what[i]));
    }
    // the lowest bad row is reported, whatever the threads did first
    float[] many = logits();
    many[2 * ARITY] = Float.NaN;
    many[ARITY] = Float.NaN;
    eachOperation(gr, many, d, g, ROWS, ARITY, 2, 0.5f, true, expect("logits: row 1"));
  }

  /**
   * A given D out of range or at a masked class (binary: an outcome the logit makes impossible)
   * is refused naming choice and its row, for every estimator that takes a given D: when it is
   * given (ST, whose backward pass never reads D) or by the backward pass.
   */
  @EveryBackend
  void badChoicesAreReported(Backend gr) {
    float[] th = logits(), g = new float[N];
    float[] masked = logits();
    masked[ARITY + 1] = Float.NEGATIVE_INFINITY;
    for (int[] d : new int[][] {{0, -1, 0}, {0, 0, ARITY}, {0, 0, Integer.MIN_VALUE}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gr.conditionalGumbel(th, d, ROWS, ARITY, 2, KEY, new float[2 * N]));
      assertTrue(e.getMessage().startsWith("choice: row "), e.getMessage());
    }
    for (Case c : EstimatorCases.oneEach(ARITY, 3, 1f)) {
      if (!c.conditionable()) continue;
      if (c.binary()) {
        // a binary draw that its infinite logit makes impossible; a draw outside {0, 1}
        float[] eta = {0.5f, Float.POSITIVE_INFINITY};
        expectStart("choice: row 1 is an outcome its logit makes impossible",
            () -> step(c, gr, eta, new int[] {1, 0}, new float[2], 2, 1, KEY), c.toString());
        expectStart("choice: row 1 is outside [0, 2)",
            () -> step(c, gr, eta, new int[] {1, 2}, new float[2], 2, 1, KEY), c.toString());
        continue;
      }
      for (int[] d : new int[][] {{0, -1, 0}, {0, 0, ARITY}, {0, 0, Integer.MIN_VALUE}}) {
        expectStart("choice: row ", () -> step(c, gr, th, d, g, ROWS, ARITY, KEY),
            c.toString());
      }
      expectStart("choice: row 2 is outside",
          () -> step(c, gr, th, new int[] {0, 0, ARITY}, g, ROWS, ARITY, KEY), c.toString());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> step(c, gr, masked, new int[] {0, 1, 0}, g, ROWS, ARITY, KEY));
      assertEquals("choice: row 1 names a masked class (its logit is -Infinity), which can "
          + "never be sampled", e.getMessage(), c.toString());
    }
  }

  @EveryBackend
  void theLowestBadRowIsReportedWhateverIsBadInIt(Backend gr) {
    // small arity and K < 16: the kernels that work on tiles of 16 rows at once; K = 50: draw
    // lanes over blocks of rows
    for (int[] shape : new int[][] {{40, 5, 3}, {40, 33, 3}, {40, 5, 50}, {40, 100, 3}}) {
      int rows = shape[0], arity = shape[1], k = shape[2];
      float[] th = new float[rows * arity];
      for (int i = 0; i < th.length; i++) th[i] = (float) Math.sin(i);
      for (int j = 0; j < arity; j++) th[5 * arity + j] = Float.NEGATIVE_INFINITY;
      int[] d = new int[rows];
      float[] g = new float[th.length];
      // every estimator that takes a given D: D bad in row 3, then valid there (row 5 masked);
      // one that checks D when it is given names row 5's masked D, the others its logits
      for (Case c : EstimatorCases.oneEach(arity, k, 0.5f)) {
        if (c.binary() || !c.conditionable()) continue;
        for (int bad3 : new int[] {arity, 0}) {
          d[3] = bad3;
          Estimator est = c.estimator();
          String what = c + " rows=" + rows + " K=" + k + " D[3]=" + bad3;
          Sample s;
          try {
            s = est.given(gr, th, rows, arity, KEY, everyDraw(d, est.draws()));
          } catch (IllegalArgumentException e) {
            String start = bad3 == arity ? "choice: row 3 " : "choice: row 5 ";
            assertTrue(e.getMessage().startsWith(start), what + ": " + e.getMessage());
            continue;
          }
          expectStart(bad3 == arity ? "choice: row 3 " : "logits: row 5 ",
              () -> EstimatorCases.backward(est, s, c.pathwise() ? g
                  : new float[c.inputLength(rows)], new float[th.length]), what);
        }
      }
      // the conditional sampler: row tiles at K < 16, blocks of rows at K >= 16
      float[] noise = new float[k * rows * arity];
      d[3] = arity;
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> gr.conditionalGumbel(th, d, rows, arity, k, KEY, noise));
      assertTrue(e.getMessage().startsWith("choice: row 3 "), e.getMessage());
      d[3] = 0;
      e = assertThrows(IllegalArgumentException.class,
          () -> gr.conditionalGumbel(th, d, rows, arity, k, KEY, noise));
      assertTrue(e.getMessage().startsWith("logits: row 5 "), e.getMessage());
    }
  }

  @EveryBackend
  void badShapesAndScalarsAreReportedBeforeAnyWork(Backend gr) {
    float[] th = logits(), g = new float[N];
    int[] d = new int[ROWS];
    eachOperation(gr, null, d, g, ROWS, ARITY, 2, 1f, true, expect("logits must not be null"));
    eachOperation(gr, new float[N - 1], d, g, ROWS, ARITY, 2, 1f, true,
        expect("logits has length"));
    eachOperation(gr, th, d, g, -1, ARITY, 2, 1f, true, expect("rows must be >= 0"));
    eachOperation(gr, th, d, g, ROWS, 0, 2, 1f, true, expect("arity must be >= 1"));
    eachOperation(gr, th, d, g, 1 << 16, 1 << 15, 2, 1f, true, expect("rows * arity"));
    // every tempered family refuses a bad tau, every family with K or S one below its least
    for (EstimatorFamily f : Estimators.families()) {
      int p = Math.max(1, f.parameter().least);
      for (float tau : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, -0f}) {
        if (!f.tempered()) continue;
        expectStart("tau must be finite and > 0", () -> f.make(p, tau), f + " tau " + tau);
      }
      if (f.parameter() != EstimatorFamily.Parameter.NONE) {
        expectStart(f.pattern() + ": ", () -> f.make(f.parameter().least - 1, 1f),
            f.toString());
      }
    }
    for (float tau : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, -0f}) {
      assertThrows(IllegalArgumentException.class, () -> Estimators.gumbelRao(2, tau),
          "tau " + tau);
      expectStart("tau must be finite and > 0", () -> Estimators.straightThrough(tau),
          "tau " + tau);
    }
    for (int k : new int[] {0, -5}) {
      expectStart("samples (K) must be >= 1", () -> Estimators.gumbelRao(k, 1f), "K " + k);
      expectStart("samples (K) must be >= 1",
          () -> Estimators.gumbelRao(k, 1f, Estimators.Derivative.TOTAL), "K " + k);
      expectStart("samples (S) must be >= 2", () -> Estimators.rloo(k + 1), "S " + (k + 1));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> gr.conditionalGumbel(th, d, ROWS, ARITY, Integer.MAX_VALUE, KEY, new float[1]));
    assertTrue(e.getMessage().contains("exceeds 2^31 - 1"));
    // REINFORCE reads its losses in Java, for its baseline
    ScoreFunctionEstimator reinforce = Estimators.reinforce();
    expectStart("losses: row 1", () -> reinforce.backward(reinforce.given(gr, th, ROWS, ARITY,
        KEY, d), new float[] {1, Float.NaN, 0}, new float[N]), "REINFORCE");
    e = assertThrows(IllegalArgumentException.class, () -> Estimators.reinforce(null));
    assertEquals("baseline must not be null", e.getMessage());
  }

  /**
   * Every estimator refuses bad arguments naming them: logits (null, short, NaN and +Infinity
   * at their row), the shape (rows, arity; arity 2 for a binary one), the key, the values,
   * the backward pass's input (upstream or losses: short, NaN at its row) and grad (short, the
   * same array as the logits or as the upstream), the sample (null, another estimator's), a given
   * D (null, short); values the same array as the logits.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void everyEstimatorRefusesBadArguments(BackendKind backend, Case c) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(c.toString().hashCode());
      int rows = 5, arity = c.arity(), n = rows * arity;
      float[] th = c.logits(rnd, rows, 1.0, 0.0), in = c.input(rnd, rows);
      int[] d = c.choices(rnd, th, rows);
      Estimator est = c.estimator();
      int values = c.valuesLength(rows);
      String what = backend + " " + c;
      // forward
      expectStart("logits must not be null", () -> est.forward(gr, (float[]) null, rows, arity,
          KEY, new float[values]), what);
      expectStart("logits has length " + (n - 1), () -> est.forward(gr,
          java.util.Arrays.copyOf(th, n - 1), rows, arity, KEY, new float[values]), what);
      expectStart("rows must be >= 0", () -> est.forward(gr, th, -1, arity, KEY,
          new float[values]), what);
      // rows = 2^31 - 1 with 6 logits: the sizes are checked before anything is allocated (the
      // choices of a binary estimator once took 2^31 - 1 ints first: an OutOfMemoryError, or a
      // NegativeArraySizeException for two draws)
      String huge = arity == 1 ? "logits has length 6, expected rows * arity = 2147483647"
          : "rows * arity = 2147483647 * " + arity;
      expectStart(huge, () -> est.forward(gr, new float[6], Integer.MAX_VALUE, arity, KEY, null),
          what);
      if (c.conditionable()) {
        expectStart(huge, () -> est.given(gr, new float[6], Integer.MAX_VALUE, arity, KEY,
            new int[6]), what);
      }
      expectStart(c.binary() ? "arity: " + c.name() + " is a binary estimator"
          : "arity must be >= 1", () -> est.forward(gr, th, rows, 0, KEY, null), what);
      if (c.binary()) {
        expectStart("arity: " + c.name() + " is a binary estimator",
            () -> est.forward(gr, new float[2 * rows], rows, 2, KEY, null), what);
      }
      assertEquals("key must not be null", expectStart("key must not be null", () -> est.forward(
          gr, th, rows, arity, null, new float[values]), what).getMessage(), what);
      expectStart("values has length " + (values + 1), () -> est.forward(gr, th, rows, arity,
          KEY, new float[values + 1]), what);
      if (c.draws() == 1) {
        expectStart("values overlaps the memory of logits", () -> est.forward(gr, th, rows,
            arity, KEY, th), what);
      }
      float[] nan = th.clone();
      nan[2 * arity + arity - 1] = Float.NaN;
      expectStart("logits: row 2 contains NaN",
          () -> est.forward(gr, nan, rows, arity, KEY, new float[values]), what);
      if (!c.binary()) {
        float[] inf = th.clone();
        inf[3 * arity] = Float.POSITIVE_INFINITY;
        expectStart("logits: row 3 contains +Infinity",
            () -> est.forward(gr, inf, rows, arity, KEY, new float[values]), what);
      }
      // backward
      Sample s = est.forward(gr, th, rows, arity, KEY, new float[values]);
      String input = c.inputName();
      expectStart(input + " has length " + (in.length + 1), () -> EstimatorCases.backward(est, s,
          java.util.Arrays.copyOf(in, in.length + 1), new float[n]), what);
      expectStart(input + " must not be null", () -> EstimatorCases.backward(est, s,
          (float[]) null, new float[n]), what);
      expectStart("grad has length " + (n + 3), () -> EstimatorCases.backward(est, s, in,
          new float[n + 3]), what);
      expectStart("grad must not be null", () -> EstimatorCases.backward(est, s, in,
          (float[]) null), what);
      expectStart("grad overlaps the memory of logits (the same array or buffer)",
          () -> EstimatorCases.backward(est, s, in, th), what);
      if (in.length == n) {
        expectStart("grad overlaps the memory of " + input,
            () -> EstimatorCases.backward(est, s, in, in), what);
      }
      float[] bad = in.clone();
      // row 1 (of the last draw, for a score-function or loss-table estimator)
      bad[c.pathwise() ? arity : ((c.draws() - 1) * rows + 1) * c.inputWidth()] = Float.NaN;
      expectStart(input + ": row 1 ", () -> EstimatorCases.backward(est, s, bad,
          new float[n]), what);
      expectStart("sample must not be null", () -> EstimatorCases.backward(est, null, in,
          new float[n]), what);
      // a given D
      if (c.conditionable()) {
        expectStart("choice must not be null", () -> est.given(gr, th, rows, arity, KEY, null),
            what);
        expectStart("choice has length " + (d.length - 1), () -> est.given(gr, th, rows, arity,
            KEY, java.util.Arrays.copyOf(d, d.length - 1)), what);
        expectStart("logits: row 2 contains NaN", () -> EstimatorCases.backward(est,
            est.given(gr, nan, rows, arity, KEY, d), in, new float[n]), what);
      } else {
        assertThrows(UnsupportedOperationException.class,
            () -> est.given(gr, th, rows, arity, KEY, d), what);
      }
    }
  }

  @EveryBackend
  void emptyBatchesAreAllowed(Backend gr) {
    gr.sample(new float[0], 0, 5, KEY, new int[0], new float[0]);
    gr.conditionalGumbel(new float[0], new int[0], 0, 5, 10, KEY, new float[0]);
    // every estimator: forward (values), backward; and at a given (empty) D
    for (Case c : EstimatorCases.oneEach(5, 10, 1f)) {
      c.step(gr, new float[0], 0, KEY, new float[0]);
      if (c.conditionable()) c.given(gr, new float[0], 0, KEY, new int[0], new float[0]);
    }
  }

  private static FloatBuffer direct(float[] values) {
    FloatBuffer b = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder())
        .asFloatBuffer();
    b.put(values).flip();
    return b;
  }

  /**
   * Every estimator on NIO buffers (the logits a view at position 5 of a larger buffer): the
   * bits of the array path on the same backend, the JAVA oracle's D and values, its gradient to
   * float rounding; read-only, short, heap (native backends) and big-endian buffers are refused
   * naming the argument, and so are arrays for a sample drawn on buffers. The JAVA backend reads
   * heap buffers too.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void buffersWorkAndAreChecked(BackendKind backend, Case c) {
    try (Backend gr = TestBackends.open(backend);
        Backend ref = Backend.open(BackendKind.JAVA)) {
      SplittableRandom rnd = new SplittableRandom(c.toString().hashCode() + 1);
      int rows = 7, arity = c.arity(), n = rows * arity;
      float[] th = c.logits(rnd, rows, 1.0, 0.2), g = c.input(rnd, rows);
      String what = backend + " " + c;
      Estimator est = c.estimator(), arrays = c.estimator(), oracle = c.estimator();
      // a buffer's remaining elements are the argument: offset the logits by a position of 5
      FloatBuffer thb = ByteBuffer.allocateDirect(4 * (n + 5)).order(ByteOrder.nativeOrder())
          .asFloatBuffer();
      thb.position(5);
      thb.put(th).position(5);
      FloatBuffer values = direct(new float[c.valuesLength(rows)]), out = direct(new float[n]);
      Sample s = est.forward(gr, thb, rows, arity, KEY, values);
      thb.position(0); // the sample keeps the view it was drawn with
      EstimatorCases.backward(est, s, direct(g), out);
      float[] got = new float[n], v = new float[c.valuesLength(rows)];
      out.get(0, got);
      values.get(0, v);
      float[] sameGrad = new float[n], sameValues = new float[v.length];
      Sample sa = arrays.forward(gr, th, rows, arity, KEY, sameValues);
      EstimatorCases.backward(arrays, sa, g, sameGrad);
      assertArrayEquals(sameGrad, got, what + ": buffers against arrays");
      assertArrayEquals(sameValues, v, what + ": values on buffers against arrays");
      float[] expected = new float[n], valuesRef = new float[v.length];
      Sample sRef = oracle.forward(ref, th, rows, arity, KEY, valuesRef);
      EstimatorCases.backward(oracle, sRef, g, expected);
      double rtol = TestData.rtol(backend, c.toleranceTau());
      double floor = TestData.floor(backend, c.toleranceTau());
      TestData.assertElementsClose(expected, got, rows, arity, rtol, floor, what + ": buffers");
      if (sRef.hasChoices()) {
        assertArrayEquals(sRef.choices(), s.choices(), what);
        assertArrayEquals(valuesRef, v, what);
      } else {
        TestData.assertElementsClose(valuesRef, v, v.length / arity, arity, rtol, floor, what);
      }

      thb.position(5);
      Estimator est2 = c.estimator();
      Sample s2 = est2.forward(gr, thb, rows, arity, KEY, null);
      String input = c.inputName();
      expectStart("grad is a read-only buffer", () -> EstimatorCases.backward(est2, s2, direct(g),
          direct(new float[n]).asReadOnlyBuffer()), what);
      expectStart("grad has " + (n + 1) + " elements remaining", () -> EstimatorCases.backward(
          est2, s2, direct(g), direct(new float[n + 1])), what);
      expectStart(input + ": the sample was drawn on buffers",
          () -> EstimatorCases.backward(est2, s2, g, new float[n]), what);
      if (backend != BackendKind.JAVA) {
        // (with values: the relaxed GS without them draws nothing and checks only the shape)
        expectStart("logits must be a direct buffer", () -> est2.forward(gr, FloatBuffer.wrap(th),
            rows, arity, KEY, direct(new float[c.valuesLength(rows)])), what);
        FloatBuffer bigEndian = ByteBuffer.allocateDirect(4 * g.length)
            .order(ByteOrder.BIG_ENDIAN).asFloatBuffer();
        expectStart(input + " is in BIG_ENDIAN byte order", () -> EstimatorCases.backward(est2,
            s2, bigEndian, direct(new float[n])), what);
      } else {
        // the JAVA backend reads heap buffers too
        Estimator heap = c.estimator();
        FloatBuffer heapOut = FloatBuffer.allocate(n);
        EstimatorCases.backward(heap, heap.forward(gr, FloatBuffer.wrap(th), rows, arity, KEY,
            null), FloatBuffer.wrap(g), heapOut);
        assertArrayEquals(sameGrad, heapOut.array(), what + ": heap buffers");
      }
    }
  }

  /**
   * Outputs overlapping inputs, for every estimator: the same array as the logits or the
   * upstream, values on the logits; on one direct buffer, the gradient a view that shares
   * elements with the logits or with the backward pass's input (adjacent views are fine).
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void outputsOverlappingInputsAreRejected(BackendKind backend, Case c) {
    try (Backend gr = TestBackends.open(backend)) {
      SplittableRandom rnd = new SplittableRandom(c.toString().hashCode() + 2);
      int rows = 4, arity = c.arity(), n = rows * arity;
      float[] th = c.logits(rnd, rows, 1.0, 0.0), g = c.input(rnd, rows);
      String what = backend + " " + c;
      Estimator est = c.estimator();
      Sample s = est.forward(gr, th, rows, arity, KEY, null);
      expectStart("grad overlaps the memory of logits (the same array or buffer)",
          () -> EstimatorCases.backward(est, s, g, th), what);
      if (g.length == n) {
        expectStart("grad overlaps the memory of " + c.inputName(),
            () -> EstimatorCases.backward(est, s, g, g), what);
      }
      if (c.draws() == 1) {
        expectStart("values overlaps the memory of logits",
            () -> est.forward(gr, th, rows, arity, KEY, th), what);
      }
      if (backend == BackendKind.JAVA && !NativeSupport.loaded()) return;  // no addresses
      // one block of memory: [logits | input | free], the outputs views into it
      int in = g.length;
      FloatBuffer all = ByteBuffer.allocateDirect(4 * (n + in + n)).order(ByteOrder.nativeOrder())
          .asFloatBuffer();
      all.put(th).put(g);
      FloatBuffer logits = all.duplicate().position(0).limit(n).slice();
      FloatBuffer input = all.duplicate().position(n).limit(n + in).slice();
      Estimator onBuffers = c.estimator();
      Sample sb = onBuffers.forward(gr, logits, rows, arity, KEY, null);
      FloatBuffer shifted = all.duplicate().position(arity).limit(n + arity).slice();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> EstimatorCases.backward(onBuffers, sb, input, shifted), what);
      assertEquals("grad overlaps the memory of logits (views that share elements): outputs "
          + "must not overlap inputs", e.getMessage(), what);
      FloatBuffer onInput = all.duplicate().position(n + in - 1).limit(2 * n + in - 1).slice();
      expectStart("grad overlaps the memory of " + c.inputName() + " (views that share elements)",
          () -> EstimatorCases.backward(onBuffers, sb, input, onInput), what);
      if (c.draws() == 1) {
        FloatBuffer valuesOnLogits = all.duplicate().position(1).limit(n + 1).slice();
        expectStart("values overlaps the memory of logits (views that share elements)",
            () -> c.estimator().forward(gr, logits, rows, arity, KEY, valuesOnLogits), what);
      }
      // adjacent but disjoint views are fine
      FloatBuffer after = all.duplicate().position(n + in).limit(2 * n + in).slice();
      EstimatorCases.backward(onBuffers, sb, input, after);
    }
  }

  /** The low-level operations check overlaps too. */
  @EveryBackend
  void operationOutputsOverlappingInputsAreRejected(Backend gr) {
    float[] th = logits();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> gr.conditionalGumbel(th, new int[ROWS], ROWS, ARITY, 1, KEY, th));
    assertTrue(e.getMessage().startsWith("noise overlaps the memory of logits"));
    e = assertThrows(IllegalArgumentException.class,
        () -> gr.sample(th, ROWS, ARITY, KEY, new int[ROWS], th));
    assertTrue(e.getMessage().startsWith("oneHot overlaps the memory of logits"));
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
      // every estimator of the case list refuses the samples of every other one
      List<Case> cases = EstimatorCases.all();
      for (Case a : cases) {
        Estimator drew = a.estimator();
        float[] logits = a.logits(new SplittableRandom(1), 2, 1.0, 0.0);
        Sample sample = drew.forward(gr, logits, 2, a.arity(), KEY, null);
        for (Case b : cases) {
          Estimator other = b.estimator();
          if (other.equals(drew)) continue;
          float[] in = new float[b.inputLength(2)], grad = new float[2 * b.arity()];
          IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
              () -> EstimatorCases.backward(other, sample, in, grad), b + " on " + a);
          assertEquals("sample: drawn by " + drew + ", not by " + other + ": a backward pass "
              + "takes the samples of its own forward pass", e.getMessage());
        }
      }
      // the sample owns its choices: changing a copy changes nothing
      int[] copy = s.choices();
      copy[0] = -7;
      assertTrue(s.choice(0) >= 0);
      assertThrows(IllegalArgumentException.class, () -> gr10.backward(null, g, out));
      assertThrows(IllegalArgumentException.class, () -> Estimators.gumbelRao(0, 1f));
      assertThrows(IllegalArgumentException.class, () -> Estimators.straightThrough(Float.NaN));
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
