package dev.gumbelrao;

import java.nio.FloatBuffer;

/**
 * REINFORCE (Williams 1992) with a running-mean baseline: forward D ~ Cat(p), backward
 * (f - b)(onehot(D) - p) with b the baseline's value, which is then updated with the batch's mean
 * loss (so b never depends on the sample it corrects). See {@link Estimators#reinforce()}. The
 * baseline is state: each REINFORCE estimator has its own, and a sample is accepted only by the
 * estimator object that drew it.
 */
final class Reinforce implements ScoreFunctionEstimator {
  private final RunningMeanBaseline baseline;

  Reinforce(RunningMeanBaseline baseline) {
    this.baseline = Checks.notNull(baseline, "baseline");
  }

  RunningMeanBaseline baseline() {
    return baseline;
  }

  @Override
  public String name() {
    return "REINFORCE";
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
    Args.input(losses, "losses", s.rows(), "rows");
    double mean = meanLoss(losses.read());
    s.backend().reinforceBackward(s.logits(), s.choiceArgument(), losses,
        (float) baseline.value(), s.rows(), s.arity(), grad);
    if (s.rows() > 0) baseline.update(mean);
  }

  /**
   * On device memory the baseline is read from the host and updated with the batch's mean loss,
   * which is copied back: this backward pass waits for the sample's stream (the others do not).
   */
  @Override
  public void backward(DeviceSample sample, DeviceBuffer losses, DeviceBuffer grad) {
    DeviceSample s = Passes.own(this, sample);
    Checks.notNull(losses, "losses");
    float[] host = new float[s.rows()];
    if (s.rows() > 0) {
      s.stream().await();
      losses.copyTo(host);
    }
    double mean = meanLoss(host);
    s.backend().reinforceBackward(s.logits(), s.choice(), losses, (float) baseline.value(),
        s.rows(), s.arity(), grad, s.stream());
    if (s.rows() > 0) baseline.update(mean);
  }

  /** The batch's mean loss; every loss must be finite. */
  private static double meanLoss(float[] f) {
    Passes.finiteLosses(f, f.length);
    double sum = 0;
    for (float v : f) sum += v;
    return f.length == 0 ? 0 : sum / f.length;
  }

  @Override
  public String toString() {
    return "REINFORCE(decay=" + baseline.decay() + ")";
  }
}
