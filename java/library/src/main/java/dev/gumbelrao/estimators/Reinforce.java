package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;

/**
 * REINFORCE (Williams 1992) with a running-mean baseline: forward D ~ Cat(p), backward
 * (f - b)(onehot(D) - p) with b the baseline's value, which is then updated with the batch's mean
 * loss (so b never depends on the sample it corrects). See {@link Estimators#reinforce()}. The
 * baseline is state: each REINFORCE estimator has its own, and a sample is accepted only by the
 * estimator object that drew it. On device memory the backward pass reads the losses back to
 * update the baseline, so it waits for the sample's stream (the other backward passes do not).
 */
final class Reinforce implements ScoreFunction {
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
  public Kind kind() {
    return Kind.HARD;
  }

  @Override
  public Call backwardCall(Sample s, Memory losses, Memory grad) {
    return new Calls.ReinforceBackward(s.logits(), s.choiceArgument(), losses, s.rows(),
        s.arity(), (float) baseline.value(), grad);
  }

  @Override
  public void runBackward(Sample s, Memory losses, Memory grad) {
    double mean = meanLoss(s, losses);
    s.target().execute(backwardCall(s, losses, grad));
    if (s.rows() > 0) baseline.update(mean);
  }

  /** The batch's mean loss, read from host or device memory; every loss must be finite. */
  private static double meanLoss(Sample s, Memory losses) {
    Checks.notNull(losses, "losses");
    int rows = s.rows();
    float[] f;
    if (losses.host()) {
      if (losses.length() != rows) {
        throw new IllegalArgumentException("losses" + (losses.kind() == Memory.Kind.ARRAY
            ? " has length " + losses.length() : " has " + losses.length()
            + " elements remaining") + ", expected rows = " + rows);
      }
      f = losses.readFloats();
    } else {
      f = new float[rows];
      if (rows > 0) {
        s.stream().await();
        losses.device().copyTo(f);
      }
    }
    double sum = 0;
    for (int i = 0; i < f.length; i++) {
      if (!Float.isFinite(f[i])) {
        throw new IllegalArgumentException("losses: row " + i + " is " + f[i] + ", not finite");
      }
      sum += f[i];
    }
    return f.length == 0 ? 0 : sum / f.length;
  }

  @Override
  public String toString() {
    return "REINFORCE(decay=" + baseline.decay() + ")";
  }
}
