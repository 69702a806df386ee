package dev.gumbelrao.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.Backends;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.testing.EstimatorCases;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link SamplerBlock} in a {@link SamplingCollector}'s step, one backward call: the logits'
 * gradient equals the array path's bits for every estimator of the registry (pathwise from the
 * upstream, score-function from a {@link SampleLoss}'s per-example losses), through a chain of
 * two samples and beside a loss term that reads the logits directly; and each way of getting a
 * silently wrong gradient is an error that names the fix.
 */
class SamplerBlockTest {
  private static final int BATCH = 6, VARIABLES = 5, ROWS = BATCH * VARIABLES;

  /** Every estimator the block takes: all but those of a table of losses (refused, below). */
  static Stream<Arguments> everyEstimator() {
    return Stream.of(BackendKind.CPU, BackendKind.JAVA).flatMap(b ->
        EstimatorCases.all().stream().filter(c -> !c.lossTable()).map(c -> Arguments.of(b, c)));
  }

  /** A loss-table estimator (IndeCateR) is refused when the block is built, naming why. */
  @Test
  void aLossTableEstimatorIsRefusedNamingWhy() {
    int refused = 0;
    for (EstimatorCases.Case c : EstimatorCases.all()) {
      if (!c.lossTable()) continue;
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class, () -> SamplerBlock.builder().estimator(c.estimator()));
      assertTrue(e.getMessage().startsWith("estimator: " + c.name() + " takes a table of losses"),
          e.getMessage());
      refused++;
    }
    assertTrue(refused > 0, "the registry has a loss-table family");
  }

  private static Backend open(BackendKind backend) {
    org.junit.jupiter.api.Assumptions.assumeTrue(Backends.status(backend).available(),
        () -> Backends.status(backend).toString());
    return Backend.open(backend);
  }

  private static SamplerBlock block(Estimator est, Backend gr, long seed) {
    return SamplerBlock.builder().estimator(est).backend(gr).noise(new NoiseStream(seed)).build();
  }

  private static NDArray forward(SamplerBlock b, NDManager m, NDArray logits, boolean training) {
    return b.forward(new ParameterStore(m, false), new NDList(logits), training)
        .singletonOrThrow();
  }

  /**
   * Every estimator, one backward call: pathwise with L = sum(values * U), so dL/dvalues = U;
   * score-function with a SampleLoss whose per-example loss is sum(values * U) over the
   * example's rows (and per draw), so each row's loss is its example's. The logits' gradient
   * is the array path's G (pathwise) or G / BATCH (score-function: the loss is a mean), bit for
   * bit; the values are the array path's.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("everyEstimator")
  void oneBackwardGivesTheArrayPathsBits(BackendKind backend, EstimatorCases.Case c) {
    SplittableRandom rnd = new SplittableRandom(5);
    int arity = c.arity(), s0 = c.draws();
    float[] th = c.logits(rnd, ROWS, 1.5, 0.0);
    float[] u = new float[s0 * ROWS * arity];
    for (int i = 0; i < u.length; i++) u[i] = (float) rnd.nextGaussian();
    Shape shape = new Shape(BATCH, VARIABLES, arity);
    Shape valuesShape = s0 == 1 ? shape : new Shape(s0, BATCH, VARIABLES, arity);
    try (Backend gr = open(backend); NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(th, shape);
      logits.setRequiresGradient(true);
      NDArray uArray = m.create(u, valuesShape);
      NDArray[] perExample = new NDArray[1];
      NDArray out;
      try (SamplingCollector gc = SamplingCollector.open()) {
        out = forward(block(c.estimator(), gr, 17), m, logits, true);
        NDArray loss;
        if (c.pathwise()) {
          loss = out.mul(uArray).sum();
        } else {
          SampleLoss sl = new SampleLoss("f", (labels, preds) -> {
            NDArray f = preds.singletonOrThrow().mul(uArray);
            perExample[0] = s0 == 1 ? f.sum(new int[] {1, 2}) : f.sum(new int[] {2, 3});
            return perExample[0];
          });
          loss = sl.evaluate(null, new NDList(out));
        }
        gc.backward(loss);
      }
      float[] values = new float[s0 * ROWS * arity], grad = new float[ROWS * arity];
      Estimator viaArrays = c.estimator();
      Sample s = viaArrays.forward(gr, th, ROWS, arity, new NoiseKey(17, 0), values);
      if (c.pathwise()) {
        EstimatorCases.backward(viaArrays, s, u, grad);
      } else {
        float[] f = perExample[0].toFloatArray(), losses = new float[s0 * ROWS];
        for (int d = 0; d < s0; d++) {
          for (int r = 0; r < ROWS; r++) losses[d * ROWS + r] = f[d * BATCH + r / VARIABLES];
        }
        EstimatorCases.backward(viaArrays, s, losses, grad);
        for (int i = 0; i < grad.length; i++) grad[i] /= BATCH;
      }
      assertEquals(valuesShape, out.getShape());
      assertArrayEquals(values, out.toFloatArray(), c + " values");
      assertArrayEquals(grad, logits.getGradient().toFloatArray(), c + " dL/dlogits");
    }
  }

  /**
   * A chain: the second sample's logits are the first one's values times a matrix, the loss
   * reads the second's values and, directly, the first's logits (a KL-like term). One backward
   * call through the collector gives the encoder's logits the gradient of the explicit form's
   * three ordered backward calls, bit for bit.
   */
  @Test
  void aChainOfSamplesAndADirectLogitTermInOneBackward() {
    int arity = 4;
    SplittableRandom rnd = new SplittableRandom(8);
    float[] th = new float[ROWS * arity], w = new float[arity * arity], u = new float[ROWS * arity];
    for (float[] a : new float[][] {th, w, u}) {
      for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
    }
    Shape shape = new Shape(BATCH, VARIABLES, arity);
    try (Backend gr = open(BackendKind.CPU); NDManager m = NDManager.newBaseManager()) {
      NDArray wArray = m.create(w, new Shape(arity, arity)), uArray = m.create(u, shape);
      float[][] grads = new float[2][];
      for (int form = 0; form < 2; form++) {
        NDArray logits = m.create(th, shape);
        logits.setRequiresGradient(true);
        Estimator first = Estimators.gumbelRao(20, 0.7f);
        Estimator second = Estimators.straightThroughGumbelSoftmax(0.6f);
        if (form == 0) {
          NoiseStream noise = new NoiseStream(3);     // shared: keys (3, 0) and (3, 1)
          SamplerBlock b1 = SamplerBlock.builder().estimator(first).backend(gr).noise(noise)
              .build();
          SamplerBlock b2 = SamplerBlock.builder().estimator(second).backend(gr).noise(noise)
              .build();
          try (SamplingCollector gc = SamplingCollector.open()) {
            NDArray v1 = forward(b1, m, logits, true);
            NDArray v2 = forward(b2, m, v1.matMul(wArray), true);
            gc.backward(v2.mul(uArray).sum().add(logits.square().sum().mul(m.create(0.25f))));
          }
        } else {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            DjlSample z1 = DjlEstimators.forward(gr, first, logits, new NoiseKey(3, 0), m);
            NDArray l2 = z1.values().matMul(wArray);
            DjlSample z2 = DjlEstimators.forward(gr, second, l2, new NoiseKey(3, 1), m);
            gc.backward(z2.values().mul(uArray).sum());
            gc.backward(z2.surrogate());
            gc.backward(z1.surrogate().add(logits.square().sum().mul(m.create(0.25f))));
          }
        }
        grads[form] = logits.getGradient().toFloatArray();
      }
      assertArrayEquals(grads[1], grads[0]);
    }
  }

  /**
   * The class axis like PyTorch's dim: logits (BATCH, arity, VARIABLES) with class axis 1 give
   * the values and the logits' gradient of the last-axis layout, transposed.
   */
  @Test
  void aClassAxisInTheMiddleGivesTheLastAxisBitsTransposed() {
    int arity = 3;
    SplittableRandom rnd = new SplittableRandom(12);
    float[] th = new float[ROWS * arity], u = new float[ROWS * arity];
    for (int i = 0; i < th.length; i++) {
      th[i] = (float) rnd.nextGaussian();
      u[i] = (float) rnd.nextGaussian();
    }
    try (Backend gr = open(BackendKind.CPU); NDManager m = NDManager.newBaseManager()) {
      NDArray[] values = new NDArray[2], grads = new NDArray[2];
      for (int form = 0; form < 2; form++) {
        NDArray logits = m.create(th, new Shape(BATCH, VARIABLES, arity));
        NDArray up = m.create(u, new Shape(BATCH, VARIABLES, arity));
        if (form == 1) {
          logits = logits.transpose(0, 2, 1).duplicate();
          up = up.transpose(0, 2, 1);
        }
        logits.setRequiresGradient(true);
        SamplerBlock b = SamplerBlock.builder().estimator(Estimators.gumbelRao(10, 0.5f))
            .backend(gr).noise(new NoiseStream(4)).classAxis(form == 0 ? -1 : 1).build();
        try (SamplingCollector gc = SamplingCollector.open()) {
          NDArray v = forward(b, m, logits, true);
          assertEquals(logits.getShape(), v.getShape());
          gc.backward(v.mul(up).sum());
          values[form] = form == 0 ? v : v.transpose(0, 2, 1);
          grads[form] = form == 0 ? logits.getGradient() : logits.getGradient().transpose(0, 2, 1);
        }
      }
      assertArrayEquals(values[0].toFloatArray(), values[1].toFloatArray());
      assertArrayEquals(grads[0].toFloatArray(), grads[1].toFloatArray());
      assertThrows(IllegalArgumentException.class, () -> SamplerBlock.builder()
          .estimator(Estimators.zgr()).classAxis(3).build()
          .getOutputShapes(new Shape[] {new Shape(2, 3, 4)}));
    }
  }

  /**
   * Evaluation draws without registering a sample; mostProbable() gives onehot(argmax) of
   * each row; the output shapes (the draws axis in front for RLOO-S).
   */
  @Test
  void evaluationAndOutputShapes() {
    try (Backend gr = open(BackendKind.JAVA); NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(new float[] {0f, 2f, -1f, 3f, 0f, 1f}, new Shape(2, 3));
      SamplerBlock greedy = SamplerBlock.builder().estimator(Estimators.zgr()).backend(gr)
          .mostProbable().build();
      assertArrayEquals(new float[] {0, 1, 0, 1, 0, 0},
          forward(greedy, m, logits, false).toFloatArray());
      SamplerBlock rloo = SamplerBlock.builder().estimator(Estimators.rloo(3)).backend(gr).build();
      assertEquals(new Shape(3, 2, 3), forward(rloo, m, logits, false).getShape());
      assertEquals(new Shape(3, 2, 3), rloo.getOutputShapes(new Shape[] {new Shape(2, 3)})[0]);
    }
  }

  /**
   * Each way the explicit form or a careless step gave a silently wrong gradient is an error
   * that names the fix: a training pass outside a SamplingCollector; a loss that never reaches
   * a pathwise sample; samples left without a backward call; a score-function sample without a
   * SampleLoss, or with losses of the wrong shape; the explicit surrogate() before the loss's
   * backward pass; logits closed before the backward pass; two collectors at once.
   */
  @Test
  void silentWrongGradientsAreErrorsThatNameTheFix() {
    try (Backend gr = open(BackendKind.JAVA); NDManager m = NDManager.newBaseManager()) {
      Shape shape = new Shape(BATCH, VARIABLES, 4);
      SamplerBlock st = block(Estimators.straightThroughGumbelSoftmax(0.5f), gr, 1);
      SamplerBlock reinforce = block(Estimators.reinforce(), gr, 1);
      NDArray logits = m.randomNormal(shape);
      logits.setRequiresGradient(true);

      IllegalStateException outside = assertThrows(IllegalStateException.class,
          () -> forward(st, m, logits, true));
      assertTrue(outside.getMessage().contains("SamplerTrainer"), outside.getMessage());

      IllegalStateException unreached = assertThrows(IllegalStateException.class, () -> {
        try (SamplingCollector gc = SamplingCollector.open()) {
          forward(st, m, logits, true);
          gc.backward(logits.square().sum());
        }
      });
      assertTrue(unreached.getMessage().contains("does not depend on the values"),
          unreached.getMessage());

      IllegalStateException unconsumed = assertThrows(IllegalStateException.class, () -> {
        try (SamplingCollector gc = SamplingCollector.open()) {
          forward(st, m, logits, true);
        }
      });
      assertTrue(unconsumed.getMessage().contains("call backward(loss)"),
          unconsumed.getMessage());

      IllegalStateException noLosses = assertThrows(IllegalStateException.class, () -> {
        try (SamplingCollector gc = SamplingCollector.open()) {
          gc.backward(forward(reinforce, m, logits, true).sum().add(logits.sum()));
        }
      });
      assertTrue(noLosses.getMessage().contains("SampleLoss"), noLosses.getMessage());

      IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class, () -> {
        try (SamplingCollector gc = SamplingCollector.open()) {
          NDArray v = forward(reinforce, m, logits, true);
          gc.backward(new SampleLoss("f", (l, p) -> p.singletonOrThrow().sum(new int[] {2}))
              .evaluate(null, new NDList(v)));
        }
      });
      assertTrue(wrongShape.getMessage().contains("needs (6)"), wrongShape.getMessage());

      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        DjlSample z = DjlEstimators.forward(gr, Estimators.zgr(), logits, NoiseKey.of(2), m);
        IllegalStateException early = assertThrows(IllegalStateException.class, z::surrogate);
        assertTrue(early.getMessage().contains("run the loss's backward pass first"),
            early.getMessage());
      }

      NDArray doomed = m.randomNormal(shape);
      doomed.setRequiresGradient(true);
      IllegalStateException closed = assertThrows(IllegalStateException.class, () -> {
        try (SamplingCollector gc = SamplingCollector.open()) {
          NDArray v = forward(st, m, doomed, true);
          NDArray loss = v.sum();
          doomed.close();
          gc.backward(loss);
        }
      });
      assertTrue(closed.getMessage().contains("closed before its backward pass"),
          closed.getMessage());

      IllegalArgumentException table = assertThrows(IllegalArgumentException.class,
          () -> forward(block(Estimators.indecater(2), gr, 1), m, logits, false));
      assertTrue(table.getMessage().contains("table of losses"), table.getMessage());

      try (SamplingCollector gc = SamplingCollector.open()) {
        IllegalStateException twice = assertThrows(IllegalStateException.class,
            SamplingCollector::open);
        assertTrue(twice.getMessage().contains("already open"), twice.getMessage());
      }
    }
  }

  /**
   * One loss code for every kind of estimator: the same SampleLoss trains a pathwise estimator
   * and the score-function ones (one draw and S draws) with one backward call each.
   */
  @Test
  void aScoreFunctionEstimatorNeedsNoNewLossCode() {
    try (Backend gr = open(BackendKind.JAVA); NDManager m = NDManager.newBaseManager()) {
      NDArray target = m.randomNormal(new Shape(BATCH, VARIABLES, 4));
      for (Estimator est : new Estimator[] {Estimators.gumbelRao(10, 0.5f),
          Estimators.reinforce(), Estimators.rloo(4)}) {
        NDArray logits = m.randomNormal(new Shape(BATCH, VARIABLES, 4));
        logits.setRequiresGradient(true);
        try (SamplingCollector gc = SamplingCollector.open()) {
          NDArray v = forward(block(est, gr, 9), m, logits, true);
          NDArray value = new SampleLoss("sq", (l, p) -> {
            NDArray d = p.singletonOrThrow().sub(target).square();
            return est.draws() == 1 ? d.sum(new int[] {1, 2}) : d.sum(new int[] {2, 3});
          }).evaluate(null, new NDList(v));
          gc.backward(value);
        }
        float[] g = logits.getGradient().toFloatArray();
        double norm = 0;
        for (float x : g) norm += x * x;
        assertTrue(norm > 0 && Double.isFinite(norm), est.name() + " |dL/dlogits|^2 " + norm);
      }
    }
  }

  /**
   * outputLogits(): a loss term that reads the block's logits output (a leaf copy) gives the
   * logits the gradient of the explicit form, where that term goes into the surrogate's backward
   * call, bit for bit; with the class axis last and in the middle.
   */
  @Test
  void aLogitTermOnTheOutputLogitsGivesTheExplicitFormsBits() {
    int arity = 5;
    SplittableRandom rnd = new SplittableRandom(21);
    float[] th = new float[ROWS * arity], u = new float[ROWS * arity];
    for (int i = 0; i < th.length; i++) {
      th[i] = (float) rnd.nextGaussian();
      u[i] = (float) rnd.nextGaussian();
    }
    try (Backend gr = open(BackendKind.CPU); NDManager m = NDManager.newBaseManager()) {
      for (int axis : new int[] {-1, 1}) {
        Shape last = new Shape(BATCH, VARIABLES, arity);
        float[][] grads = new float[2][];
        for (int form = 0; form < 2; form++) {
          NDArray base = m.create(th, last);
          NDArray up = m.create(u, last);
          if (axis == 1) {
            base = base.transpose(0, 2, 1).duplicate();
            up = up.transpose(0, 2, 1).duplicate();
          }
          base.setRequiresGradient(true);
          NDArray scale = m.create(1.5f);
          Estimator est = Estimators.gumbelRao(10, 0.5f);
          if (form == 0) {
            SamplerBlock b = SamplerBlock.builder().estimator(est).backend(gr).classAxis(axis)
                .noise(new NoiseStream(6)).outputLogits().build();
            try (SamplingCollector gc = SamplingCollector.open()) {
              NDArray logits = base.mul(scale);           // a graph before the logits
              NDList out = b.forward(new ParameterStore(m, false), new NDList(logits), true);
              assertEquals(2, out.size());
              NDArray kl = out.get(1).logSoftmax(axis).exp().sum().mul(m.create(0.3f));
              gc.backward(out.get(0).mul(up).sum().add(kl));
            }
          } else {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray logits = base.mul(scale);
              NDArray moved = axis == 1 ? logits.transpose(0, 2, 1) : logits;
              DjlSample z = DjlEstimators.forward(gr, est, moved, new NoiseKey(6, 0), m);
              NDArray v = axis == 1 ? z.values().transpose(0, 2, 1) : z.values();
              gc.backward(v.mul(up).sum());
              NDArray kl = logits.logSoftmax(axis).exp().sum().mul(m.create(0.3f));
              gc.backward(z.surrogate().add(kl));
            }
          }
          grads[form] = base.getGradient().toFloatArray();
        }
        assertArrayEquals(grads[1], grads[0], "class axis " + axis);
      }
    }
  }

  /**
   * A recurrent chain (a state h updated at each of 4 levels by the level's sample, each level's
   * logits read from h): with SamplingCollector.boundary on the state between levels the
   * gradient of the first logits and of a weight equal those without it (the stitched backward
   * pass is the same chain rule, summed in another order: to float rounding).
   */
  @Test
  void boundariesBetweenLevelsGiveTheSameGradient() {
    int arity = 3, levels = 4;
    SplittableRandom rnd = new SplittableRandom(31);
    float[] th = new float[ROWS * arity], w = new float[arity * arity];
    for (int i = 0; i < th.length; i++) th[i] = (float) rnd.nextGaussian();
    for (int i = 0; i < w.length; i++) w[i] = (float) (0.7 * rnd.nextGaussian());
    Shape shape = new Shape(BATCH, VARIABLES, arity);
    try (Backend gr = open(BackendKind.CPU); NDManager m = NDManager.newBaseManager()) {
      float[][] grads = new float[2][], wGrads = new float[2][];
      for (int form = 0; form < 2; form++) {
        NDArray h0 = m.create(th, shape), wa = m.create(w, new Shape(arity, arity));
        h0.setRequiresGradient(true);
        wa.setRequiresGradient(true);
        NoiseStream noise = new NoiseStream(12);
        SamplerBlock b = SamplerBlock.builder().estimator(Estimators.gumbelRao(10, 0.6f))
            .backend(gr).noise(noise).build();
        try (SamplingCollector gc = SamplingCollector.open()) {
          NDArray h = h0;
          for (int level = 0; level < levels; level++) {
            if (form == 1) h = SamplingCollector.boundary(h);
            NDArray v = forward(b, m, h.matMul(wa), true);
            h = h.tanh().add(v.matMul(wa));
          }
          gc.backward(h.square().sum());
        }
        grads[form] = h0.getGradient().toFloatArray();
        wGrads[form] = wa.getGradient().toFloatArray();
      }
      for (int i = 0; i < grads[0].length; i++) {
        assertEquals(grads[0][i], grads[1][i], 1e-5 * (1 + Math.abs(grads[0][i])), "h0 " + i);
      }
      for (int i = 0; i < wGrads[0].length; i++) {
        assertEquals(wGrads[0][i], wGrads[1][i], 1e-5 * (1 + Math.abs(wGrads[0][i])), "w " + i);
      }
      double norm = 0;
      for (float g : grads[0]) norm += g * g;
      assertTrue(norm > 0);
      NDArray outside = m.create(th, shape);
      assertTrue(SamplingCollector.boundary(outside) == outside, "outside a step: x itself");
    }
  }
}
