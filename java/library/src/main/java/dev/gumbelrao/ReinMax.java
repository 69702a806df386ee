package dev.gumbelrao;

/**
 * ReinMax (Liu et al., NeurIPS 2023): forward D ~ Cat(p) with the untempered p; backward
 * 2 J(pi) g - 1/2 J(p) g with pi = (softmax(theta / tau) + e_D) / 2. See
 * {@link Estimators#reinMax(float)}.
 */
record ReinMax(float tau) implements HardPathwise {
  ReinMax {
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "ReinMax";
  }

  @Override
  public void backward(Sample s, Floats upstream, Floats grad) {
    s.backend().reinMaxBackward(s.logits(), s.choiceArgument(), upstream, s.rows(), s.arity(),
        tau, grad);
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer upstream, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    s.backend().reinMaxBackward(s.logits(), s.choice(), upstream, s.rows(), s.arity(), tau,
        grad, s.stream());
  }

  @Override
  public String toString() {
    return "ReinMax(tau=" + tau + ")";
  }
}
