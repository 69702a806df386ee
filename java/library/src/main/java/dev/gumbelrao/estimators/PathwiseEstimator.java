package dev.gumbelrao.estimators;

import dev.gumbelrao.cuda.DeviceBuffer;
import java.nio.FloatBuffer;

/**
 * An estimator whose backward pass maps the upstream gradient g = dL/dvalues of the sample the
 * network consumed to dL/dtheta: straight-through (ST), straight-through Gumbel-Softmax (ST-GS),
 * the relaxed Gumbel-Softmax (GS), Gumbel-Rao (GR-MCK, detached or with the total derivative),
 * ZGR (categorical and binary), ReinMax and the gapped straight-through (GST). See
 * {@link Estimators} for each formula. The backward pass runs on the memory the sample's forward
 * pass used.
 */
public sealed interface PathwiseEstimator extends Estimator permits Pathwise {
  /**
   * dL/dtheta for the sample {@code sample} (drawn by this estimator, on host arrays).
   *
   * @param upstream g = dL/dvalues, {@code rows * arity}
   * @param grad output, dL/dtheta, {@code rows * arity}; not overlapping the logits or upstream
   * @throws IllegalArgumentException when the sample was drawn by another estimator, on other
   *     memory, or any argument is invalid
   */
  void backward(Sample sample, float[] upstream, float[] grad);

  /** {@link #backward(Sample, float[], float[])} for a sample drawn on buffers. */
  void backward(Sample sample, FloatBuffer upstream, FloatBuffer grad);

  /**
   * {@link #backward(Sample, float[], float[])} for a sample drawn on device memory, queued on the
   * sample's stream.
   */
  void backward(Sample sample, DeviceBuffer upstream, DeviceBuffer grad);
}
