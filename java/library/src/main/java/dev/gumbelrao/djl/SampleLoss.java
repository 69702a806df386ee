package dev.gumbelrao.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import java.util.function.BiFunction;

/**
 * A DJL {@code Loss} given as one value per example: its value is their mean (plus an optional
 * term), and in a {@link SamplingCollector}'s step the per-example values go to the
 * score-function estimators (REINFORCE, RLOO-S, DisARM), which take the loss of each drawn
 * sample. With a pathwise estimator it is an ordinary loss, so one loss serves every estimator.
 *
 * <pre>{@code
 * // a Bernoulli decoder's negative log-likelihood per example (and draw), as the consumer
 * // project's DjlAutoencoder trains with it
 * SampleLoss nll = new SampleLoss("nll", (labels, predictions) -> {
 *   NDArray r = predictions.singletonOrThrow(), x = labels.singletonOrThrow();
 *   return Activation.softPlus(r).sub(x.mul(r)).sum(new int[] {-1});
 * });
 * }</pre>
 *
 * <p>The per-example array has shape (B) for the estimators that draw once per row, and (S, B)
 * for one that draws S times (the network evaluated every draw: the {@link SamplerBlock}'s
 * output has the draws axis in front), B the examples along the logits' first axis. Give the
 * score-function estimators only the terms that depend on the drawn sample: a term in closed
 * form (a KL divergence of the logits) belongs in the {@code term} function, whose gradient
 * DJL's autograd computes exactly; in the per-example losses it would only add variance.
 */
public final class SampleLoss extends Loss {
  private final BiFunction<NDList, NDList, NDArray> perExample;
  private final BiFunction<NDList, NDList, NDArray> term;

  /**
   * @param name the loss's name in DJL's metrics
   * @param perExample (labels, predictions) to the loss of each example, shape (B) or (S, B)
   */
  public SampleLoss(String name, BiFunction<NDList, NDList, NDArray> perExample) {
    this(name, perExample, null);
  }

  /**
   * @param name the loss's name in DJL's metrics
   * @param perExample (labels, predictions) to the loss of each example, shape (B) or (S, B)
   * @param term (labels, predictions) to a scalar added to the mean (may be null)
   */
  public SampleLoss(String name, BiFunction<NDList, NDList, NDArray> perExample,
      BiFunction<NDList, NDList, NDArray> term) {
    super(name);
    if (perExample == null) throw new IllegalArgumentException("perExample must not be null");
    this.perExample = perExample;
    this.term = term;
  }

  /** The per-example losses of a batch, as given. */
  public NDArray perExample(NDList labels, NDList predictions) {
    NDArray f = perExample.apply(labels, predictions);
    if (f == null) throw new IllegalArgumentException("perExample returned null");
    int d = f.getShape().dimension();
    if (d != 1 && d != 2) {
      throw new IllegalArgumentException("perExample: the losses have shape " + f.getShape()
          + "; expected (examples) or (draws, examples)");
    }
    return f;
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray f = perExample(labels, predictions);
    OpenStep step = OpenStep.current();
    if (step != null) step.exampleLosses(f);
    NDArray value = f.mean();
    if (term != null) {
      NDArray t = term.apply(labels, predictions);
      if (t == null) throw new IllegalArgumentException("term returned null");
      value = value.add(t);
    }
    return value;
  }
}
