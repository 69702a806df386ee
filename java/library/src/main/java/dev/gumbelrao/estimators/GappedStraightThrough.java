package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;

/**
 * Gapped straight-through (Fan et al., ICML 2022): forward D ~ Cat(p); backward J(s) g / tau
 * with s = softmax(theta' / tau), theta' the logits moved (as a constant) so that D is their
 * maximum and every other class at least a gap below it: gap 1 for GST-1.0, or
 * -log(1 - p_D) / p_D for GST-p ({@code gap} = 0). See
 * {@link Estimators#gappedStraightThrough(float)}.
 */
record GappedStraightThrough(float tau, float gap) implements Pathwise {
  GappedStraightThrough {
    Checks.tau(tau);
    if (!(gap >= 0) || Float.isInfinite(gap)) {
      throw new IllegalArgumentException("gap must be finite and > 0 (or 0 for GST-p), got "
          + gap);
    }
  }

  @Override
  public String name() {
    return gap == 0 ? "GST-p" : "GST-" + gap;
  }

  @Override
  public Kind kind() {
    return Kind.HARD;
  }

  @Override
  public Call backwardCall(Sample s, Memory upstream, Memory grad) {
    return new Calls.GstBackward(s.logits(), s.choiceArgument(), upstream, s.rows(), s.arity(),
        tau, gap, grad);
  }

  @Override
  public String toString() {
    return name() + "(tau=" + tau + ")";
  }
}
