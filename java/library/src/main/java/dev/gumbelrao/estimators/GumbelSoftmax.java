package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;

/**
 * GS, the relaxed Gumbel-Softmax (Jang et al. 2017; Maddison et al. 2017): forward
 * y = softmax((theta + G) / tau), backward J(y)^T g / tau. See
 * {@link Estimators#gumbelSoftmax(float)}.
 */
record GumbelSoftmax(float tau) implements Pathwise {
  GumbelSoftmax {
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "GS";
  }

  @Override
  public Kind kind() {
    return Kind.RELAXED;
  }

  @Override
  public float relaxedTau() {
    return tau;
  }

  @Override
  public boolean givenApplies() {
    return false;
  }

  @Override
  public Call backwardCall(Sample s, Memory upstream, Memory grad) {
    return new Calls.GumbelSoftmaxBackward(s.logits(), upstream, s.rows(), s.arity(), tau,
        s.key(), grad);
  }

  @Override
  public String toString() {
    return "GS(tau=" + tau + ")";
  }
}
