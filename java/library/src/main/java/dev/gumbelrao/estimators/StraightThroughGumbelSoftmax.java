package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;

/**
 * ST-GS (Jang et al. 2017): forward D = argmax(theta + G), backward J(y)^T g / tau at
 * y = softmax((theta + G) / tau) with the same G, regenerated from the sample's key. See
 * {@link Estimators#straightThroughGumbelSoftmax(float)}.
 */
record StraightThroughGumbelSoftmax(float tau) implements Pathwise {
  StraightThroughGumbelSoftmax {
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "ST-GS";
  }

  @Override
  public Kind kind() {
    return Kind.HARD;
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
    return "ST-GS(tau=" + tau + ")";
  }
}
