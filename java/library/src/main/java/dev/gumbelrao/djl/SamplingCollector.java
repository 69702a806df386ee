package dev.gumbelrao.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.gumbelrao.estimators.PathwiseEstimator;
import java.util.List;

/**
 * A DJL {@code GradientCollector} whose {@link #backward(NDArray)} also runs the backward pass of
 * every {@link SamplerBlock} sample drawn while it was open: the user's one backward call, and
 * every estimator's gradient reaches the logits. {@link SamplerTrainer#newGradientCollector()}
 * returns one, so {@code EasyTrain.fit} and any loop written against DJL's {@code Trainer} use it
 * unchanged; {@link #open(Engine)} opens one for a loop without a trainer.
 *
 * <p><b>Why a gradient collector.</b> An estimator's gradient is not the derivative of any
 * function DJL can record (ST's forward pass is onehot(D), its backward pass a softmax's
 * Jacobian; Gumbel-Rao's is an average over K conditional draws computed by the library's
 * kernels), and DJL has no custom autograd functions in Java, so no single PyTorch backward pass
 * can carry it: dL/dvalues must be known before dL/dlogits can be formed. The straight-through
 * identity (values = onehot(D) + f(logits) - stopGradient(f(logits))) would need f recomputed
 * with DJL operators: a second, slower implementation of every estimator that is not the
 * library's kernels and cannot give their bits, and impossible for the score-function estimators.
 * A listener runs only after the gradient collector is closed and cannot keep the graph. The
 * collector is the one place that owns the backward call, so it runs the phases in order:
 *
 * <ol>
 *   <li>the loss's backward pass, keeping the graph (PyTorch's {@code retain_graph}), which
 *       leaves dL/dvalues on each pathwise sample's values and every other gradient (the
 *       network after the samples, and terms of the loss that read the logits directly, such as
 *       a KL divergence, in the same call);
 *   <li>for each sample, last drawn first (a sample whose logits depend on an earlier sample's
 *       values adds to that one's dL/dvalues), the estimator's backward pass through the
 *       library, and a backward pass of the surrogate sum(logits * G), G held constant, which
 *       sends exactly dL/dlogits = G into the graph that made the logits.
 * </ol>
 *
 * <p>The gradient of every parameter is the array path's: the same G from the same kernels, the
 * same graph. A chain of n samples runs n + 1 backward passes, each through the graph before its
 * sample: for a model that draws at every level of a tree (n levels) the backward work grows as
 * n^2 / 2 levels, against n for a single pass, unless the state passed from level to level goes
 * through {@link #boundary(NDArray)}, which cuts the graph there and stitches the gradient back:
 * O(n) again (the ListOps Tree-LSTM's step: 4.3x faster at 24 levels, 9.3x at 49).
 *
 * <p>Score-function estimators (REINFORCE, RLOO-S, DisARM) take the loss of each drawn sample:
 * the loss must be a {@link SampleLoss}, which gives one value per example (and draw); each row
 * of a sample takes the loss of its example, the index along the logits' first axis. The
 * estimator's gradient is divided by the number of examples, as the loss is their mean.
 *
 * <p>Errors instead of silent wrong gradients: a pathwise sample whose values received no
 * gradient from the loss (the loss does not depend on them); a score-function sample without a
 * {@link SampleLoss}; samples left without a backward pass when the collector closes; logits
 * closed before the backward pass; a second collector open at once. PyTorch engine only (the
 * graph kept between the phases is a PyTorch call DJL does not expose).
 */
public final class SamplingCollector implements GradientCollector {
  private final GradientCollector engines;
  private final OpenStep step;
  private boolean backwardRan;
  private long estimatorNanos;

  private SamplingCollector(GradientCollector engines, OpenStep step) {
    this.engines = engines;
    this.step = step;
  }

  /**
   * Opens a collector on {@code engine} (DJL's PyTorch engine): grad mode on, as the engine's
   * own collector; one open at a time.
   */
  public static SamplingCollector open(Engine engine) {
    if (engine == null) throw new IllegalArgumentException("engine must not be null");
    OpenStep step = OpenStep.open();
    try {
      return new SamplingCollector(engine.newGradientCollector(), step);
    } catch (RuntimeException e) {
      step.close();
      throw e;
    }
  }

  /** {@link #open(Engine)} on DJL's default engine. */
  public static SamplingCollector open() {
    return open(Engine.getInstance());
  }

  @Override
  public void backward(NDArray target) {
    if (target == null) throw new IllegalArgumentException("target must not be null");
    NDArray exampleLosses = step.exampleLosses();
    List<Object> events = step.take();
    List<DjlSample> samples = new java.util.ArrayList<>();
    for (Object e : events) if (e instanceof DjlSample z) samples.add(z);
    checkLosses(samples, exampleLosses);
    backwardRan = true;
    if (events.isEmpty()) {
      engines.backward(target);
      return;
    }
    try {
      TorchAutograd.backward(target, true);
    } catch (RuntimeException e) {
      // a loss autograd did not record is fine when only score-function samples read it (no
      // parameter after them); a pathwise sample's values would get no gradient
      if (!TorchAutograd.isUnrecorded(e)) throw e;
      for (DjlSample z : samples) {
        if (z.sample().estimator() instanceof PathwiseEstimator) {
          throw new IllegalStateException(notReached(z), e);
        }
      }
    }
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i) instanceof OpenStep.Boundary b) {
        // the gradient that reached the leaf copy continues into the graph before it
        NDArray g = TorchAutograd.gradientOrNull(b.leaf());
        if (g != null) TorchAutograd.backward(b.original().mul(g).sum(), i > 0);
        continue;
      }
      DjlSample z = (DjlSample) events.get(i);
      z.checkLogitsOpen();
      long t0 = System.nanoTime();
      NDArray surrogate = z.sample().estimator() instanceof PathwiseEstimator
          ? pathwiseSurrogate(z) : scoreFunctionSurrogate(z, exampleLosses);
      estimatorNanos += System.nanoTime() - t0;
      TorchAutograd.backward(surrogate, i > 0);
    }
  }

  private static void checkLosses(List<DjlSample> samples, NDArray losses) {
    for (DjlSample z : samples) {
      if (!(z.sample().estimator() instanceof PathwiseEstimator) && losses == null) {
        throw new IllegalStateException(z.sample().estimator().name() + " is a score-function "
            + "estimator: it takes the loss of each drawn sample, so the loss must be a "
            + "SampleLoss (one value per example and draw), evaluated in this step before its "
            + "backward call");
      }
    }
  }

  private static NDArray pathwiseSurrogate(DjlSample z) {
    NDArray upstream = TorchAutograd.gradientOrNull(z.values());
    if (upstream == null) throw new IllegalStateException(notReached(z));
    return withLogitsLeaf(z, z.gradient(upstream));
  }

  // sum(logits * (G + the gradient the loss left on the sample's logits leaf, if any))
  private static NDArray withLogitsLeaf(DjlSample z, NDArray g) {
    NDArray direct = z.logitsLeafGradient();
    return z.logits().mul(direct == null ? g : g.add(direct)).sum();
  }

  private static String notReached(DjlSample z) {
    return "the loss does not depend on the values of a " + z.sample().estimator().name()
        + " sample drawn in this step (no gradient reached them): its logits would get a zero "
        + "gradient. Use the SamplerBlock's output in the loss, or draw it outside training "
        + "(forward with training = false)";
  }

  // sum(logits * G / B): the rows of example b take its loss; B examples, as the loss is a mean.
  private static NDArray scoreFunctionSurrogate(DjlSample z, NDArray exampleLosses) {
    NDArray logits = z.logits();
    Shape rows = logits.getShape().slice(0, logits.getShape().dimension() - 1);
    Shape expected = z.draws() == 1 ? new Shape(rows.get(0))
        : new Shape(z.draws(), rows.get(0));
    Shape got = exampleLosses.getShape();
    if (!got.equals(expected)) {
      throw new IllegalArgumentException("the SampleLoss's per-example losses have shape " + got
          + "; the " + z.sample().estimator().name() + " sample of logits " + logits.getShape()
          + " needs " + expected + " (" + (z.draws() == 1 ? "" : "draws, ")
          + "examples: the logits' first axis)");
    }
    NDManager m = z.values().getManager();
    NDArray perExample = exampleLosses.stopGradient().toType(DataType.FLOAT32, false);
    Shape broadcast = z.draws() == 1 ? rows : new Shape(z.draws()).addAll(rows);
    long[] keep = new long[broadcast.dimension()];
    for (int i = 0; i < keep.length; i++) keep[i] = i < got.dimension() ? got.get(i) : 1;
    NDArray perRow = perExample.reshape(new Shape(keep)).broadcast(broadcast).duplicate();
    NDArray g = z.gradientFromLosses(perRow);
    NDArray scaled = g.div(DjlEstimators.constant(m, rows.get(0)));
    return withLogitsLeaf(z, scaled);
  }

  /**
   * A leaf copy of {@code x} for a model that draws a chain of samples (one per level of a tree,
   * each level's logits computed from the state the earlier samples shaped): pass the state
   * that goes from one level to the next through it, and the collector's backward pass crosses
   * each level's graph a constant number of times instead of once per later sample (a chain of
   * n samples costs O(n) instead of O(n^2) graph traversals). The gradient is the same: the
   * backward pass, running the samples and the boundaries last-created first, sends the
   * gradient that reached the copy into the graph before it. Outside a step (evaluation) it
   * returns {@code x} itself.
   *
   * @param x an array autograd records (a recurrent state)
   */
  public static NDArray boundary(NDArray x) {
    if (x == null) throw new IllegalArgumentException("x must not be null");
    OpenStep step = OpenStep.current();
    if (step == null) return x;
    NDArray leaf = x.stopGradient();
    leaf.setRequiresGradient(true);
    step.add(new OpenStep.Boundary(x, leaf));
    return leaf;
  }

  /**
   * Nanoseconds this collector's backward calls spent forming the estimators' gradients (the
   * library's backward passes and their surrogates), not in the network's backward passes: for
   * a time split of a training step.
   */
  public long estimatorNanos() {
    return estimatorNanos;
  }

  @Override
  public void zeroGradients() {
    engines.zeroGradients();
  }

  /**
   * Closes the engine's collector and the step.
   *
   * @throws IllegalStateException when samples were drawn in this step and no backward call
   *     took them (their logits would get no gradient)
   */
  @Override
  public void close() {
    engines.close();
    int left = step.close();
    if (left > 0) {
      throw new IllegalStateException(left + " SamplerBlock sample(s) drawn in this step got no "
          + "backward pass: call backward(loss) on the collector before closing it"
          + (backwardRan ? " (they were drawn after the last backward call)" : ""));
    }
  }
}
