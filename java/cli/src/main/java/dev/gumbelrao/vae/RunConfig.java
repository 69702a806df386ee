package dev.gumbelrao.vae;

import java.util.Locale;

/**
 * What decides a training run's trajectory, bit for bit: the estimator and its temperature, the
 * optimiser's settings, the batch size, the model, the seed (initial weights, data order,
 * noise) and the training data. A checkpoint is resumed only by a run of the same
 * {@link #fingerprint()}; the number of iterations and the evaluation schedule are not part of
 * it (a run continued to more iterations is the same run).
 *
 * @param trainSha256 SHA-256 of the binarized training split
 * @param lrDecay the learning rate's factor per {@link #DECAY_STEPS} steps: step s (from 0)
 *     updates with lr x lrDecay^(s / 1000), an exponential decay that depends on the step alone
 *     (not on the run's length), so a run continued to more iterations is still the same run;
 *     1: a constant learning rate
 */
public record RunConfig(String estimator, float tau, float learningRate, float momentum,
    int batch, Architecture architecture, long seed, String trainSha256, float lrDecay) {
  /** The steps over which the learning rate falls by the factor {@code lrDecay}. */
  public static final int DECAY_STEPS = 1000;

  public RunConfig {
    if (batch < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
    if (!(tau > 0) || Float.isInfinite(tau)) {
      throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
    }
    if (!(lrDecay > 0 && lrDecay <= 1)) {
      throw new IllegalArgumentException("lrDecay must be in (0, 1], got " + lrDecay);
    }
  }

  /** A run at a constant learning rate. */
  public RunConfig(String estimator, float tau, float learningRate, float momentum, int batch,
      Architecture architecture, long seed, String trainSha256) {
    this(estimator, tau, learningRate, momentum, batch, architecture, seed, trainSha256, 1f);
  }

  /**
   * The factor of the learning rate at step {@code step} (from 0): lrDecay^(step / 1000), in
   * StrictMath so that a resumed run takes the same steps.
   */
  public float lrScale(long step) {
    return lrDecay == 1f ? 1f : (float) StrictMath.pow(lrDecay, step / (double) DECAY_STEPS);
  }

  public String fingerprint() {
    Architecture a = architecture;
    return String.format(Locale.ROOT, "estimator=%s tau=%s lr=%s momentum=%s batch=%d "
        + "model=%s seed=%d train=%s", estimator, Float.toString(tau),
        Float.toString(learningRate), Float.toString(momentum), batch, a.describe(), seed,
        trainSha256)
        // a constant rate keeps the fingerprint (and the checkpoints) of the runs before lrDecay
        + (lrDecay == 1f ? "" : " lr_decay=" + Float.toString(lrDecay) + "/" + DECAY_STEPS);
  }
}
