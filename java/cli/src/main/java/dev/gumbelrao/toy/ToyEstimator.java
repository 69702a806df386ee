package dev.gumbelrao.toy;

import dev.gumbelrao.Estimators;
import dev.gumbelrao.PathwiseEstimator;

/**
 * An estimator compared in the toy experiment: ST, ST-GS, or Gumbel-Rao with K Monte Carlo
 * samples (GR-MCK).
 *
 * @param name as printed: ST, ST-GS, GR-MC10, ...
 * @param kind which backward pass
 * @param samples K for Gumbel-Rao, 1 otherwise
 */
public record ToyEstimator(String name, Kind kind, int samples) {
  public enum Kind {
    ST,
    ST_GS,
    GUMBEL_RAO
  }

  public static final ToyEstimator ST = new ToyEstimator("ST", Kind.ST, 1);
  public static final ToyEstimator ST_GS = new ToyEstimator("ST-GS", Kind.ST_GS, 1);

  public static ToyEstimator gumbelRao(int k) {
    if (k < 1) throw new IllegalArgumentException("K must be >= 1, got " + k);
    return new ToyEstimator("GR-MC" + k, Kind.GUMBEL_RAO, k);
  }

  /** The library's estimator at temperature tau. */
  public PathwiseEstimator at(float tau) {
    switch (kind) {
      case ST:
        return Estimators.straightThrough(tau);
      case ST_GS:
        return Estimators.straightThroughGumbelSoftmax(tau);
      default:
        return Estimators.gumbelRao(samples, tau);
    }
  }
}
