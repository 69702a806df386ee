package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;

/**
 * GR-MCK, Gumbel-Rao with K Monte Carlo draws of the conditional noise (Paulus et al. 2021,
 * Eq. 10): forward D = argmax(theta + G); backward (1 / (K tau)) sum_k J(s^k)^T g with
 * s^k = softmax((theta + G^k) / tau), G^k | D drawn from the sample's key; with the total
 * derivative, the derivative also runs through G^k (math.h). See
 * {@link Estimators#gumbelRao(int, float, Estimators.Derivative)}.
 */
record GumbelRaoMonteCarlo(int samples, float tau, Estimators.Derivative derivative)
    implements Pathwise {
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
  public Kind kind() {
    return Kind.HARD;
  }

  @Override
  public Call backwardCall(Sample s, Memory upstream, Memory grad) {
    if (derivative == Estimators.Derivative.TOTAL) {
      return new Calls.GumbelRaoTotalBackward(s.logits(), s.choiceArgument(), upstream, s.rows(),
          s.arity(), samples, tau, s.key(), grad);
    }
    return new Calls.GumbelRaoBackward(s.logits(), s.choiceArgument(), upstream, s.rows(),
        s.arity(), samples, tau, s.key(), grad);
  }

  @Override
  public String toString() {
    return name() + "(tau=" + tau + ")";
  }
}
