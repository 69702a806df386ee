package dev.gumbelrao;

import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.RunningMeanBaseline;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import java.nio.FloatBuffer;

/**
 * The backward passes of the estimators as one call each, through the public estimator API:
 * what the kernel-level tests compare across backends. GR, ST and REINFORCE take D as given
 * ({@link Estimator#given}), so a test can pick any valid (or invalid) D; ST-GS and GS draw it
 * with the key, as their backward passes regenerate that noise.
 */
final class Ops {
  private Ops() {}

  static void gumbelRao(Backend gr, float[] th, int[] d, float[] g, int rows, int arity, int k,
      float tau, NoiseKey key, float[] grad) {
    PathwiseEstimator est = Estimators.gumbelRao(k, tau);
    est.backward(est.given(gr, th, rows, arity, key, d), g, grad);
  }

  /** ST-GS backward (= GS backward) at the key's forward noise. */
  static void gumbelSoftmaxBackward(Backend gr, float[] th, float[] g, int rows, int arity,
      float tau, NoiseKey key, float[] grad) {
    PathwiseEstimator est = Estimators.straightThroughGumbelSoftmax(tau);
    est.backward(est.forward(gr, th, rows, arity, key, null), g, grad);
  }

  /** The relaxed Gumbel-Softmax values y = softmax((theta + G) / tau). */
  static void gumbelSoftmaxForward(Backend gr, float[] th, int rows, int arity, float tau,
      NoiseKey key, float[] soft) {
    Estimators.gumbelSoftmax(tau).forward(gr, th, rows, arity, key, soft);
  }

  /** GS backward, from its own forward pass (same formula and noise as ST-GS's). */
  static void relaxedBackward(Backend gr, float[] th, float[] g, int rows, int arity,
      float tau, NoiseKey key, float[] grad) {
    PathwiseEstimator est = Estimators.gumbelSoftmax(tau);
    est.backward(est.forward(gr, th, rows, arity, key, null), g, grad);
  }

  static void straightThrough(Backend gr, float[] th, float[] g, int rows, int arity,
      float tau, float[] grad) {
    PathwiseEstimator est = Estimators.straightThrough(tau);
    // D drawn (its backward pass reads only the logits): a given D is checked against them
    est.backward(est.forward(gr, th, rows, arity, NoiseKey.of(0), null), g, grad);
  }

  static void reinforce(Backend gr, float[] th, int[] d, float[] losses,
      RunningMeanBaseline baseline, int rows, int arity, float[] grad) {
    ScoreFunctionEstimator est = Estimators.reinforce(baseline);
    est.backward(est.given(gr, th, rows, arity, NoiseKey.of(0), d), losses, grad);
  }

  /** GR backward on buffers, D drawn by the forward pass. */
  static Sample gumbelRao(Backend gr, FloatBuffer th, int rows, int arity, int k, float tau,
      NoiseKey key, FloatBuffer g, FloatBuffer grad) {
    PathwiseEstimator est = Estimators.gumbelRao(k, tau);
    Sample s = est.forward(gr, th, rows, arity, key, null);
    est.backward(s, g, grad);
    return s;
  }
}
