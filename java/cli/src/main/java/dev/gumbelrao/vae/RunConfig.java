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
 */
public record RunConfig(String estimator, float tau, float learningRate, float momentum,
    int batch, Architecture architecture, long seed, String trainSha256) {
  public RunConfig {
    if (batch < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batch);
    if (!(tau > 0) || Float.isInfinite(tau)) {
      throw new IllegalArgumentException("tau must be finite and > 0, got " + tau);
    }
  }

  public String fingerprint() {
    Architecture a = architecture;
    return String.format(Locale.ROOT, "estimator=%s tau=%s lr=%s momentum=%s batch=%d "
        + "model=%s seed=%d train=%s", estimator, Float.toString(tau),
        Float.toString(learningRate), Float.toString(momentum), batch, a.describe(), seed,
        trainSha256);
  }
}
