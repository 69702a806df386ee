package dev.gumbelrao;

/**
 * Gapped straight-through (Fan et al., ICML 2022): forward D ~ Cat(p); backward J(s) g / tau
 * with s = softmax(theta' / tau), theta' the logits moved (as a constant) so that D is their
 * maximum and every other class at least a gap below it: gap 1 for GST-1.0, or
 * -log(1 - p_D) / p_D for GST-p ({@code gap} = 0). See
 * {@link Estimators#gappedStraightThrough(float)}.
 */
record GappedStraightThrough(float tau, float gap) implements HardPathwise {
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
  public void backward(Sample s, Floats upstream, Floats grad) {
    s.backend().gstBackward(s.logits(), s.choiceArgument(), upstream, s.rows(), s.arity(), tau,
        gap, grad);
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer upstream, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    s.backend().gstBackward(s.logits(), s.choice(), upstream, s.rows(), s.arity(), tau, gap,
        grad, s.stream());
  }

  @Override
  public String toString() {
    return name() + "(tau=" + tau + ")";
  }
}
