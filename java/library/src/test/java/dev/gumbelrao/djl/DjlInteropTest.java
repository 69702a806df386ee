package dev.gumbelrao.djl;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.Backends;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.testing.EstimatorCases;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DJL interop on DJL's PyTorch engine (CPU, offline): the same bits as the array path for
 * every estimator of the registry that draws once per row (read from {@link EstimatorCases}),
 * and an encoder's parameter gradient through Gumbel-Rao equal to the hand computation
 * dL/dW = x^T (dL/dlogits).
 */
class DjlInteropTest {
  private static final int BATCH = 6, VARIABLES = 5, ARITY = 4, ROWS = BATCH * VARIABLES;

  private static Backend open(BackendKind backend) {
    org.junit.jupiter.api.Assumptions.assumeTrue(Backends.status(backend).available(),
        () -> Backends.status(backend).toString());
    return Backend.open(backend);
  }

  private static float[] random(SplittableRandom rnd, int n, double scale) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) (scale * rnd.nextGaussian());
    return x;
  }

  // the interop refuses the loss-table estimators (DjlEstimators.forward; SamplerBlockTest)
  static Stream<Arguments> oneDrawPerRow() {
    return Stream.of(BackendKind.CPU, BackendKind.JAVA).flatMap(b ->
        EstimatorCases.oneDrawPerRow().stream().filter(c -> !c.lossTable())
            .map(c -> Arguments.of(b, c)));
  }

  static Stream<Arguments> everyEstimator() {
    return Stream.of(BackendKind.CPU, BackendKind.JAVA).flatMap(b ->
        EstimatorCases.all().stream().filter(c -> !c.lossTable()).map(c -> Arguments.of(b, c)));
  }

  /**
   * Every estimator of the registry (read from {@link EstimatorCases}, so a new family is checked
   * with no edit here), on logits of shape (BATCH, VARIABLES, arity): values, choices and
   * gradient (from the upstream, or from the losses) with the bits of the array path, and the
   * shapes of the logits with the draws axis in front for the estimators of S > 1 draws.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("everyEstimator")
  void theDjlPathGivesTheArrayPathsBits(BackendKind backend, EstimatorCases.Case c) {
    SplittableRandom rnd = new SplittableRandom(2);
    int arity = c.arity(), rows = ROWS, s0 = c.draws();
    float[] th = c.logits(rnd, rows, 1.5, 0.0), g = c.input(rnd, rows);
    NoiseKey key = new NoiseKey(17, 3);
    Shape logitsShape = new Shape(BATCH, VARIABLES, arity);
    Shape shape = s0 == 1 ? logitsShape : new Shape(s0, BATCH, VARIABLES, arity);
    Shape rowShape = s0 == 1 ? new Shape(BATCH, VARIABLES) : new Shape(s0, BATCH, VARIABLES);
    try (Backend gr = open(backend); NDManager manager = NDManager.newBaseManager()) {
      NDArray logits = manager.create(th, logitsShape);
      Estimator viaDjl = c.estimator(), viaArrays = c.estimator();
      DjlSample z = DjlEstimators.forward(gr, viaDjl, logits, key, manager);
      float[] values = new float[s0 * rows * arity], grad = new float[rows * arity];
      Sample s = viaArrays.forward(gr, th, rows, arity, key, values);
      EstimatorCases.backward(viaArrays, s, g, grad);
      assertArrayEquals(values, z.values().toFloatArray(), c + " values");
      assertEquals(shape, z.values().getShape());
      NDArray dj = c.pathwise() ? z.gradient(manager.create(g, shape))
          : z.gradientFromLosses(manager.create(g, rowShape));
      assertArrayEquals(grad, dj.toFloatArray(), c + " gradient");
      assertEquals(logitsShape, dj.getShape());
      if (s.hasChoices()) {
        assertArrayEquals(s.choices(), z.choices().toIntArray());
        assertEquals(rowShape, z.choices().getShape());
      }
      // the other kind of backward pass is refused, naming the one to use
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
        if (c.pathwise()) z.gradientFromLosses(manager.zeros(rowShape));
        else z.gradient(manager.zeros(shape));
      });
      assertTrue(e.getMessage().contains(c.pathwise() ? "gradient(upstream)"
          : "gradientFromLosses(losses)"), e.getMessage());
    }
  }

  /**
   * A batch of images split over two calls (images 0..3 and 4..5, as two data-parallel workers
   * would hold them), each with the step's key at its first row (image * VARIABLES): the values,
   * choices and gradients of the DJL path are the unsplit batch's, bit for bit.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("oneDrawPerRow")
  void aSplitBatchGivesTheUnsplitBatchsBits(BackendKind backend, EstimatorCases.Case c) {
    SplittableRandom rnd = new SplittableRandom(4);
    int arity = c.arity(), split = 4;
    float[] th = c.logits(rnd, ROWS, 1.5, 0.0), g = c.input(rnd, ROWS);
    NoiseKey key = new NoiseKey(19, 8);
    try (Backend gr = open(backend); NDManager manager = NDManager.newBaseManager()) {
      NDArray logits = manager.create(th, new Shape(BATCH, VARIABLES, arity));
      NDArray input = c.pathwise() ? manager.create(g, new Shape(BATCH, VARIABLES, arity))
          : manager.create(g, new Shape(BATCH, VARIABLES));
      DjlSample whole = DjlEstimators.forward(gr, c.estimator(), logits, key, manager);
      NDArray wholeGrad = c.pathwise() ? whole.gradient(input) : whole.gradientFromLosses(input);
      for (int[] images : new int[][] {{0, split}, {split, BATCH}}) {
        String range = images[0] + ":" + images[1];
        DjlSample part = DjlEstimators.forward(gr, c.estimator(), logits.get(range),
            key.atRow((long) images[0] * VARIABLES), manager);
        NDArray partGrad = c.pathwise() ? part.gradient(input.get(range))
            : part.gradientFromLosses(input.get(range));
        assertArrayEquals(whole.values().get(range).toFloatArray(), part.values().toFloatArray(),
            c + " values of images " + range);
        assertArrayEquals(wholeGrad.get(range).toFloatArray(), partGrad.toFloatArray(),
            c + " gradient of images " + range);
        if (!c.relaxed()) {
          assertArrayEquals(whole.choices().get(range).toIntArray(),
              part.choices().toIntArray(), c + " choices of images " + range);
        }
      }
    }
  }

  /**
   * PyTorch's spinning OpenMP threads: a warning naming both fixes exactly when the trap is set
   * (more than one intra-op thread, OMP_WAIT_POLICY not PASSIVE), logged at most once per JVM.
   */
  @Test
  void spinningPyTorchThreadsAreWarnedAboutOnce() {
    assertEquals(null, SpinningThreads.warning("PASSIVE", 8));
    assertEquals(null, SpinningThreads.warning(" passive ", 8));
    assertEquals(null, SpinningThreads.warning(null, 1));
    String w = SpinningThreads.warning(null, 2);
    assertTrue(w.startsWith("PyTorch has 2 intra-op threads and OMP_WAIT_POLICY is unset")
        && w.contains("OMP_WAIT_POLICY=PASSIVE") && w.contains("-Dai.djl.pytorch.num_threads=1"),
        w);
    assertTrue(SpinningThreads.warning("ACTIVE", 4).contains("OMP_WAIT_POLICY is 'ACTIVE'"));
    assertTrue(SpinningThreads.warning(null, -1).startsWith("PyTorch has more than one"));
    java.util.logging.Logger log = java.util.logging.Logger.getLogger("dev.gumbelrao");
    List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler h = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        if (r.getMessage().contains("OMP_WAIT_POLICY")) warnings.add(r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(h);
    try (Backend gr = Backend.open(BackendKind.JAVA);
        NDManager manager = NDManager.newBaseManager()) {
      NDArray logits = manager.zeros(new Shape(3, 4), DataType.FLOAT32);
      for (int i = 0; i < 3; i++) {
        DjlEstimators.forward(gr, Estimators.zgr(), logits, NoiseKey.of(i), manager);
      }
    } finally {
      log.removeHandler(h);
    }
    assertTrue(warnings.size() <= 1, warnings.toString());
  }

  /**
   * A linear encoder logits = x W (x: BATCH x 3, W: 3 x VARIABLES * ARITY) and the decoder loss
   * L = sum(c * values) + sum(values^2) / 2, trained through a GR-MC50 sample with DJL's
   * autograd: DJL's W gradient must equal x^T G with G = GR's dL/dlogits at the upstream
   * g = c + values (the decoder's gradient), computed here by the array path; the decoder's
   * gradient must equal g itself.
   */
  @ParameterizedTest
  @EnumSource(value = BackendKind.class, names = {"CPU", "JAVA"})
  void anEncodersGradientThroughGumbelRaoMatchesTheHandComputation(BackendKind backend) {
    SplittableRandom rnd = new SplittableRandom(9);
    int in = 3, out = VARIABLES * ARITY;
    float[] x = random(rnd, BATCH * in, 1), w = random(rnd, in * out, 0.8);
    float[] c = random(rnd, ROWS * ARITY, 1);
    PathwiseEstimator est = Estimators.gumbelRao(50, 0.5f);
    NoiseKey key = new NoiseKey(5, 5);
    try (Backend gr = open(backend); NDManager manager = NDManager.newBaseManager()) {
      NDArray xs = manager.create(x, new Shape(BATCH, in));
      NDArray ws = manager.create(w, new Shape(in, out));
      ws.setRequiresGradient(true);
      NDArray cs = manager.create(c, new Shape(ROWS, ARITY));
      DjlSample z;
      float[] logitsSeen;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray logits = xs.matMul(ws).reshape(ROWS, ARITY);
        logitsSeen = logits.toFloatArray();
        z = DjlEstimators.forward(gr, est, logits, key, manager);
        NDArray v = z.values();
        NDArray loss = cs.mul(v).sum().add(v.mul(v).sum().div(DjlEstimators.constant(manager, 2)));
        gc.backward(loss);
        gc.backward(z.surrogate(v.getGradient()));
      }
      // by hand: g = c + values, G = GR(g) by the array path, dL/dW = x^T G
      float[] values = z.values().toFloatArray();
      float[] g = new float[ROWS * ARITY], grad = new float[ROWS * ARITY];
      for (int i = 0; i < g.length; i++) g[i] = c[i] + values[i];
      assertArrayEquals(g, z.values().getGradient().toFloatArray(), 1e-6f, "dL/dvalues");
      est.backward(est.forward(gr, logitsSeen, ROWS, ARITY, key, null), g, grad);
      double[] dw = new double[in * out];
      for (int b = 0; b < BATCH; b++) {
        for (int i = 0; i < in; i++) {
          for (int o = 0; o < out; o++) dw[i * out + o] += (double) x[b * in + i] * grad[b * out + o];
        }
      }
      float[] djl = ws.getGradient().toFloatArray();
      for (int i = 0; i < dw.length; i++) {
        assertEquals(dw[i], djl[i], 1e-5 * (1 + Math.abs(dw[i])), "dL/dW[" + i + "]");
      }
      boolean nonZero = false;
      for (float v : djl) nonZero |= v != 0;
      assertTrue(nonZero, "the encoder received a gradient");
    }
  }

  /**
   * The scalar of {@link DjlEstimators#constant} is PyTorch's memory: closed at once (as DJL closes
   * the scalar of {@code div(Number)}), then a garbage collection and new direct buffers (which
   * reuse what the collection freed), the backward pass still divides by it. With DJL's
   * {@code div(20)} in its place this gave dL/dx of order 1e-9 instead of x / 10 every time.
   */
  @Test
  void aConstantLivesAsLongAsTheGraphNeedsIt() throws InterruptedException {
    for (int trial = 0; trial < 10; trial++) {
      try (NDManager manager = NDManager.newBaseManager()) {
        NDArray x = manager.create(new float[] {1, 2, 3, 4});
        x.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray y;
          try (NDArray c = DjlEstimators.constant(manager, 20)) {
            y = x.mul(x).sum().div(c);
          }
          System.gc();
          Thread.sleep(20);                  // the cleaner frees what the collection found
          List<java.nio.ByteBuffer> churn = new java.util.ArrayList<>();
          for (int i = 0; i < 64; i++) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4);
            b.putInt(0, 0x7f7f7f7f);
            churn.add(b);
          }
          gc.backward(y);
          assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f, 0.4f},
              x.getGradient().toFloatArray(), 1e-7f, "dL/dx, trial " + trial);
          assertEquals(64, churn.size());
        }
      }
    }
  }

  @Test
  void aConstantRejectsNonFiniteValuesAndNoManager() {
    try (NDManager manager = NDManager.newBaseManager()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> DjlEstimators.constant(manager, Float.NaN));
      assertTrue(e.getMessage().startsWith("value"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> DjlEstimators.constant(null, 1));
      assertTrue(e.getMessage().startsWith("manager"), e.getMessage());
      assertEquals(3f, DjlEstimators.constant(manager, 3).getFloat());
      assertEquals(new Shape(), DjlEstimators.constant(manager, 3).getShape());
    }
  }

  @ParameterizedTest
  @EnumSource(value = BackendKind.class, names = {"JAVA"})
  void badArraysAreRejectedNamingTheArgument(BackendKind backend) {
    try (Backend gr = open(backend); NDManager manager = NDManager.newBaseManager()) {
      PathwiseEstimator est = Estimators.gumbelRao(5, 1f);
      NDArray ints = manager.create(new int[] {1, 2, 3, 4});
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> DjlEstimators.forward(gr, est, ints, NoiseKey.of(1), manager));
      assertTrue(e.getMessage().startsWith("logits must be float32"), e.getMessage());
      NDArray logits = manager.zeros(new Shape(3, 4), DataType.FLOAT32);
      DjlSample z = DjlEstimators.forward(gr, est, logits, NoiseKey.of(1), manager);
      e = assertThrows(IllegalArgumentException.class,
          () -> z.gradient(manager.zeros(new Shape(4, 3))));
      assertTrue(e.getMessage().startsWith("upstream has shape (4, 3), expected (3, 4)"),
          e.getMessage());
      assertThrows(IllegalStateException.class,
          () -> z.gradientFromLosses(manager.zeros(new Shape(3))));
      logits.close();
      assertThrows(IllegalStateException.class, () -> z.gradient(manager.zeros(new Shape(3, 4))));
    }
  }
}
