package dev.gumbelrao;

import java.nio.FloatBuffer;

/**
 * ST (Bengio et al. 2013): forward D ~ Cat(p) by the Gumbel-max trick, backward
 * J(softmax(theta / tau))^T g / tau. See {@link Estimators#straightThrough(float)}.
 */
record StraightThrough(float tau) implements PathwiseEstimator {
  StraightThrough {
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "ST";
  }

  @Override
  public Sample forward(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      float[] values) {
    return Passes.hard(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"));
  }

  @Override
  public Sample forward(GumbelRao backend, FloatBuffer logits, int rows, int arity, NoiseKey key,
      FloatBuffer values) {
    return Passes.hard(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"));
  }

  @Override
  public DeviceSample forward(GumbelRaoCuda backend, DeviceBuffer logits, int rows, int arity,
      NoiseKey key, DeviceBuffer choice, DeviceBuffer values, CudaStream stream) {
    return DevicePasses.hard(this, backend, logits, rows, arity, key, choice, values, stream);
  }

  @Override
  public Sample given(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice) {
    return Passes.given(this, backend, logits, rows, arity, key, choice);
  }

  @Override
  public void backward(Sample sample, float[] upstream, float[] grad) {
    backward(Passes.own(this, sample, upstream, "upstream"), Floats.of(upstream, "upstream"),
        Floats.of(grad, "grad"));
  }

  @Override
  public void backward(Sample sample, FloatBuffer upstream, FloatBuffer grad) {
    backward(Passes.own(this, sample, upstream, "upstream"), Floats.of(upstream, "upstream"),
        Floats.of(grad, "grad"));
  }

  private void backward(Sample s, Floats upstream, Floats grad) {
    s.backend().straightThroughBackward(s.logits(), upstream, s.rows(), s.arity(), tau, grad);
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer upstream, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    s.backend().straightThroughBackward(s.logits(), upstream, s.rows(), s.arity(), tau, grad,
        s.stream());
  }

  @Override
  public String toString() {
    return "ST(tau=" + tau + ")";
  }
}
