package dev.gumbelrao;

import java.nio.FloatBuffer;

/**
 * ST-GS (Jang et al. 2017): forward D = argmax(theta + G), backward J(y)^T g / tau at
 * y = softmax((theta + G) / tau) with the same G, regenerated from the sample's key. See
 * {@link Estimators#straightThroughGumbelSoftmax(float)}.
 */
record StraightThroughGumbelSoftmax(float tau) implements PathwiseEstimator {
  StraightThroughGumbelSoftmax {
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "ST-GS";
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
    throw Passes.noGivenChoice(this);
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
    s.backend().gumbelSoftmaxBackward(s.logits(), upstream, s.rows(), s.arity(), tau, s.key(),
        grad);
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer upstream, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    s.backend().gumbelSoftmaxBackward(s.logits(), upstream, s.rows(), s.arity(), tau, s.key(),
        grad, s.stream());
  }

  @Override
  public String toString() {
    return "ST-GS(tau=" + tau + ")";
  }
}
