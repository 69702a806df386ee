package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Memory;

/**
 * ZGR for binary variables (Shekhovtsov, ICML 2023): rows Bernoulli variables of one logit eta
 * each (arity 1), forward b = [eta + L > 0] (L the key's logistic noise, so b ~ Bernoulli(q),
 * q = sigmoid(eta)), backward dL/deta = g (b (1 - q) + (1 - b) q) / 2 for g = dL/db. It equals
 * 2-class ZGR on logits (0, eta) with the same sample. See {@link Estimators#zgrBinary()}.
 */
record ZgrBinary() implements Pathwise {
  @Override
  public String name() {
    return "ZGR-binary";
  }

  @Override
  public Kind kind() {
    return Kind.BINARY;
  }

  @Override
  public Call backwardCall(Sample s, Memory upstream, Memory grad) {
    return new Calls.ZgrBinaryBackward(s.logits(), s.choiceArgument(), upstream, s.rows(), grad);
  }

  @Override
  public String toString() {
    return "ZGR-binary";
  }
}
