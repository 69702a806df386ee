package dev.gumbelrao;

/**
 * ST (Bengio et al. 2013): forward D ~ Cat(p) by the Gumbel-max trick, backward
 * J(softmax(theta / tau))^T g / tau. See {@link Estimators#straightThrough(float)}.
 */
record StraightThrough(float tau) implements HardPathwise {
  StraightThrough {
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "ST";
  }

  /** The choices are checked here: ST's backward pass never reads them. */
  @Override
  public Sample given(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice) {
    return Passes.given(this, backend, logits, rows, arity, key, choice, true);
  }

  @Override
  public void backward(Sample s, Floats upstream, Floats grad) {
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
