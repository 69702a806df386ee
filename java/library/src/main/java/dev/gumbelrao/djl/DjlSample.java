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

  /** The library's sample (estimator, key, choices). */
  public Sample sample() {
    return sample;
  }

  /**
   * What the network reads: onehot(D), or the relaxed y of the Gumbel-Softmax, with the logits'
   * shape. For a pathwise estimator it requires a gradient, so the decoder's backward pass leaves
   * dL/dvalues in {@code values().getGradient()}.
   */
  public NDArray values() {
    return values;
  }

  /** D as int32, the logits' shape without the class axis. */
  public NDArray choices() {
    Shape rows = shape.slice(0, shape.dimension() - 1);
    return manager.create(sample.choices(), rows);
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
   * @param losses float32, CPU, the logits' shape without the class axis
   */
  public NDArray gradientFromLosses(NDArray losses) {
    if (!(sample.estimator() instanceof ScoreFunctionEstimator)) {
      throw new IllegalStateException(sample.estimator().name() + " is pathwise: its backward "
          + "pass takes the upstream gradient (gradient(upstream), surrogate(upstream))");
    }
    checkLogitsOpen();
    checkShape(losses, "losses", shape.slice(0, shape.dimension() - 1));
    NDArray grad = manager.zeros(shape, DataType.FLOAT32, Device.cpu());
    ((ScoreFunctionEstimator) sample.estimator()).backward(sample, DjlEstimators.floats(losses),
        DjlEstimators.floats(grad));
    return grad;
  }

  /**
   * The scalar sum(logits * G) with G = {@link #gradient(NDArray)} of {@code upstream}, G held
   * constant: its backward pass sends exactly dL/dlogits = G into the graph that computed the
   * logits. {@code upstream} is usually {@code values().getGradient()} after the decoder's
   * backward pass (before it, DJL reads that gradient as zeros).
   */
  public NDArray surrogate(NDArray upstream) {
    return logits.mul(gradient(upstream)).sum();
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
  private void checkLogitsOpen() {
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
