package dev.gumbelrao;

import java.nio.FloatBuffer;

/**
 * GR-MCK, Gumbel-Rao with K Monte Carlo draws of the conditional noise (Paulus et al. 2021,
 * Eq. 10): forward D = argmax(theta + G); backward (1 / (K tau)) sum_k J(s^k)^T g with
 * s^k = softmax((theta + G^k) / tau), G^k | D drawn from the sample's key. See
 * {@link Estimators#gumbelRao(int, float)}.
 */
record GumbelRaoMonteCarlo(int samples, float tau) implements PathwiseEstimator {
  GumbelRaoMonteCarlo {
    Checks.samples(samples);
    Checks.tau(tau);
  }

  @Override
  public String name() {
    return "GR-MC" + samples;
  }

  @Override
  public Sample forward(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      float[] values) {
    return Passes.hard(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"));
  }

  @Override
  public Sample forward(GumbelRao backend, FloatBuffer logits, int rows, int arity, NoiseKey key,
      FloatBuffer values) {
    return Passes.hard(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"));
  }

  @Override
  public DeviceSample forward(GumbelRaoCuda backend, DeviceBuffer logits, int rows, int arity,
      NoiseKey key, DeviceBuffer choice, DeviceBuffer values, CudaStream stream) {
    return DevicePasses.hard(this, backend, logits, rows, arity, key, choice, values, stream);
  }

  @Override
  public Sample given(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice) {
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
    s.backend().gumbelRaoBackward(s.logits(), s.choiceArgument(), upstream, s.rows(), s.arity(),
        samples, tau, s.key(), grad);
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer upstream, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    s.backend().gumbelRaoBackward(s.logits(), s.choice(), upstream, s.rows(), s.arity(),
        samples, tau, s.key(), grad, s.stream());
  }

  @Override
  public String toString() {
    return "GR-MC" + samples + "(tau=" + tau + ")";
  }
}
