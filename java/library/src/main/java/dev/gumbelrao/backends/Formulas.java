package dev.gumbelrao.backends;

/**
 * The Java copy of the library's formulas: the mirror, line for line, of the native math header
 * {@code native/include/gumbel_rao/math.h}, in double precision. The JAVA backend
 * computes with it, and so it is the oracle the native backends are tested against.
 *
 * <p>Source: Paulus, Maddison, Krause, "Rao-Blackwellizing the Straight-Through Gumbel-Softmax
 * Gradient Estimator", ICLR 2021 (arXiv 2010.04838). Random numbers: Philox4x32-10 (Salmon et
 * al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011).
 *
 * <h2>Counter layout (the library's noise contract)</h2>
 * key = the 64-bit seed; counter = (column / 4, row, slot, offset), where slot 0 is the forward
 * noise (sampling D; ST-GS and GS reuse it in their backward pass) and slot k + 1 the k-th
 * conditional draw of Gumbel-Rao. Output word i of a call is column 4 * (column / 4) + i. Every
 * uniform is thus a pure function of (seed, offset, row, column, slot).
 */
public final class Formulas {
  private Formulas() {}

  public static final int PHILOX_M0 = 0xD2511F53;
  public static final int PHILOX_M1 = 0xCD9E8D57;
  public static final int PHILOX_W0 = 0x9E3779B9;
  public static final int PHILOX_W1 = 0xBB67AE85;

  /** The slot of the forward noise. */
  public static final int FORWARD_SLOT = 0;

  /**
   * The slot reserved for deriving sub-keys ({@code NoiseKey.derive(long)}): never a noise slot,
   * since slot k + 1 of the k-th conditional draw is at most 2^31.
   */
  public static final int DERIVE_SLOT = 0xFFFFFFFF;

  /** The slot of the k-th conditional draw. */
  public static int conditionalSlot(int k) {
    return k + 1;
  }

  /**
   * Philox4x32-10 at counter (quad, row, slot, offset) under the key {@code seed}; writes the four
   * output words to {@code out[0..3]}.
   */
  public static void philox(long seed, int quad, int row, int slot, int offset, int[] out) {
    int c0 = quad, c1 = row, c2 = slot, c3 = offset;
    int k0 = (int) seed, k1 = (int) (seed >>> 32);
    for (int round = 0; round < 10; round++) {
      long p0 = (PHILOX_M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
      long p1 = (PHILOX_M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
      int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
      int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
      c0 = n0;
      c1 = (int) p1;
      c2 = n2;
      c3 = (int) p0;
      k0 += PHILOX_W0;
      k1 += PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
  }

  /**
   * u = ((x >>> 9) + 0.5) * 2^-23: inside the open interval (0, 1) for all 2^32 words, with
   * extremes 2^-24 and 1 - 2^-24, exact in float and in double.
   */
  public static double uniformOpen(int word) {
    return ((word >>> 9) + 0.5) * 0x1p-23;
  }

  /**
   * log p_j = (theta_j - m) - log sum_i exp(theta_i - m), m the row maximum: written so that
   * p_j keeps its relative accuracy when |theta| is large.
   */
  public static double logSoftmax(double thetaJ, double max, double logSum) {
    return (thetaJ - max) - logSum;
  }

  /**
   * E ~ Exp(1): E = -log U, held at or above 1 - U (which it always is; the native kernels keep the
   * bound against the GPU's approximate logarithm near U = 1).
   */
  public static double exponentialFromUniform(double u) {
    return Math.max(-Math.log(u), 1 - u);
  }

  /**
   * The perturbed logit of the Gumbel-max trick, shifted by the row maximum m:
   * (theta_j - m) + G_j. The argmax is that of theta + G, but theta_j - m is exact near the top
   * of the row, so the noise keeps its precision when the logits are large (at |theta| = 1e8 the
   * float sum theta + G would round G away).
   */
  public static double perturbedLogit(double thetaJ, double max, double g) {
    return (thetaJ - max) + g;
  }

  /** G ~ Gumbel(0, 1): G = -log(-log U). */
  public static double gumbelFromUniform(double u) {
    return -Math.log(exponentialFromUniform(u));
  }

  /** Conditional Gumbel noise of the chosen class: G_D = -log(p_D E_D) = (lse - theta_D) - log E_D. */
  public static double conditionalGumbelWinner(double negLogPd, double eD) {
    return negLogPd - Math.log(eD);
  }

  /** Conditional Gumbel noise of a class j != D: G_j = -log(E_j + p_j E_D). */
  public static double conditionalGumbelOther(double pj, double ej, double eD) {
    return -Math.log(ej + pj * eD);
  }

  /**
   * Float rounding can lift theta_j + G_j to z_D = theta_D + G_D when the exact gap is below the
   * rounding of z_D. Lowers G_j until the float sum theta_j + G_j is strictly below z_D, by steps
   * that start at one ulp of z_D and double, so that argmax(theta + G) = D holds for float noise.
   */
  public static float conditionalGumbelBelow(float thetaJ, float gJ, float zD) {
    float step = Math.ulp(zD);
    for (int i = 0; i < 160 && !(thetaJ + gJ < zD); i++) {
      gJ -= step;
      step += step;
    }
    return gJ;
  }

  /**
   * The unnormalised softmax weight of class j != D in one Gumbel-Rao draw:
   * r_j^(1/tau) with r_j = p_j E_D / (E_j + p_j E_D), so s_j = r_j^(1/tau) / sum_i r_i^(1/tau)
   * and the winner's weight is exactly 1; log r_j is clamped at 0 against rounding.
   */
  public static double gumbelRaoWeight(double logPj, double pj, double ej, double eD,
      double logED, double invTau) {
    double logR = (logPj + logED) - Math.log(ej + pj * eD);
    return Math.exp(Math.min(logR, 0) * invTau); // r_j <= 1 exactly: clamp the rounding
  }

  /**
   * The same weight r_j^(1/tau) when 1/tau is the integer m (see
   * {@link #integerInverseTemperature}): r_j = p_j E_D / (E_j + p_j E_D) by one division and r_j^m
   * by multiplication instead of a logarithm and an exponential. A masked class gets 0.
   */
  public static double gumbelRaoWeightPower(double pj, double ej, double eD, int m) {
    double a = pj * eD;
    double r = a / (ej + a);
    double w = r;
    for (int i = 1; i < m; i++) w *= r;
    return w;
  }

  /** 1/tau in float, finite even for subnormal tau (as the native kernels compute it). */
  public static float inverseTemperature(float tau) {
    float inv = 1.0f / tau;
    return inv < Float.MAX_VALUE ? inv : Float.MAX_VALUE;
  }

  /**
   * m when 1/tau (as the float {@link #inverseTemperature}) is an integer in [1, 4] (tau = 1, 1/2,
   * 1/3, 1/4), else 0: the temperatures for which {@link #gumbelRaoWeightPower} applies.
   */
  public static int integerInverseTemperature(float tau) {
    float inv = inverseTemperature(tau);
    for (int m = 1; m <= 4; m++) {
      if (inv == (float) m) return m;
    }
    return 0;
  }

  /**
   * One Gumbel-Rao draw's term of the row sum h_j: w_j (gs_j c - cDot), with c = 1 / sum_i w_i
   * ({@link #gumbelRaoDrawScale}) and cDot = c (c sum_i w_i gs_i) ({@link #gumbelRaoDrawDot}),
   * gs = g - g_D; it equals s_j (gs_j - &lt;s, gs&gt;). After K draws grad_j = h_j / (K tau)
   * ({@link #gumbelRaoScale}).
   */
  public static double gumbelRaoTerm(double wj, double gsj, double c, double cDot) {
    return wj * (gsj * c - cDot);
  }

  /** c = 1 / sum_j w_j of one Gumbel-Rao draw. */
  public static double gumbelRaoDrawScale(double sumW) {
    return 1.0 / sumW;
  }

  /** c_dot = c (P c) = c &lt;s, gs&gt; of one Gumbel-Rao draw, P = sum_j w_j gs_j. */
  public static double gumbelRaoDrawDot(double c, double dotWGs) {
    return c * (dotWGs * c);
  }

  /** 1 / (K tau): the finish grad_j = h_j / (K tau) of the Gumbel-Rao row sums. */
  public static double gumbelRaoScale(long samples, float tau) {
    return 1.0 / ((double) samples * (double) tau);
  }

  /** r_j = p_j E_D / (E_j + p_j E_D), the base of the Gumbel-Rao weight (r_D = 1). */
  public static double gumbelRaoBase(double pj, double ej, double eD) {
    double a = pj * eD;
    return a / (ej + a);
  }

  /**
   * One draw's term of the total-derivative row sum h_j: t_j - r_j t_j, t_j the detached term
   * ({@link #gumbelRaoTerm}); grad_j = (h_j - p_j H) / (K tau) with H = sum_j h_j
   * ({@link #gumbelRaoTotalFinishOfSums}; math.h says why H and not a per-draw sum).
   */
  public static double gumbelRaoTotalTerm(double tj, double rj) {
    return tj - rj * tj;
  }

  public static double gumbelRaoTotalFinishOfSums(double hj, double pj, double hSum, double scale) {
    return (hj - pj * hSum) * scale;
  }

  /** ZGR: 1/2 (p_j gs_j - [j = D] &lt;p, gs&gt;), gs = g - g_D. */
  public static double zgrGrad(double pj, double gsj, double pDotGs, boolean isD) {
    return 0.5 * (isD ? -pDotGs : pj * gsj);
  }

  /** L = log u - log(1 - u), a Logistic(0, 1) draw. */
  public static double logisticFromUniform(double u) {
    return Math.log(u) - Math.log(1 - u);
  }

  public static double sigmoid(double x) {
    double t = Math.exp(-Math.abs(x));
    double r = 1 / (1 + t);
    return x >= 0 ? r : t * r;
  }

  /** ZGR, binary: g sigmoid(b ? -eta : eta) / 2. */
  public static double zgrBinaryGrad(double g, double eta, boolean b) {
    return 0.5 * g * sigmoid(b ? -eta : eta);
  }

  /** DisARM: 1/2 (f(b) - f(b~)) (-1)^b~ [b != b~] sigmoid(|eta|). */
  public static double disarmGrad(double fB, double fBt, boolean b, boolean bt, double eta) {
    if (b == bt) return 0;
    double d = (0.5 * fB - 0.5 * fBt) * sigmoid(Math.abs(eta));
    return bt ? -d : d;
  }

  /**
   * ARMS's copula bit (math.h, arms_copula_bit): x = [(n - 1) log((S - e_k) / S) &lt; log pbar],
   * pbar = sigmoid(-|eta|); b = x when eta &lt; 0, else 1 - x.
   */
  public static boolean armsCopulaBit(double eta, double sMinusK, double s, int n) {
    double a = Math.abs(eta);
    double logPbar = -(a + Math.log1p(Math.exp(-a)));
    boolean lower = (n - 1) * (Math.log(sMinusK) - Math.log(s)) < logPbar;
    return eta < 0 ? lower : !lower;
  }

  /**
   * ARMS's D(p) / (n - 1) (math.h, arms_scale): D = sigmoid(|eta|) / (1 - c), c = (2 - 1/r)^(n-1)
   * for r = pbar^(1/(n-1)) &gt; 1/2, else 0.
   */
  public static double armsScale(double eta, int n) {
    double a = Math.abs(eta);
    double r = Math.exp(-(a + Math.log1p(Math.exp(-a))) / (n - 1));
    double c = r > 0.5 ? Math.pow(2 - 1 / r, n - 1) : 0;
    return sigmoid(a) / (1 - c) / (n - 1);
  }

  /** ReinMax's pi_j = (softmax(theta / tau)_j + [j = D]) / 2. */
  public static double reinmaxPi(double sj, boolean isD) {
    return 0.5 * (sj + (isD ? 1 : 0));
  }

  /** ReinMax: 2 pi_j (gs_j - &lt;pi, gs&gt;) - 1/2 p_j (gs_j - &lt;p, gs&gt;). */
  public static double reinmaxGrad(double piJ, double pj, double gsj, double piDotGs, double pDotGs) {
    return 2 * (piJ * (gsj - piDotGs)) - 0.5 * (pj * (gsj - pDotGs));
  }

  /** GST: theta'_j - max = 0 for j = D, min(theta_j - max, -gap) otherwise. */
  public static double gstShiftedLogit(double thetaJMinusMax, boolean isD, double gap) {
    if (isD) return 0;
    return Math.min(thetaJMinusMax, -gap);
  }

  /** GST-p's gap -log(1 - p_D') / p_D', p_D' = p_D (1 - 1e-5). */
  public static double gstGapP(double pD) {
    double pi = pD * (1 - 1e-5);
    return pi < 1e-8 ? 1 + pi / 2 : -Math.log1p(-pi) / pi;
  }

  /** RLOO: (f_s - mean f) / (S - 1), added to grad_{D_s}. */
  public static double rlooTerm(double fsMinusMean, int samples) {
    return fsMinusMean / (samples - 1);
  }

  /**
   * IndeCateR: p_j (G_j - centre), G_k the row's mean loss at class k less that of its most
   * probable class, centre = sum_k p_k G_k (math.h, indecater_grad).
   */
  public static double indecaterGrad(double pj, double gj, double centre) {
    return pj * (gj - centre);
  }

  /** One component of the softmax Jacobian-vector product J(s)^T g = s * (g - &lt;s, g&gt;). */
  public static double softmaxJvp(double sj, double gj, double sDotG) {
    return sj * (gj - sDotG);
  }

  /**
   * REINFORCE: (f - b) * (onehot(D)_j - p_j), where for j = D the factor 1 - p_D comes in as
   * pRest = sum_{i != D} p_i, which does not cancel as p_D tends to 1.
   */
  public static double reinforceGrad(double fMinusB, boolean isD, double pj, double pRest) {
    return fMinusB * (isD ? pRest : -pj);
  }
}
