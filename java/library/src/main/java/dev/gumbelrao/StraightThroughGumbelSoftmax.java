package dev.gumbelrao;

/**
 * ST-GS (Jang et al. 2017): forward D = argmax(theta + G), backward J(y)^T g / tau at
 * y = softmax((theta + G) / tau) with the same G, regenerated from the sample's key. See
 * {@link Estimators#straightThroughGumbelSoftmax(float)}.
 */
record StraightThroughGumbelSoftmax(float tau) implements HardPathwise {
  StraightThroughGumbelSoftmax {
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "ST-GS";
  }

  @Override
  public Sample given(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice) {
    throw Passes.noGivenChoice(this);
  }

  @Override
  public void backward(Sample s, Floats upstream, Floats grad) {
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
