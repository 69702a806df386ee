package dev.gumbelrao.toy;

/**
 * The toy problem of the paper's Figure 1 (Paulus, Maddison, Krause, ICLR 2021, Section 6.1):
 * three categories, Q_ij = exp(-2 |i - j|), c_i = 1/3, and
 * f(D) = (D - c)^T A(p) (D - c) with
 * <pre>
 *   A_ii = (p_i - c_i)^2 / (p_i - 2 p_i c_i + c_i^2) Q_ii
 *   A_ij = (p_i - c_i)(p_j - c_j) / (c_i c_j - p_i c_j - c_i p_j) Q_ij     (i != j)
 * </pre>
 * chosen so that E_{D ~ p}[f(D)] = (p - c)^T Q (p - c). With A held fixed, the upstream gradient
 * at a one-hot D is u = 2 A (D - c), and the exact gradient through the discrete sample is
 * J(p)^T [f(e_1), f(e_2), f(e_3)] with J(p) = diag(p) - p p^T (theta = log p). A is singular
 * where p_k = 2/3 for some k; grids that avoid those lines are used.
 */
public final class ToyProblem {
  public static final int ARITY = 3;
  private static final double C = 1.0 / 3;

  private final double[] p;
  private final double[][] a = new double[ARITY][ARITY];

  public ToyProblem(double[] p) {
    if (p.length != ARITY) throw new IllegalArgumentException("p must have 3 entries");
    this.p = p.clone();
    for (int i = 0; i < ARITY; i++) {
      for (int j = 0; j < ARITY; j++) {
        double q = Math.exp(-2.0 * Math.abs(i - j));
        double denominator = i == j ? p[i] - 2 * p[i] * C + C * C : C * C - p[i] * C - C * p[j];
        a[i][j] = (p[i] - C) * (p[j] - C) / denominator * q;
      }
    }
  }

  public double[] probabilities() {
    return p.clone();
  }

  /** f(e_d) = (e_d - c)^T A (e_d - c). */
  public double loss(int d) {
    double f = 0;
    for (int i = 0; i < ARITY; i++) {
      for (int j = 0; j < ARITY; j++) {
        f += ((i == d ? 1 : 0) - C) * a[i][j] * ((j == d ? 1 : 0) - C);
      }
    }
    return f;
  }

  /** E_{D ~ p}[f(D)] = sum_d p_d f(e_d); equals (p - c)^T Q (p - c) by construction. */
  public double expectedLoss() {
    double e = 0;
    for (int d = 0; d < ARITY; d++) e += p[d] * loss(d);
    return e;
  }

  /** u = df/dD = 2 A (D - c) at D = e_d (A symmetric), written into out[off..off+3). */
  public void upstream(int d, float[] out, int off) {
    for (int i = 0; i < ARITY; i++) {
      double u = 0;
      for (int j = 0; j < ARITY; j++) u += 2 * a[i][j] * ((j == d ? 1 : 0) - C);
      out[off + i] = (float) u;
    }
  }

  /**
   * u = 2 A (y - c) at a relaxed sample y = y[yOff..yOff+3) (the relaxed Gumbel-Softmax feeds f
   * the soft y instead of a one-hot D), written into out[off..off+3).
   */
  public void upstream(float[] y, int yOff, float[] out, int off) {
    for (int i = 0; i < ARITY; i++) {
      double u = 0;
      for (int j = 0; j < ARITY; j++) u += 2 * a[i][j] * (y[yOff + j] - C);
      out[off + i] = (float) u;
    }
  }

  /** The exact gradient of E[f(D)] with respect to theta = log p: J(p)^T [f(e_1), f(e_2), f(e_3)]. */
  public double[] exactGradient() {
    double mean = expectedLoss();
    double[] g = new double[ARITY];
    for (int i = 0; i < ARITY; i++) g[i] = p[i] * (loss(i) - mean);
    return g;
  }
}
