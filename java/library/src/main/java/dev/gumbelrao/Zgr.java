package dev.gumbelrao;

/**
 * ZGR (Shekhovtsov, ICML 2023), the zero-temperature limit of Gumbel-Rao: forward D ~ Cat(p),
 * backward 1/2 [J(p) g + (g_D - &lt;p, g&gt;)(e_D - p)]; no temperature, no draws. See
 * {@link Estimators#zgr()}.
 */
record Zgr() implements HardPathwise {
  @Override
  public String name() {
    return "ZGR";
  }

  @Override
  public void backward(Sample s, Floats upstream, Floats grad) {
    s.backend().zgrBackward(s.logits(), s.choiceArgument(), upstream, s.rows(), s.arity(), grad);
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer upstream, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    s.backend().zgrBackward(s.logits(), s.choice(), upstream, s.rows(), s.arity(), grad,
        s.stream());
  }

  @Override
  public String toString() {
    return "ZGR";
  }
}
