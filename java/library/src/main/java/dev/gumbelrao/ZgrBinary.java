package dev.gumbelrao;

import java.nio.FloatBuffer;

/**
 * ZGR for binary variables (Shekhovtsov, ICML 2023): rows Bernoulli variables of one logit eta
 * each (arity 1), forward b = [eta + L > 0] (L the key's logistic noise, so b ~ Bernoulli(q),
 * q = sigmoid(eta)), backward dL/deta = g (b (1 - q) + (1 - b) q) / 2 for g = dL/db. It equals
 * 2-class ZGR on logits (0, eta) with the same sample. See {@link Estimators#zgrBinary()}.
 */
record ZgrBinary() implements PathwiseEstimator {
  @Override
  public String name() {
    return "ZGR-binary";
  }

  @Override
  public Sample forward(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      float[] values) {
    return Passes.binary(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"), false);
  }

  @Override
  public Sample forward(GumbelRao backend, FloatBuffer logits, int rows, int arity, NoiseKey key,
      FloatBuffer values) {
    return Passes.binary(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"), false);
  }

  @Override
  public DeviceSample forward(GumbelRaoCuda backend, DeviceBuffer logits, int rows, int arity,
      NoiseKey key, DeviceBuffer choice, DeviceBuffer values, CudaStream stream) {
    Passes.binaryArity(this, arity);
    return DevicePasses.binary(this, backend, logits, rows, key, false, choice, values, stream);
  }

  @Override
  public Sample given(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice) {
    Passes.binaryArity(this, arity);
    return Passes.given(this, backend, logits, rows, arity, key, choice);
  }

  @Override
  public void backward(Sample sample, float[] upstream, float[] grad) {
    backward(Passes.own(this, sample, upstream, "upstream"), Floats.of(upstream, "upstream"),
        Floats.of(grad, "grad"));
  }

  @Override
  public void backward(Sample sample, FloatBuffer upstream, FloatBuffer grad) {
    backward(Passes.own(this, sample, upstream, "upstream"), Floats.of(upstream, "upstream"),
        Floats.of(grad, "grad"));
  }

  private void backward(Sample s, Floats upstream, Floats grad) {
    s.backend().zgrBinaryBackward(s.logits(), s.choiceArgument(), upstream, s.rows(), grad);
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer upstream, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    s.backend().zgrBinaryBackward(s.logits(), s.choice(), upstream, s.rows(), grad, s.stream());
  }

  @Override
  public String toString() {
    return "ZGR-binary";
  }
}
