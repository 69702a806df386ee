package dev.gumbelrao.toy;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.estimators.EstimatorFamily;
import dev.gumbelrao.estimators.Estimators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The toy experiment's statistics on the JAVA backend, on small grids: facts that can fail, each
 * checked against a case where it must not hold.
 */
class ToyExperimentTest {
  private static ToyResult run(int grid, int draws, float[] taus, List<ToyEstimator> es) {
    try (Backend gr = Backend.open(BackendKind.JAVA)) {
      return ToyExperiment.run(new ToyExperiment.Config(grid, draws, taus, es, 1), gr,
          (d, t, w) -> { });
    }
  }

  private static double ratioOfBiasToNoise(ToyResult r, int t, int e) {
    // for an unbiased estimator E[m |mean - exact|^2] = tr Cov at every point
    double bias = 0, noise = 0;
    int m = r.config().draws();
    for (int p = 0; p < r.points().size(); p++) {
      bias += m * r.squaredBias(t, e, p);
      noise += r.traceCov(t, e, p);
    }
    return bias / noise;
  }

  /** MSE = tr Cov (m - 1) / m + |mean - exact|^2 at every point, for every estimator. */
  @Test
  void mseIsTraceCovTimesMMinusOneOverMPlusSquaredBias() {
    List<ToyEstimator> es = ToyEstimator.lineup(ToyEstimator.applicable(),
        List.of(10), List.of(3));
    assertEquals(11, es.size(), es.toString());  // every kind, with one K and one S
    int m = 200;
    ToyResult r = run(5, m, new float[] {0.1f, 1f}, es);
    for (int t = 0; t < 2; t++) {
      for (int e = 0; e < es.size(); e++) {
        double mean = 0;
        for (int p = 0; p < r.points().size(); p++) {
          double mse = r.mse(t, e, p);
          double identity = r.traceCov(t, e, p) * (m - 1) / m + r.squaredBias(t, e, p);
          assertEquals(mse, identity, 1e-12 * mse + 1e-300,
              es.get(e).name() + " tau index " + t + " point " + p);
          assertTrue(r.squaredBias(t, e, p) <= mse * (1 + 1e-12));
          mean += mse / r.points().size();
        }
        assertEquals(mean, r.meanMse(t, e), 1e-12 * mean);
      }
    }
  }

  /**
   * REINFORCE (with its exact per-point baseline) and RLOO are unbiased, and so is ZGR for this
   * quadratic f (Shekhovtsov 2023: exact for quadratic losses): the squared bias of their mean
   * is its own Monte Carlo noise, sum_p m |mean - exact|^2 / sum_p tr Cov near 1 (a sum over 45
   * points of about 2 degrees of freedom each: outside [0.5, 2] with probability below 1e-4).
   * ReinMax at tau = 0.01, biased, is far outside.
   */
  @Test
  void unbiasedEstimatorsShowOnlyTheirNoiseAsBias() {
    List<ToyEstimator> es = List.of(ToyEstimator.of("ReinMax"), ToyEstimator.of("REINFORCE"),
        ToyEstimator.of("RLOO-2"), ToyEstimator.of("RLOO-5"), ToyEstimator.of("ZGR"));
    ToyResult r = run(11, 400, new float[] {0.01f}, es);
    for (int e = 1; e < es.size(); e++) {
      double ratio = ratioOfBiasToNoise(r, 0, e);
      assertTrue(ratio > 0.5 && ratio < 2, es.get(e).name() + ": " + ratio);
    }
    double biased = ratioOfBiasToNoise(r, 0, 0);
    assertTrue(biased > 10, "ReinMax at tau = 0.01: " + biased);
  }

  /**
   * ReinMax at tau = 1 is ZGR: 2 J((p + e_D)/2) g - J(p) g / 2 = 1/2 [J(p) g + (g_D - <p, g>)
   * (e_D - p)] component by component. Both are deterministic given the shared D, so their
   * statistics agree to float rounding at every point; at tau = 0.5 they do not.
   */
  @Test
  void reinMaxAtTemperatureOneIsZgrOnTheSharedD() {
    List<ToyEstimator> es = List.of(ToyEstimator.of("ZGR"), ToyEstimator.of("ReinMax"));
    ToyResult r = run(7, 300, new float[] {1f, 0.5f}, es);
    double far = 0;
    for (int p = 0; p < r.points().size(); p++) {
      assertEquals(r.mse(0, 0, p), r.mse(0, 1, p), 1e-5 * r.mse(0, 0, p), "point " + p);
      assertEquals(r.traceCov(0, 0, p), r.traceCov(0, 1, p), 1e-5 * r.traceCov(0, 0, p));
      far = Math.max(far, Math.abs(r.mse(1, 0, p) / r.mse(1, 1, p) - 1));
    }
    assertTrue(far > 0.01, "ReinMax at tau = 0.5 should differ from ZGR: " + far);
  }

  /**
   * GR-MCK-total tends to the zero gradient as tau falls: E[softmax((theta + G) / tau) | D]
   * tends to e_D whatever theta, so its total derivative tends to 0 and the MSE to the mean
   * |exact|^2. The detached GR-MCK does not (its MSE is many times larger at tau = 0.01).
   */
  @Test
  void totalDerivativeGumbelRaoVanishesAtLowTemperature() {
    List<ToyEstimator> es = List.of(ToyEstimator.of("GR-MC10"), ToyEstimator.of("GR-MC10-total"));
    ToyResult r = run(7, 300, new float[] {0.01f}, es);
    double zero = r.meanSquaredExact();
    assertEquals(1, r.meanMse(0, 1) / zero, 0.1, "GR-MC10-total");
    assertTrue(r.meanMse(0, 0) > 10 * zero, "GR-MC10: " + r.meanMse(0, 0) + " vs " + zero);
  }

  @Test
  void lineupPutsEachTotalDerivativeNextToItsDetachedEstimator() {
    List<EstimatorFamily> all = new java.util.ArrayList<>(ToyEstimator.applicable());
    all.remove(Estimators.family("GS"));
    assertEquals(List.of("ST", "ST-GS", "GR-MC10", "GR-MC10-total", "GR-MC100",
        "GR-MC100-total", "ZGR", "ReinMax", "GST-1.0", "GST-p", "REINFORCE", "RLOO-2", "RLOO-10"),
        ToyEstimator.lineup(all, List.of(10, 100), List.of(2, 10)).stream()
            .map(ToyEstimator::name).toList());
    assertEquals(List.of("ST", "GR-MC10-total", "GR-MC100-total", "ZGR"),
        ToyEstimator.lineup(List.of(Estimators.family("ZGR"), Estimators.family("ST"),
            Estimators.family("GR-MC10-total")), List.of(10, 100), List.of(2)).stream()
            .map(ToyEstimator::name).toList());
  }
}
