package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.cuda.DeviceBuffer;
import java.nio.FloatBuffer;

/**
 * A score-function estimator as data: its {@link Drawing} and the backward call it makes from the
 * losses of its draws. The three backward passes (arrays, buffers, device memory) are written once
 * here; an estimator with state around the call (REINFORCE's baseline) overrides
 * {@link #runBackward}.
 */
non-sealed interface ScoreFunction extends ScoreFunctionEstimator, Drawing {
  /** The backward pass of sample {@code s} (already checked to be this estimator's). */
  Call backwardCall(Sample s, Memory losses, Memory grad);

  /** Runs the backward call of a checked sample. */
  default void runBackward(Sample s, Memory losses, Memory grad) {
    s.target().execute(backwardCall(s, losses, grad));
  }

  @Override
  default void backward(Sample sample, float[] losses, float[] grad) {
    Memory f = Memory.of(losses, "losses");
    runBackward(Passes.own(this, sample, f, "losses"), f, Memory.of(grad, "grad"));
  }

  @Override
  default void backward(Sample sample, FloatBuffer losses, FloatBuffer grad) {
    Memory f = Memory.of(losses, "losses");
    runBackward(Passes.own(this, sample, f, "losses"), f, Memory.of(grad, "grad"));
  }

  @Override
  default void backward(Sample sample, DeviceBuffer losses, DeviceBuffer grad) {
    Memory f = Memory.of(losses, "losses");
    runBackward(Passes.own(this, sample, f, "losses"), f, Memory.of(grad, "grad"));
  }
}
