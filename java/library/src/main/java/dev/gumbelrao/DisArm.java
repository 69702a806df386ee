package dev.gumbelrao;

import java.nio.FloatBuffer;

/**
 * DisARM (Dong, Mnih, Tucker, NeurIPS 2020) for binary variables of one logit eta each
 * (arity 1): an antithetic pair b = [eta + L > 0], b~ = [eta - L > 0] (L the key's logistic
 * noise) as two draws, and their losses; dL/deta = 1/2 (f(b) - f(b~)) (-1)^b~ [b != b~]
 * sigmoid(|eta|). Unbiased. See {@link Estimators#disarm()}.
 */
record DisArm() implements ScoreFunctionEstimator {
  @Override
  public String name() {
    return "DisARM";
  }

  @Override
  public int draws() {
    return 2;
  }

  @Override
  public Sample forward(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      float[] values) {
    return Passes.binary(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"), true);
  }

  @Override
  public Sample forward(GumbelRao backend, FloatBuffer logits, int rows, int arity, NoiseKey key,
      FloatBuffer values) {
    return Passes.binary(this, backend, Floats.of(logits, "logits"), rows, arity, key,
        Floats.of(values, "values"), true);
  }

  @Override
  public DeviceSample forward(GumbelRaoCuda backend, DeviceBuffer logits, int rows, int arity,
      NoiseKey key, DeviceBuffer choice, DeviceBuffer values, CudaStream stream) {
    Passes.binaryArity(this, arity);
    return DevicePasses.binary(this, backend, logits, rows, key, true, choice, values, stream);
  }

  @Override
  public Sample given(GumbelRao backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice) {
    Passes.binaryArity(this, arity);
    return Passes.given(this, backend, logits, rows, arity, key, choice);
  }

  @Override
  public void backward(Sample sample, float[] losses, float[] grad) {
    backward(Passes.own(this, sample, losses, "losses"), Floats.of(losses, "losses"),
        Floats.of(grad, "grad"));
  }

  @Override
  public void backward(Sample sample, FloatBuffer losses, FloatBuffer grad) {
    backward(Passes.own(this, sample, losses, "losses"), Floats.of(losses, "losses"),
        Floats.of(grad, "grad"));
  }

  private void backward(Sample s, Floats losses, Floats grad) {
    Args.input(losses, "losses", 2L * s.rows(), "draws * rows");
    Passes.finiteLosses(losses.read(), s.rows());
    s.backend().disarmBackward(s.logits(), s.choiceArgument(), losses, s.rows(), grad);
  }

  @Override
  public void backward(DeviceSample sample, DeviceBuffer losses, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    s.backend().disarmBackward(s.logits(), s.choice(), losses, s.rows(), grad, s.stream());
  }

  @Override
  public String toString() {
    return "DisARM";
  }
}
