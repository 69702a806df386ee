package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.estimators.Drawing.Kind;
import dev.gumbelrao.estimators.EstimatorFamily.Parameter;
import dev.gumbelrao.estimators.Rule.Given;
import java.util.ArrayList;
import java.util.List;

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
 *   <tr><td>{@link #gumbelRao(int, float, Derivative)}</td><td>GR-MCK-total</td>
 *       <td>onehot(D)</td><td>GR-MCK with the derivative through G^k too</td></tr>
 *   <tr><td>{@link #zgr()}</td><td>ZGR</td><td>onehot(D)</td>
 *       <td>1/2 [J(p) g + (g_D - &lt;p, g&gt;)(e_D - p)]</td></tr>
 *   <tr><td>{@link #zgrBinary()}</td><td>ZGR-binary</td><td>b</td>
 *       <td>g (b (1 - q) + (1 - b) q) / 2</td></tr>
 *   <tr><td>{@link #reinMax(float)}</td><td>ReinMax</td><td>onehot(D)</td>
 *       <td>2 J(pi) g - 1/2 J(p) g, pi = (softmax(theta/tau) + e_D) / 2</td></tr>
 *   <tr><td>{@link #gappedStraightThrough(float)}, {@link #gappedStraightThroughP(float)}</td>
 *       <td>GST-1.0, GST-p</td><td>onehot(D)</td><td>J(s) g / tau, s = softmax(theta'/tau),
 *       theta' D lifted to the maximum, the others a gap below</td></tr>
 *   <tr><td>{@link #rloo(int)}</td><td>RLOO-S</td><td>S samples' onehot(D_s)</td>
 *       <td>1/(S - 1) sum_s (f_s - mean f)(e_{D_s} - p)</td></tr>
 *   <tr><td>{@link #disarm()}</td><td>DisARM</td><td>b, b~</td>
 *       <td>1/2 (f(b) - f(b~)) (-1)^b~ [b != b~] sigmoid(|eta|)</td></tr>
 *   <tr><td>{@link #arms(int)}</td><td>ARMS-n</td><td>b_1..b_n (Dirichlet copula)</td>
 *       <td>D(p) / (n - 1) sum_k (f_k - mean f)(b_k - p)</td></tr>
 * </table>
 *
 * <p>The same estimators as data: {@link #families()} lists each family once (its name, whether
 * it takes a temperature, K, S or N, binary variables, losses or loss tables),
 * {@link #parse(String, float)}
 * makes one by name ({@code "GR-MC100"}, {@code "st-gs"}, {@code "RLOO-4"}), {@link #names()}
 * and {@link #paperNames()} list them. Everything that offers a choice of estimators (the
 * command line, the experiments, the benchmarks, the tests) reads this registry.
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
    Checks.tau(tau);
    return Rule.pathwise("ST", "tau=" + tau, Kind.HARD, Given.CHECKED_AT_ONCE,
        (s, g, grad) -> new Calls.StraightThroughBackward(s.logits(), g, s.rows(), s.arity(), tau,
            grad));
  }

  /**
   * ST-GS, straight-through Gumbel-Softmax (Jang, Gu, Poole 2017): the hard D = argmax(theta + G)
   * forward, the Gumbel-Softmax gradient J(y)^T g / tau at y = softmax((theta + G) / tau) backward,
   * with the same noise G, regenerated from the sample's key (so no sample at a given D).
   */
  public static PathwiseEstimator straightThroughGumbelSoftmax(float tau) {
    Checks.tau(tau);
    return Rule.pathwise("ST-GS", "tau=" + tau, Kind.HARD, Given.NOT_APPLICABLE,
        (s, g, grad) -> new Calls.GumbelSoftmaxBackward(s.logits(), g, s.rows(), s.arity(), tau,
            s.key(), grad));
  }

  /**
   * GS, the relaxed Gumbel-Softmax (Jang et al. 2017; Maddison, Mnih, Teh 2017, "Concrete"): the
   * soft y goes forward, so the network must accept relaxed inputs; the gradient is exact for
   * that relaxation. Its samples have no hard choice.
   */
  public static PathwiseEstimator gumbelSoftmax(float tau) {
    Checks.tau(tau);
    return Rule.relaxed("GS", tau, (s, g, grad) -> new Calls.GumbelSoftmaxBackward(s.logits(), g,
        s.rows(), s.arity(), tau, s.key(), grad));
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
    return gumbelRao(samples, tau, Derivative.DETACHED);
  }

  /**
   * Which derivative of s^k = softmax((theta + G^k) / tau) Gumbel-Rao takes: through theta only,
   * the conditional noise held constant (DETACHED, every public implementation), or also through
   * G^k, which depends on theta through the log-sum-exp (TOTAL, the paper's Sec. 3.2 wording).
   */
  public enum Derivative {
    DETACHED,
    TOTAL
  }

  /**
   * GR-MCK with the derivative taken as {@code derivative} says. TOTAL: grad_i = (1/K) sum_k
   * [(1 - r_i^k) v_i^k + p_i sum_j r_j^k v_j^k], v^k the detached draw's J(s^k)^T g / tau and
   * r_j = p_j E_D / (E_j + p_j E_D) (estimators.md); since sum_j v_j^k = 0 the kernels compute it
   * as h_i - p_i sum_j h_j with h_i = (1/K) sum_k (1 - r_i^k) v_i^k: one more multiply-add per
   * element-draw than DETACHED, no more memory. Named {@code GR-MCK-total}.
   */
  public static PathwiseEstimator gumbelRao(int samples, float tau, Derivative derivative) {
    Checks.samples(samples);
    Checks.tau(tau);
    Checks.notNull(derivative, "derivative");
    if (derivative == Derivative.TOTAL) {
      return Rule.pathwise("GR-MC" + samples + "-total", "tau=" + tau, Kind.HARD,
          Given.CHECKED_BY_BACKWARD, (s, g, grad) -> new Calls.GumbelRaoTotalBackward(s.logits(),
              s.choiceArgument(), g, s.rows(), s.arity(), samples, tau, s.key(), grad));
    }
    return Rule.pathwise("GR-MC" + samples, "tau=" + tau, Kind.HARD, Given.CHECKED_BY_BACKWARD,
        (s, g, grad) -> new Calls.GumbelRaoBackward(s.logits(), s.choiceArgument(), g, s.rows(),
            s.arity(), samples, tau, s.key(), grad));
  }

  /**
   * ZGR (Shekhovtsov, ICML 2023, "Cold analysis of Rao-Blackwellized straight-through
   * Gumbel-Softmax"): the zero-temperature limit of Gumbel-Rao, 1/2 [J(p) g + (g_D - &lt;p, g&gt;)
   * (e_D - p)]; no temperature and no draws, unbiased for losses linear in D.
   */
  public static PathwiseEstimator zgr() {
    return Rule.pathwise("ZGR", "", Kind.HARD, Given.CHECKED_BY_BACKWARD,
        (s, g, grad) -> new Calls.ZgrBackward(s.logits(), s.choiceArgument(), g, s.rows(),
            s.arity(), grad));
  }

  /**
   * ZGR for binary variables: one logit eta per Bernoulli variable b (arity 1, values b in
   * {0, 1}, upstream dL/db), b = [eta + L &gt; 0] with L the key's logistic noise (so
   * b ~ Bernoulli(q), q = sigmoid(eta)); dL/deta = g (b (1 - q) + (1 - b) q) / 2, which is 2-class
   * ZGR on the logits (0, eta) with the same sample.
   */
  public static PathwiseEstimator zgrBinary() {
    return Rule.pathwise("ZGR-binary", "", Kind.BINARY, Given.CHECKED_BY_BACKWARD,
        (s, g, grad) -> new Calls.ZgrBinaryBackward(s.logits(), s.choiceArgument(), g, s.rows(),
            grad));
  }

  /**
   * ReinMax (Liu, Liu, Gao, Han, NeurIPS 2023): D ~ Cat(p) with the untempered p; backward
   * 2 J(pi) g - 1/2 J(p) g with pi = (softmax(theta / tau) + e_D) / 2, second-order accurate.
   * Any tau &gt; 0: the authors' wrapper refuses tau &lt; 1; below 1, softmax(theta / tau) moves
   * towards onehot(argmax theta) and pi towards the mean of that and onehot(D), which is still a
   * valid (if less accurate) estimator.
   */
  public static PathwiseEstimator reinMax(float tau) {
    Checks.tau(tau);
    return Rule.pathwise("ReinMax", "tau=" + tau, Kind.HARD, Given.CHECKED_BY_BACKWARD,
        (s, g, grad) -> new Calls.ReinmaxBackward(s.logits(), s.choiceArgument(), g, s.rows(),
            s.arity(), tau, grad));
  }

  /**
   * GST-1.0, the gapped straight-through estimator (Fan, Haoyu et al., ICML 2022): the logits
   * moved, as a constant, so that D is their maximum and every other class at least 1 below it;
   * backward J(s) g / tau with s = softmax(moved / tau). Deterministic given D.
   */
  public static PathwiseEstimator gappedStraightThrough(float tau) {
    return gapped("GST-1.0", tau, 1f);
  }

  /** GST with the gap -log(1 - p_D) / p_D (GST-p), the authors' choice from p_D. */
  public static PathwiseEstimator gappedStraightThroughP(float tau) {
    return gapped("GST-p", tau, 0f);
  }

  /** GST with {@code gap} (0: -log(1 - p_D) / p_D, the GST-p gap, computed by the kernel). */
  private static PathwiseEstimator gapped(String name, float tau, float gap) {
    Checks.tau(tau);
    return Rule.pathwise(name, "tau=" + tau, Kind.HARD, Given.CHECKED_BY_BACKWARD,
        (s, g, grad) -> new Calls.GstBackward(s.logits(), s.choiceArgument(), g, s.rows(),
            s.arity(), tau, gap, grad));
  }

  /**
   * RLOO, REINFORCE leave-one-out (Kool, van Hoof, Welling 2019): {@code samples} draws of each
   * row (values and losses [draw][row]; draw s uses the sub-key key.derive(s)), each sample's
   * baseline the mean of the others: grad = 1/(S - 1) sum_s (f_s - mean f)(e_{D_s} - p).
   *
   * @param samples S &gt;= 2
   */
  public static ScoreFunctionEstimator rloo(int samples) {
    Checks.count(samples, 2, "samples (S)");
    return Rule.scoreFunction("RLOO-" + samples, Kind.MULTI_DRAW, samples,
        (s, f, grad) -> new Calls.RlooBackward(s.logits(), s.choiceArgument(), f, s.rows(),
            s.arity(), samples, grad));
  }

  /**
   * IndeCateR (De Smet, Sansone, Zuidberg Dos Martires, NeurIPS 2023), the Rao-Blackwellised
   * score-function estimator for independent categorical variables: {@code draws} forward draws
   * per row (as RLOO's: draw n on the sub-key key.derive(n)); the backward pass takes the losses
   * of every row set to every class in every draw ({@link LossTableEstimator}) and gives
   * (1/N) sum_n p_j (f_n(j) - sum_k p_k f_n(k)). Unbiased; exact with N = 1 for a loss that
   * depends on one variable. In the registry as {@code IndeCateR-<N>}; the DJL block does not
   * evaluate loss tables (it refuses the estimator, naming why).
   *
   * @param draws N &gt;= 1
   */
  public static LossTableEstimator indecater(int draws) {
    Checks.count(draws, 1, "draws (N)");
    return Rule.lossTable("IndeCateR-" + draws, Kind.MULTI_DRAW, draws,
        (s, f, grad) -> new Calls.IndecaterBackward(s.logits(), f, s.rows(), s.arity(), draws,
            grad));
  }

  /**
   * DisARM (Dong, Mnih, Tucker, NeurIPS 2020) for binary variables (arity 1): the antithetic pair
   * b = [eta + L &gt; 0], b~ = [eta - L &gt; 0] per variable (L the key's logistic noise) as two
   * draws, and their two losses;
   * dL/deta = 1/2 (f(b) - f(b~)) (-1)^b~ [b != b~] sigmoid(|eta|). Unbiased.
   */
  public static ScoreFunctionEstimator disarm() {
    return Rule.scoreFunction("DisARM", Kind.COPULA, 2,
        (s, f, grad) -> new Calls.DisarmBackward(s.logits(), s.choiceArgument(), f, s.rows(),
            grad));
  }

  /**
   * ARMS (Dimitriev, Zhou, ICML 2021) for binary variables (arity 1): {@code draws} n draws
   * b_1..b_n of each variable joined by the Dirichlet copula (correlated so that their outcomes
   * are antithetic; each draw is Bernoulli(p), p = sigmoid(eta)), values and losses [draw][row];
   * dL/deta = D(p) / (n - 1) sum_k (f_k - mean f)(b_k - p), D(p) = p (1 - p) / (p - P(b_j = 1,
   * b_k = 1)) undoing the draws' correlation. Unbiased. At n = 2 the copula is DisARM's
   * antithetic pair (the same draws from the same key) and the gradient is DisARM's.
   *
   * @param draws n &gt;= 2
   */
  public static ScoreFunctionEstimator arms(int draws) {
    Checks.count(draws, 2, "draws (n)");
    return Rule.scoreFunction("ARMS-" + draws, Kind.COPULA, draws,
        (s, f, grad) -> new Calls.ArmsBackward(s.logits(), s.choiceArgument(), f, s.rows(),
            draws, grad));
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

  // =========================================================================== the registry

  private static final String PAPER = "Paulus, Maddison, Krause, ICLR 2021";

  /**
   * Every family, in the order the tables show them: the paper's (ST, ST-GS, GS, GR-MC&lt;K&gt;),
   * the total derivative next to GR, the later pathwise ones, then the score-function ones, the
   * binary ones, and IndeCateR (a table of losses) last.
   */
  private static final List<EstimatorFamily> FAMILIES = List.of(
      family("ST", Parameter.NONE, "", true,
          List.of("straight-through"), "Bengio, Leonard, Courville 2013",
          (k, tau) -> straightThrough(tau)),
      family("ST-GS", Parameter.NONE, "", true, List.of(),
          "Jang, Gu, Poole, ICLR 2017", (k, tau) -> straightThroughGumbelSoftmax(tau)),
      family("GS", Parameter.NONE, "", true,
          List.of("gumbel-softmax"), "Jang, Gu, Poole 2017; Maddison, Mnih, Teh 2017",
          (k, tau) -> gumbelSoftmax(tau)),
      family("GR-MC", Parameter.DRAWS_K, "", true,
          List.of("gumbel-rao", "gr"), PAPER, (k, tau) -> gumbelRao(k, tau)),
      family("GR-MC", Parameter.DRAWS_K, "-total", true,
          List.of("gumbel-rao-total", "gr-total"), PAPER + " (Sec. 3.2)",
          (k, tau) -> gumbelRao(k, tau, Derivative.TOTAL)),
      family("ZGR", Parameter.NONE, "", false, List.of(),
          "Shekhovtsov, ICML 2023", (k, tau) -> zgr()),
      family("ReinMax", Parameter.NONE, "", true, List.of(),
          "Liu, Liu, Gao, Han, NeurIPS 2023", (k, tau) -> reinMax(tau)),
      family("GST-1.0", Parameter.NONE, "", true, List.of(),
          "Fan et al., ICML 2022", (k, tau) -> gappedStraightThrough(tau)),
      family("GST-p", Parameter.NONE, "", true, List.of(),
          "Fan et al., ICML 2022", (k, tau) -> gappedStraightThroughP(tau)),
      family("REINFORCE", Parameter.NONE, "", false, List.of(),
          "Williams 1992", (k, tau) -> reinforce()),
      family("RLOO-", Parameter.SAMPLES_S, "", false,
          List.of("rloo"), "Kool, van Hoof, Welling 2019", (s, tau) -> rloo(s)),
      family("ZGR-binary", Parameter.NONE, "", false, List.of(),
          "Shekhovtsov, ICML 2023", (k, tau) -> zgrBinary()),
      family("DisARM", Parameter.NONE, "", false, List.of(),
          "Dong, Mnih, Tucker, NeurIPS 2020", (k, tau) -> disarm()),
      family("ARMS-", Parameter.SAMPLES_S, "", false, List.of("arms"),
          "Dimitriev, Zhou, ICML 2021", (n, tau) -> arms(n)),
      family("IndeCateR-", Parameter.DRAWS_N, "", false, List.of("indecater"),
          "De Smet, Sansone, Zuidberg Dos Martires, NeurIPS 2023", (n, tau) -> indecater(n)));

  private static EstimatorFamily family(String prefix, Parameter parameter, String suffix,
      boolean tempered, List<String> aliases, String source, EstimatorFamily.Factory factory) {
    return new EstimatorFamily(prefix, parameter, suffix, tempered, aliases, source, factory);
  }

  /** Every family of estimators, in the order of {@link #names()}. */
  public static List<EstimatorFamily> families() {
    return FAMILIES;
  }

  /**
   * The family of a name, with or without its parameter ({@code "GR-MC100"}, {@code "gr-mc100"},
   * {@code "RLOO-4"}, or an alias such as {@code "gumbel-rao"}), case-insensitive.
   *
   * @throws IllegalArgumentException naming the known families when none matches
   */
  public static EstimatorFamily family(String name) {
    for (EstimatorFamily f : FAMILIES) {
      if (f.parameterIn(name.trim()) >= 0) return f;
    }
    throw unknown(name);
  }

  /**
   * The estimator a name stands for, at temperature {@code tau} (ignored by the untempered
   * families): {@code "ST-GS"}, {@code "GR-MC100"}, {@code "gr-mc100-total"}, {@code "RLOO-4"},
   * {@code "ZGR"}, ... (case-insensitive). The name must carry K, S or N where the family has one.
   *
   * @throws IllegalArgumentException for an unknown name (the message lists the known ones), a
   *     missing or invalid K, S or N, or an invalid tau
   */
  public static Estimator parse(String name, float tau) {
    Checks.notNull(name, "name");
    String n = name.trim();
    for (EstimatorFamily f : FAMILIES) {
      int parameter = f.parameterIn(n);
      if (parameter < 0) continue;
      if (f.parameter() != Parameter.NONE && parameter == 0) {
        throw new IllegalArgumentException("estimator '" + name + "': " + f.pattern()
            + " needs its " + f.parameter().letter() + " in the name, e.g. "
            + f.name(f.parameter() == Parameter.DRAWS_K ? 100 : 4));
      }
      return f.make(parameter, tau);
    }
    throw unknown(name);
  }

  /** The families' names: {@code ST}, {@code ST-GS}, {@code GS}, {@code GR-MC<K>}, ... */
  public static List<String> names() {
    List<String> out = new ArrayList<>();
    for (EstimatorFamily f : FAMILIES) out.add(f.pattern());
    return out;
  }

  /**
   * The estimators of the paper's discrete VAE table (its Table 2), in its row order: GS,
   * REINFORCE, ST, ST-GS, GR-MC10, GR-MC100, GR-MC1000.
   */
  public static List<String> paperNames() {
    return List.of("GS", "REINFORCE", "ST", "ST-GS", "GR-MC10", "GR-MC100", "GR-MC1000");
  }

  private static IllegalArgumentException unknown(String name) {
    return new IllegalArgumentException("unknown estimator '" + name + "'; known: "
        + String.join(", ", names()));
  }
}
