package dev.gumbelrao.testing;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.RunningMeanBaseline;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

/**
 * The paper's backward passes, one call each (a new estimator per call), for the tests that
 * compare one operation across backends or against another estimator.
 */
public final class Backwards {
  private Backwards() {}

  /** GR-MCK backward at the given D. */
  public static void gumbelRao(Backend gr, float[] th, int[] d, float[] g, int rows, int arity,
      int k, float tau, NoiseKey key, float[] grad) {
    PathwiseEstimator est = Estimators.gumbelRao(k, tau);
    est.backward(est.given(gr, th, rows, arity, key, d), g, grad);
  }

  /** ST-GS backward (= GS backward) at the key's forward noise. */
  public static void straightThroughGumbelSoftmax(Backend gr, float[] th, float[] g, int rows,
      int arity, float tau, NoiseKey key, float[] grad) {
    PathwiseEstimator est = Estimators.straightThroughGumbelSoftmax(tau);
    est.backward(est.forward(gr, th, rows, arity, key, null), g, grad);
  }

  /** The relaxed Gumbel-Softmax values y = softmax((theta + G) / tau). */
  public static void gumbelSoftmaxForward(Backend gr, float[] th, int rows, int arity,
      float tau, NoiseKey key, float[] soft) {
    Estimators.gumbelSoftmax(tau).forward(gr, th, rows, arity, key, soft);
  }

  /** ST backward, D drawn (its backward pass reads only the logits). */
  public static void straightThrough(Backend gr, float[] th, float[] g, int rows, int arity,
      float tau, float[] grad) {
    PathwiseEstimator est = Estimators.straightThrough(tau);
    est.backward(est.forward(gr, th, rows, arity, NoiseKey.of(0), null), g, grad);
  }

  /** REINFORCE backward at the given D with the given baseline. */
  public static void reinforce(Backend gr, float[] th, int[] d, float[] losses,
      RunningMeanBaseline baseline, int rows, int arity, float[] grad) {
    ScoreFunctionEstimator est = Estimators.reinforce(baseline);
    est.backward(est.given(gr, th, rows, arity, NoiseKey.of(0), d), losses, grad);
  }
}
