package dev.gumbelrao;

/**
 * GR-MCK, Gumbel-Rao with K Monte Carlo draws of the conditional noise (Paulus et al. 2021,
 * Eq. 10): forward D = argmax(theta + G); backward (1 / (K tau)) sum_k J(s^k)^T g with
 * s^k = softmax((theta + G^k) / tau), G^k | D drawn from the sample's key; with the total
 * derivative, the derivative also runs through G^k (math.h). See
 * {@link Estimators#gumbelRao(int, float, Estimators.Derivative)}.
 */
record GumbelRaoMonteCarlo(int samples, float tau, Estimators.Derivative derivative)
    implements HardPathwise {
  GumbelRaoMonteCarlo {
    Checks.samples(samples);
    Checks.tau(tau);
    Checks.notNull(derivative, "derivative");
  }

  @Override
  public String name() {
    return "GR-MC" + samples + (derivative == Estimators.Derivative.TOTAL ? "-total" : "");
  }

  @Override
  public void backward(Sample s, Floats upstream, Floats grad) {
    if (derivative == Estimators.Derivative.TOTAL) {
      s.backend().gumbelRaoTotalBackward(s.logits(), s.choiceArgument(), upstream, s.rows(),
          s.arity(), samples, tau, s.key(), grad);
    } else {
      s.backend().gumbelRaoBackward(s.logits(), s.choiceArgument(), upstream, s.rows(),
          s.arity(), samples, tau, s.key(), grad);
    }
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer upstream, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    if (derivative == Estimators.Derivative.TOTAL) {
      s.backend().gumbelRaoTotalBackward(s.logits(), s.choice(), upstream, s.rows(), s.arity(),
          samples, tau, s.key(), grad, s.stream());
    } else {
      s.backend().gumbelRaoBackward(s.logits(), s.choice(), upstream, s.rows(), s.arity(),
          samples, tau, s.key(), grad, s.stream());
    }
  }

  @Override
  public String toString() {
    return name() + "(tau=" + tau + ")";
  }
}
