package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;

/**
 * ReinMax (Liu et al., NeurIPS 2023): forward D ~ Cat(p) with the untempered p; backward
 * 2 J(pi) g - 1/2 J(p) g with pi = (softmax(theta / tau) + e_D) / 2. See
 * {@link Estimators#reinMax(float)}.
 */
record ReinMax(float tau) implements Pathwise {
  ReinMax {
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "ReinMax";
  }

  @Override
  public Kind kind() {
    return Kind.HARD;
  }

  @Override
  public Call backwardCall(Sample s, Memory upstream, Memory grad) {
    return new Calls.ReinmaxBackward(s.logits(), s.choiceArgument(), upstream, s.rows(),
        s.arity(), tau, grad);
  }

  @Override
  public String toString() {
    return "ReinMax(tau=" + tau + ")";
  }
}
