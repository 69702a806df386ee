package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Memory;

/**
 * ZGR (Shekhovtsov, ICML 2023), the zero-temperature limit of Gumbel-Rao: forward D ~ Cat(p),
 * backward 1/2 [J(p) g + (g_D - &lt;p, g&gt;)(e_D - p)]; no temperature, no draws. See
 * {@link Estimators#zgr()}.
 */
record Zgr() implements Pathwise {
  @Override
  public String name() {
    return "ZGR";
  }

  @Override
  public Kind kind() {
    return Kind.HARD;
  }

  @Override
  public Call backwardCall(Sample s, Memory upstream, Memory grad) {
    return new Calls.ZgrBackward(s.logits(), s.choiceArgument(), upstream, s.rows(), s.arity(),
        grad);
  }

  @Override
  public String toString() {
    return "ZGR";
  }
}
