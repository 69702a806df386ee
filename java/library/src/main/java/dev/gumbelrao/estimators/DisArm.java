package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Memory;

/**
 * DisARM (Dong, Mnih, Tucker, NeurIPS 2020) for binary variables of one logit eta each
 * (arity 1): an antithetic pair b = [eta + L > 0], b~ = [eta - L > 0] (L the key's logistic
 * noise) as two draws, and their losses; dL/deta = 1/2 (f(b) - f(b~)) (-1)^b~ [b != b~]
 * sigmoid(|eta|). Unbiased. See {@link Estimators#disarm()}.
 */
record DisArm() implements ScoreFunction {
  @Override
  public String name() {
    return "DisARM";
  }

  @Override
  public int draws() {
    return 2;
  }

  @Override
  public Kind kind() {
    return Kind.ANTITHETIC_PAIR;
  }

  @Override
  public Call backwardCall(Sample s, Memory losses, Memory grad) {
    return new Calls.DisarmBackward(s.logits(), s.choiceArgument(), losses, s.rows(), grad);
  }

  @Override
  public String toString() {
    return "DisARM";
  }
}
