package dev.gumbelrao;

/**
 * The estimators, each made once and used for every step (see {@link Estimator}). Notation:
 * p = softmax(theta), G the key's Gumbel noise, D = argmax(theta + G) ~ Cat(p), g the upstream
 * gradient, J(s)^T g = s * (g - &lt;s, g&gt;) the softmax Jacobian-vector product.
 *
 * <table>
 *   <caption>The estimators and their backward passes</caption>
 *   <tr><th>factory</th><th>name</th><th>forward values</th><th>backward</th></tr>
 *   <tr><td>{@link #straightThrough(float)}</td><td>ST</td><td>onehot(D)</td>
 *       <td>J(softmax(theta / tau))^T g / tau</td></tr>
 *   <tr><td>{@link #straightThroughGumbelSoftmax(float)}</td><td>ST-GS</td><td>onehot(D)</td>
 *       <td>J(y)^T g / tau, y = softmax((theta + G) / tau), the same G</td></tr>
 *   <tr><td>{@link #gumbelSoftmax(float)}</td><td>GS</td><td>y = softmax((theta + G) / tau)</td>
 *       <td>J(y)^T g / tau</td></tr>
 *   <tr><td>{@link #gumbelRao(int, float)}</td><td>GR-MCK</td><td>onehot(D)</td>
 *       <td>(1 / (K tau)) sum_k J(softmax((theta + G^k) / tau))^T g, G^k | D</td></tr>
 *   <tr><td>{@link #reinforce()}</td><td>REINFORCE</td><td>onehot(D)</td>
 *       <td>(f - b)(onehot(D) - p), b a running mean of f</td></tr>
 * </table>
 */
public final class Estimators {
  private Estimators() {}

  /**
   * ST, straight-through (Bengio, Leonard, Courville 2013; the paper's baseline): the hard sample
   * goes forward, the backward pass is that of softmax(theta / tau). Needs no noise in its
   * backward pass.
   *
   * @param tau temperature, finite and &gt; 0
   */
  public static PathwiseEstimator straightThrough(float tau) {
    return new StraightThrough(tau);
  }

  /**
   * ST-GS, straight-through Gumbel-Softmax (Jang, Gu, Poole 2017): the hard D = argmax(theta + G)
   * forward, the Gumbel-Softmax gradient at the same noise G backward.
   */
  public static PathwiseEstimator straightThroughGumbelSoftmax(float tau) {
    return new StraightThroughGumbelSoftmax(tau);
  }

  /**
   * GS, the relaxed Gumbel-Softmax (Jang et al. 2017; Maddison, Mnih, Teh 2017, "Concrete"): the
   * soft y goes forward, so the network must accept relaxed inputs; the gradient is exact for
   * that relaxation. Its samples have no hard choice.
   */
  public static PathwiseEstimator gumbelSoftmax(float tau) {
    return new GumbelSoftmax(tau);
  }

  /**
   * GR-MCK, Gumbel-Rao (Paulus, Maddison, Krause, ICLR 2021): ST-GS averaged over K draws of the
   * noise conditioned on D, fused so that no [K, rows, arity] memory is used; its variance is at
   * most ST-GS's and falls as K grows. K = 1 equals ST-GS in distribution. The conditional noise
   * is treated as a constant (detached), as in every public implementation.
   *
   * @param samples K &gt;= 1
   * @param tau temperature, finite and &gt; 0
   */
  public static PathwiseEstimator gumbelRao(int samples, float tau) {
    return new GumbelRaoMonteCarlo(samples, tau);
  }

  /**
   * REINFORCE (Williams 1992) with its own running-mean baseline of decay
   * {@link RunningMeanBaseline#DEFAULT_DECAY}: the score-function estimator, unbiased for any
   * loss; the backward pass takes each row's loss.
   */
  public static ScoreFunctionEstimator reinforce() {
    return reinforce(new RunningMeanBaseline());
  }

  /** REINFORCE with the given baseline (read, then updated, by every backward pass). */
  public static ScoreFunctionEstimator reinforce(RunningMeanBaseline baseline) {
    return new Reinforce(baseline);
  }
}
