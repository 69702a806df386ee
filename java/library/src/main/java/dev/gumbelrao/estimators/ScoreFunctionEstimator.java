package dev.gumbelrao.estimators;

import dev.gumbelrao.cuda.DeviceBuffer;
import java.nio.FloatBuffer;

/**
 * An estimator whose backward pass needs the loss of each drawn sample instead of an upstream
 * gradient: the score-function family (REINFORCE with a running-mean baseline, RLOO, DisARM). The
 * caller evaluates its loss f at each sample (one per row and draw, laid out [draw][row]) and
 * passes those losses; the values of the sample carry no gradient.
 */
public sealed interface ScoreFunctionEstimator extends Estimator permits ScoreFunction {
  /**
   * dL/dtheta, an estimate of the gradient of E[f(D)], for the sample {@code sample} (drawn by
   * this estimator, on host arrays).
   *
   * @param losses f per drawn sample, {@code draws() * rows}, finite
   * @param grad output, {@code rows * arity}; not overlapping the logits or losses
   */
  void backward(Sample sample, float[] losses, float[] grad);

  /** {@link #backward(Sample, float[], float[])} for a sample drawn on buffers. */
  void backward(Sample sample, FloatBuffer losses, FloatBuffer grad);

  /**
   * {@link #backward(Sample, float[], float[])} for a sample drawn on device memory, queued on the
   * sample's stream.
   */
  void backward(Sample sample, DeviceBuffer losses, DeviceBuffer grad);
}
