package dev.gumbelrao.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

/**
 * A sample drawn on DJL arrays ({@link DjlEstimators#forward}): the library's {@link Sample},
 * the values the network reads, and the way back into DJL's autograd
 * ({@link #surrogate(NDArray)}).
 */
public final class DjlSample {
  private final Sample sample;
  private final NDArray logits;
  private final NDArray values;
  private final Shape shape;
  private final NDManager manager;

  DjlSample(Sample sample, NDArray logits, NDArray values, Shape shape, NDManager manager) {
    this.sample = sample;
    this.logits = logits;
    this.values = values;
    this.shape = shape;
    this.manager = manager;
    if (sample.estimator() instanceof PathwiseEstimator) values.setRequiresGradient(true);
  }

  /** Draws per row: the values and the losses have a leading axis of this size when > 1. */
  int draws() {
    return sample.estimator().draws();
  }

  /** The logits' shape with the leading draws axis when the estimator draws several times. */
  private Shape withDraws(Shape s) {
    return draws() == 1 ? s : new Shape(draws()).addAll(s);
  }

  /** The logits this sample was drawn from (a view the surrogate multiplies). */
  NDArray logits() {
    return logits;
  }

  private NDArray logitsLeaf;
  private int[] leafToLogits;

  /**
   * The gradient a loss left on the leaf copy of the logits that SamplerBlock.outputLogits()
   * hands out, in the layout of {@link #logits()}; null when there is none.
   */
  NDArray logitsLeafGradient() {
    if (logitsLeaf == null) return null;
    NDArray g = TorchAutograd.gradientOrNull(logitsLeaf);
    return g == null || leafToLogits == null ? g : g.transpose(leafToLogits);
  }

  void logitsLeaf(NDArray leaf, int[] toLogits) {
    logitsLeaf = leaf;
    leafToLogits = toLogits;
  }

  /** The library's sample (estimator, key, choices). */
  public Sample sample() {
    return sample;
  }

  /**
   * What the network reads: onehot(D), or the relaxed y of the Gumbel-Softmax, with the logits'
   * shape; for an estimator that draws S > 1 times per row (RLOO-S, DisARM), shape
   * (S, logits' shape), draw-major. For a pathwise estimator it requires a gradient, so the
   * decoder's backward pass leaves dL/dvalues in {@code values().getGradient()}.
   */
  public NDArray values() {
    return values;
  }

  /** D as int32, the logits' shape without the class axis (with the draws axis when S > 1). */
  public NDArray choices() {
    return manager.create(sample.choices(), withDraws(rowShape()));
  }

  private Shape rowShape() {
    return shape.slice(0, shape.dimension() - 1);
  }

  /**
   * dL/dlogits of a pathwise estimator for the upstream gradient g = dL/dvalues.
   *
   * @param upstream float32, CPU, the logits' shape
   */
  public NDArray gradient(NDArray upstream) {
    PathwiseEstimator est = pathwise();
    checkLogitsOpen();
    checkShape(upstream, "upstream", shape);
    NDArray grad = manager.zeros(shape, DataType.FLOAT32, Device.cpu());
    est.backward(sample, DjlEstimators.floats(upstream), DjlEstimators.floats(grad));
    return grad;
  }

  /**
   * dL/dlogits of a score-function estimator for the loss of each sample.
   *
   * @param losses float32, CPU, the logits' shape without the class axis; with the draws axis
   *     in front, (S, ...), when the estimator draws S > 1 times per row
   */
  public NDArray gradientFromLosses(NDArray losses) {
    if (!(sample.estimator() instanceof ScoreFunctionEstimator)) {
      throw new IllegalStateException(sample.estimator().name() + " is pathwise: its backward "
          + "pass takes the upstream gradient (gradient(upstream), surrogate(upstream))");
    }
    checkLogitsOpen();
    checkShape(losses, "losses", withDraws(rowShape()));
    NDArray grad = manager.zeros(shape, DataType.FLOAT32, Device.cpu());
    ((ScoreFunctionEstimator) sample.estimator()).backward(sample, DjlEstimators.floats(losses),
        DjlEstimators.floats(grad));
    return grad;
  }

  /**
   * The scalar sum(logits * G) with G = {@link #gradient(NDArray)} of {@code upstream}, G held
   * constant: its backward pass sends exactly dL/dlogits = G into the graph that computed the
   * logits. For the usual upstream, dL/dvalues after the loss's backward pass, use
   * {@link #surrogate()}, which refuses to run before that pass.
   */
  public NDArray surrogate(NDArray upstream) {
    return logits.mul(gradient(upstream)).sum();
  }

  /**
   * {@link #surrogate(NDArray)} of dL/dvalues, the gradient the loss's backward pass left on
   * {@link #values()}.
   *
   * @throws IllegalStateException when no backward pass has reached the values yet: the loss's
   *     backward pass has not run (DJL would read the gradient as zeros: a silently zero
   *     dL/dlogits), or the loss does not depend on the values
   */
  public NDArray surrogate() {
    pathwise();
    NDArray upstream = TorchAutograd.gradientOrNull(values);
    if (upstream == null) {
      throw new IllegalStateException("no backward pass has reached the values of this "
          + sample.estimator().name() + " sample: run the loss's backward pass first (the "
          + "surrogate takes dL/dvalues), and check that the loss depends on the values");
    }
    return surrogate(upstream);
  }

  /** {@link #surrogate(NDArray)} for a score-function estimator: G from the samples' losses. */
  public NDArray surrogateFromLosses(NDArray losses) {
    return logits.mul(gradientFromLosses(losses)).sum();
  }

  private PathwiseEstimator pathwise() {
    if (!(sample.estimator() instanceof PathwiseEstimator)) {
      throw new IllegalStateException(sample.estimator().name() + " is a score-function "
          + "estimator: its backward pass takes the samples' losses "
          + "(gradientFromLosses(losses), surrogateFromLosses(losses))");
    }
    return (PathwiseEstimator) sample.estimator();
  }

  // The sample reads the logits' memory in place: a closed tensor's memory may be gone.
  void checkLogitsOpen() {
    if (logits.isReleased()) {
      throw new IllegalStateException("the logits of this sample were closed before its "
          + "backward pass");
    }
  }

  private static void checkShape(NDArray a, String name, Shape expected) {
    Shape s = DjlEstimators.checkFloatsOnCpu(a, name);
    if (!s.equals(expected)) {
      throw new IllegalArgumentException(name + " has shape " + s + ", expected " + expected);
    }
  }
}
