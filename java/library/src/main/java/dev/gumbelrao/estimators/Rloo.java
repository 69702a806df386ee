package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;

/**
 * REINFORCE leave-one-out (Kool, van Hoof, Welling 2019): S &gt;= 2 samples of each row, draw s
 * with the sub-key {@code key.derive(s)}, and their losses f_s;
 * grad = 1/(S - 1) sum_s (f_s - mean f)(e_{D_s} - p): each sample's baseline is the mean of the
 * others. Unbiased. See {@link Estimators#rloo(int)}.
 */
record Rloo(int samples) implements ScoreFunction {
  Rloo {
    Checks.count(samples, 2, "samples (S)");
  }

  @Override
  public String name() {
    return "RLOO-" + samples;
  }

  @Override
  public int draws() {
    return samples;
  }

  @Override
  public Kind kind() {
    return Kind.MULTI_DRAW;
  }

  @Override
  public Call backwardCall(Sample s, Memory losses, Memory grad) {
    return new Calls.RlooBackward(s.logits(), s.choiceArgument(), losses, s.rows(), s.arity(),
        samples, grad);
  }

  @Override
  public String toString() {
    return name();
  }
}
