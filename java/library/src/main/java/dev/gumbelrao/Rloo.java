package dev.gumbelrao;

import java.nio.FloatBuffer;

/**
 * REINFORCE leave-one-out (Kool, van Hoof, Welling 2019): S &gt;= 2 samples of each row, draw s
 * with the sub-key {@code key.derive(s)}, and their losses f_s;
 * grad = 1/(S - 1) sum_s (f_s - mean f)(e_{D_s} - p): each sample's baseline is the mean of the
 * others. Unbiased. See {@link Estimators#rloo(int)}.
 */
record Rloo(int samples) implements ScoreFunctionEstimator {
  Rloo {
    if (samples < 2) {
      throw new IllegalArgumentException("samples (S) must be >= 2 for leave-one-out, got "
          + samples);
    }
  }

  @Override
  public String name() {
    return "RLOO-" + samples;
  }

  @Override
  public int draws() {
    return samples;
  }

  @Override
  public Sample forward(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      float[] values) {
    return Passes.multiDraw(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"));
  }

  @Override
  public Sample forward(GumbelRao backend, FloatBuffer logits, int rows, int arity, NoiseKey key,
      FloatBuffer values) {
    return Passes.multiDraw(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"));
  }

  @Override
  public DeviceSample forward(GumbelRaoCuda backend, DeviceBuffer logits, int rows, int arity,
      NoiseKey key, DeviceBuffer choice, DeviceBuffer values, CudaStream stream) {
    return DevicePasses.multiDraw(this, backend, logits, rows, arity, key, choice, values,
        stream);
  }

  @Override
  public Sample given(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice) {
    return Passes.given(this, backend, logits, rows, arity, key, choice);
  }

  @Override
  public void backward(Sample sample, float[] losses, float[] grad) {
    backward(Passes.own(this, sample, losses, "losses"), Floats.of(losses, "losses"),
        Floats.of(grad, "grad"));
  }

  @Override
  public void backward(Sample sample, FloatBuffer losses, FloatBuffer grad) {
    backward(Passes.own(this, sample, losses, "losses"), Floats.of(losses, "losses"),
        Floats.of(grad, "grad"));
  }

  private void backward(Sample s, Floats losses, Floats grad) {
    Args.input(losses, "losses", (long) samples * s.rows(), "draws * rows");
    Passes.finiteLosses(losses.read(), s.rows());
    s.backend().rlooBackward(s.logits(), s.choiceArgument(), losses, s.rows(), s.arity(),
        samples, grad);
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer losses, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    s.backend().rlooBackward(s.logits(), s.choice(), losses, s.rows(), s.arity(), samples, grad,
        s.stream());
  }

  @Override
  public String toString() {
    return name();
  }
}
