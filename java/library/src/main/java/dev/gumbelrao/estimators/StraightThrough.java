package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;

/**
 * ST (Bengio et al. 2013): forward D ~ Cat(p) by the Gumbel-max trick, backward
 * J(softmax(theta / tau))^T g / tau. See {@link Estimators#straightThrough(float)}.
 */
record StraightThrough(float tau) implements Pathwise {
  StraightThrough {
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "ST";
  }

  @Override
  public Kind kind() {
    return Kind.HARD;
  }

  /** Its backward pass never reads D: a given D is checked when it is given. */
  @Override
  public boolean givenCheckedNow() {
    return true;
  }

  @Override
  public Call backwardCall(Sample s, Memory upstream, Memory grad) {
    return new Calls.StraightThroughBackward(s.logits(), upstream, s.rows(), s.arity(), tau,
        grad);
  }

  @Override
  public String toString() {
    return "ST(tau=" + tau + ")";
  }
}
