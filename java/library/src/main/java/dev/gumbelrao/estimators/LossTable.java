package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.cuda.DeviceBuffer;
import java.nio.FloatBuffer;

/**
 * A loss-table estimator as data: its {@link Drawing} and the backward call it makes from the
 * table. The three backward passes (arrays, buffers, device memory) are written once here.
 */
non-sealed interface LossTable extends LossTableEstimator, Drawing {
  /** The backward call of sample {@code s} (already checked to be this estimator's). */
  Call backwardCall(Sample s, Memory lossTable, Memory grad);

  @Override
  default void backward(Sample sample, float[] lossTable, float[] grad) {
    Memory f = Memory.of(lossTable, "lossTable");
    Sample s = Passes.own(this, sample, f, "lossTable");
    s.target().execute(backwardCall(s, f, Memory.of(grad, "grad")));
  }

  @Override
  default void backward(Sample sample, FloatBuffer lossTable, FloatBuffer grad) {
    Memory f = Memory.of(lossTable, "lossTable");
    Sample s = Passes.own(this, sample, f, "lossTable");
    s.target().execute(backwardCall(s, f, Memory.of(grad, "grad")));
  }

  @Override
  default void backward(Sample sample, DeviceBuffer lossTable, DeviceBuffer grad) {
    Memory f = Memory.of(lossTable, "lossTable");
    Sample s = Passes.own(this, sample, f, "lossTable");
    s.target().execute(backwardCall(s, f, Memory.of(grad, "grad")));
  }
}
