package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.cuda.DeviceBuffer;
import java.nio.FloatBuffer;

/**
 * A pathwise estimator as data: its {@link Drawing} and the backward call it makes, an operation
 * of native/operations.txt with its scalars. The three backward passes (arrays, buffers, device
 * memory) are written once here.
 */
non-sealed interface Pathwise extends PathwiseEstimator, Drawing {
  /** The backward pass of sample {@code s} (already checked to be this estimator's). */
  Call backwardCall(Sample s, Memory upstream, Memory grad);

  @Override
  default void backward(Sample sample, float[] upstream, float[] grad) {
    run(sample, Memory.of(upstream, "upstream"), Memory.of(grad, "grad"));
  }

  @Override
  default void backward(Sample sample, FloatBuffer upstream, FloatBuffer grad) {
    run(sample, Memory.of(upstream, "upstream"), Memory.of(grad, "grad"));
  }

  @Override
  default void backward(Sample sample, DeviceBuffer upstream, DeviceBuffer grad) {
    run(sample, Memory.of(upstream, "upstream"), Memory.of(grad, "grad"));
  }

  private void run(Sample sample, Memory upstream, Memory grad) {
    Sample s = Passes.own(this, sample, upstream, "upstream");
    s.target().execute(backwardCall(s, upstream, grad));
  }
}
