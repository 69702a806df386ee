package dev.gumbelrao.toy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The measurements of one toy run: per temperature, estimator and grid point. */
public final class ToyResult {
  private final ToyExperiment.Config config;
  private final List<double[]> points;
  private final double[][] exact;
  private final String backend;
  /** [tau][estimator][point] */
  private final double[][][] traceCov, logTraceCov, mse, squaredBias;
  private final double[][][][] mean;

  ToyResult(ToyExperiment.Config config, List<double[]> points, double[][] exact,
      String backend) {
    this.config = config;
    this.points = points;
    this.exact = exact;
    this.backend = backend;
    int t = config.taus().length, e = config.estimators().size(), p = points.size();
    traceCov = new double[t][e][p];
    logTraceCov = new double[t][e][p];
    mse = new double[t][e][p];
    squaredBias = new double[t][e][p];
    mean = new double[t][e][p][];
  }

  /**
   * Statistics of the m gradient rows starting at row `first` of grad, for one grid point: the
   * unbiased tr Cov (divided by m - 1), the MSE to the exact gradient (divided by m) and the
   * squared bias |mean - exact|^2 of the rows' mean; MSE = tr Cov (m - 1) / m + squared bias,
   * exactly but for rounding.
   */
  void record(int tau, int estimator, int point, float[] grad, int first, int m) {
    int arity = ToyProblem.ARITY;
    double[] mu = new double[arity];
    for (int r = first; r < first + m; r++) {
      for (int j = 0; j < arity; j++) mu[j] += grad[r * arity + j];
    }
    for (int j = 0; j < arity; j++) mu[j] /= m;
    double trace = 0, sq = 0, bias = 0;
    double[] ex = exact[point];
    for (int r = first; r < first + m; r++) {
      for (int j = 0; j < arity; j++) {
        double v = grad[r * arity + j];
        trace += (v - mu[j]) * (v - mu[j]);
        sq += (v - ex[j]) * (v - ex[j]);
      }
    }
    for (int j = 0; j < arity; j++) bias += (mu[j] - ex[j]) * (mu[j] - ex[j]);
    trace /= m - 1;
    traceCov[tau][estimator][point] = trace;
    logTraceCov[tau][estimator][point] = Math.log10(Math.max(trace, Double.MIN_NORMAL));
    mse[tau][estimator][point] = sq / m;
    squaredBias[tau][estimator][point] = bias;
    mean[tau][estimator][point] = mu;
  }

  public ToyExperiment.Config config() {
    return config;
  }

  public List<double[]> points() {
    return points;
  }

  public String backend() {
    return backend;
  }

  /** log10 tr Cov of one estimator at one point. */
  public double logTraceCov(int tau, int estimator, int point) {
    return logTraceCov[tau][estimator][point];
  }

  /** tr Cov of one estimator at one point (unbiased: divided by m - 1). */
  public double traceCov(int tau, int estimator, int point) {
    return traceCov[tau][estimator][point];
  }

  /** The MSE to the exact gradient of one estimator at one point. */
  public double mse(int tau, int estimator, int point) {
    return mse[tau][estimator][point];
  }

  /** |mean - exact|^2 of one estimator at one point: the Monte Carlo mean's squared bias. */
  public double squaredBias(int tau, int estimator, int point) {
    return squaredBias[tau][estimator][point];
  }

  /** The exact gradient at one point. */
  public double[] exactGradient(int point) {
    return exact[point].clone();
  }

  /** Mean over the grid of log10 tr Cov. */
  public double meanLogTraceCov(int tau, int estimator) {
    double s = 0;
    for (double v : logTraceCov[tau][estimator]) s += v;
    return s / points.size();
  }

  /** Mean over the grid of the MSE to the exact gradient. */
  public double meanMse(int tau, int estimator) {
    double s = 0;
    for (double v : mse[tau][estimator]) s += v;
    return s / points.size();
  }

  /** Mean over the grid of the squared bias of the estimates' mean. */
  public double meanSquaredBias(int tau, int estimator) {
    double s = 0;
    for (double v : squaredBias[tau][estimator]) s += v;
    return s / points.size();
  }

  /** Fraction of grid points where estimator a has a smaller MSE than estimator b. */
  public double fractionLowerMse(int tau, int a, int b) {
    int n = 0;
    for (int p = 0; p < points.size(); p++) {
      if (mse[tau][a][p] < mse[tau][b][p]) n++;
    }
    return (double) n / points.size();
  }

  /** Fraction of grid points where estimator a has a smaller tr Cov than estimator b. */
  public double fractionLower(int tau, int a, int b) {
    int n = 0;
    for (int p = 0; p < points.size(); p++) {
      if (logTraceCov[tau][a][p] < logTraceCov[tau][b][p]) n++;
    }
    return (double) n / points.size();
  }

  public int indexOf(String estimator) {
    List<ToyEstimator> es = config.estimators();
    for (int i = 0; i < es.size(); i++) {
      if (es.get(i).name().equals(estimator)) return i;
    }
    return -1;
  }

  /** The name as the tables print it: marked with * when not single-evaluation comparable. */
  private static String label(ToyEstimator e) {
    return e.singleEvaluation() ? e.name() : e.name() + "*";
  }

  private interface Statistic {
    double of(int tau, int estimator);
  }

  private void section(StringBuilder sb, String title, String header, String format,
      Statistic statistic) {
    List<ToyEstimator> es = config.estimators();
    sb.append('\n').append(title).append('\n').append(header).append('\n');
    for (int e = 0; e < es.size(); e++) {
      sb.append(String.format(Locale.ROOT, NAME, label(es.get(e))));
      for (int t = 0; t < config.taus().length; t++) {
        sb.append(String.format(Locale.ROOT, format, statistic.of(t, e)));
      }
      sb.append('\n');
    }
  }

  private static final String NAME = "%-26s";
  private static final String ZERO = "(zero gradient)";

  /** Mean over the grid of |exact gradient|^2: the MSE of the estimator that returns 0. */
  public double meanSquaredExact() {
    double s = 0;
    for (double[] g : exact) {
      for (double v : g) s += v * v;
    }
    return s / points.size();
  }

  /**
   * The printed table: per temperature, the means over the simplex of log10 tr Cov, of the MSE
   * and of the squared bias; every estimator against ST-GS; the total derivative of GR-MCK
   * against the detached one; the lowest MSE at each temperature; and notes on what is not
   * comparable, what does not use tau, REINFORCE's baseline and the binary estimators.
   */
  public String table() {
    StringBuilder sb = new StringBuilder();
    float[] taus = config.taus();
    List<ToyEstimator> es = config.estimators();
    StringBuilder h = new StringBuilder(String.format(Locale.ROOT, NAME, "estimator"));
    for (float t : taus) h.append(String.format(Locale.ROOT, "%14s", "tau=" + t));
    String header = h.toString();
    sb.append(String.format(Locale.ROOT, "Toy experiment (Paulus et al. 2021, Figure 1): %d grid "
        + "points, %d draws each, seed %d, %s%n", points.size(), config.draws(), config.seed(),
        backend));
    section(sb, "mean over the simplex of log10 tr Cov (lower is better)", header, "%14.3f",
        this::meanLogTraceCov);
    section(sb, "mean over the simplex of the MSE to the exact gradient (the zero gradient's is "
        + "the mean |exact|^2: an estimator above it does worse than no gradient)", header,
        "%14.4g", this::meanMse);
    sb.append(String.format(Locale.ROOT, NAME, ZERO));
    for (int t = 0; t < taus.length; t++) {
      sb.append(String.format(Locale.ROOT, "%14.4g", meanSquaredExact()));
    }
    sb.append('\n');
    section(sb, "mean over the simplex of the squared bias |mean - exact|^2 (MSE = tr Cov "
        + "(m-1)/m + bias^2 at each point, m = " + config.draws() + "; an unbiased estimator "
        + "shows about tr Cov / m)", header, "%14.4g", this::meanSquaredBias);

    int stgs = indexOf("ST-GS");
    if (stgs >= 0 && es.size() > 1) {
      sb.append("\nagainst ST-GS: mean of log10 tr Cov(ST-GS) - log10 tr Cov(estimator) "
          + "[fraction of points where the estimator is lower]\n").append(header).append('\n');
      for (int e = 0; e < es.size(); e++) {
        if (e == stgs) continue;
        sb.append(String.format(Locale.ROOT, NAME, label(es.get(e)) + " vs ST-GS"));
        for (int t = 0; t < taus.length; t++) {
          double diff = meanLogTraceCov(t, stgs) - meanLogTraceCov(t, e);
          sb.append(String.format(Locale.ROOT, "%14s", String.format(Locale.ROOT, "%.2f [%.0f%%]",
              diff, 100 * fractionLower(t, e, stgs))));
        }
        sb.append('\n');
      }
    }

    StringBuilder pairs = new StringBuilder();
    for (int e = 0; e < es.size(); e++) {
      ToyEstimator total = es.get(e), reference = total.variantOf();
      if (reference == null) continue;
      int detached = indexOf(reference.name());
      if (detached < 0) continue;
      pairs.append(String.format(Locale.ROOT, NAME, total.name()));
      for (int t = 0; t < taus.length; t++) {
        pairs.append(String.format(Locale.ROOT, "%14s", String.format(Locale.ROOT,
            "%.3f [%.0f%%]", meanMse(t, e) / meanMse(t, detached),
            100 * fractionLowerMse(t, e, detached))));
      }
      pairs.append('\n');
    }
    if (pairs.length() > 0) {
      sb.append("\ntotal derivative against detached: mean MSE(GR-MCK-total) / mean MSE(GR-MCK) "
          + "[fraction of points where the total derivative's MSE is lower]\n").append(header)
          .append('\n').append(pairs);
    }

    sb.append("\nlowest mean MSE among the single-evaluation estimators, and by how much\n");
    for (int t = 0; t < taus.length; t++) {
      int best = -1, next = -1, marked = -1;
      for (int e = 0; e < es.size(); e++) {
        double v = meanMse(t, e);
        if (!es.get(e).singleEvaluation()) {
          if (marked < 0 || v < meanMse(t, marked)) marked = e;
        } else if (best < 0 || v < meanMse(t, best)) {
          next = best;
          best = e;
        } else if (next < 0 || v < meanMse(t, next)) {
          next = e;
        }
      }
      sb.append(String.format(Locale.ROOT, "  tau=%s: ", taus[t]));
      if (best < 0) {
        sb.append("none run");
      } else {
        sb.append(String.format(Locale.ROOT, "%s %.4g", es.get(best).name(), meanMse(t, best)));
        if (next >= 0) {
          sb.append(String.format(Locale.ROOT, ", %.3gx lower than the next, %s %.4g",
              meanMse(t, next) / meanMse(t, best), es.get(next).name(), meanMse(t, next)));
        }
      }
      sb.append(String.format(Locale.ROOT, "; the zero gradient %.4g", meanSquaredExact()));
      if (marked >= 0 && (best < 0 || meanMse(t, marked) < meanMse(t, best))) {
        sb.append(String.format(Locale.ROOT, " (lower still: %s %.4g)", label(es.get(marked)),
            meanMse(t, marked)));
      }
      sb.append('\n');
    }

    sb.append("\nnotes:\n");
    if (es.stream().anyMatch(e -> !e.singleEvaluation())) {
      sb.append("  * not comparable with the single-evaluation estimators:");
      if (es.stream().anyMatch(e -> e.evaluations() > 1)) {
        sb.append(" RLOO-S evaluates f at S samples per estimate;");
      }
      if (es.stream().anyMatch(ToyEstimator::relaxed)) {
        sb.append(" GS evaluates f at the relaxed y and estimates the gradient of E[f(y)], not "
            + "of E[f(D)];");
      }
      sb.setLength(sb.length() - 1);
      sb.append('\n');
    }
    List<String> tauFree = es.stream().filter(e -> !e.usesTau()).map(ToyEstimator::name)
        .toList();
    if (!tauFree.isEmpty()) {
      sb.append("  ").append(String.join(", ", tauFree)).append(tauFree.size() == 1 ? " does"
          : " do").append(" not use tau: each column has its own draws, so the spread across "
          + "a row is the table's Monte Carlo noise\n");
    }
    if (es.stream().anyMatch(e -> e.scoreFunction() && e.evaluations() == 1)) {
      sb.append("  REINFORCE's baseline is the exact E_p[f(D)] of each grid point, an oracle "
          + "constant (unbiased, draws independent) that a learned baseline only approaches; "
          + "RLOO-S is the practical one\n");
    }
    sb.append("  ").append(ToyEstimator.binaryList()).append(" are binary "
        + "estimators (one logit per Bernoulli variable): they do not apply to this 3-class "
        + "problem and are not run\n");
    sb.append("  IndeCateR evaluates f at every class (a table of losses): on this one-variable "
        + "problem that is the exact gradient, so it is not run\n");
    return sb.toString();
  }

  /** One line per (tau, estimator, point). */
  public void writeCsv(Path path) throws IOException {
    try (Writer w = Files.newBufferedWriter(path); PrintWriter out = new PrintWriter(w)) {
      out.println("tau,estimator,p1,p2,p3,log10_trace_cov,mse,mean_g1,mean_g2,mean_g3,"
          + "exact_g1,exact_g2,exact_g3,trace_cov,sq_bias");
      float[] taus = config.taus();
      for (int t = 0; t < taus.length; t++) {
        for (int e = 0; e < config.estimators().size(); e++) {
          for (int p = 0; p < points.size(); p++) {
            double[] pt = points.get(p), mu = mean[t][e][p], ex = exact[p];
            out.printf(Locale.ROOT, "%s,%s,%.6f,%.6f,%.6f,%.6f,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,"
                + "%.6g,%.6g%n", taus[t], config.estimators().get(e).name(), pt[0], pt[1], pt[2],
                logTraceCov[t][e][p], mse[t][e][p], mu[0], mu[1], mu[2], ex[0], ex[1], ex[2],
                traceCov[t][e][p], squaredBias[t][e][p]);
          }
        }
      }
    }
  }

  /**
   * The summary table as CSV: tau, estimator, the means over the simplex of log10 tr Cov, of the
   * MSE and of the squared bias, evaluations of f per estimate, whether f saw a relaxed sample,
   * whether the estimator uses tau.
   */
  public void writeSummaryCsv(Path path) throws IOException {
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(path))) {
      out.println("tau,estimator,mean_log10_trace_cov,mean_mse,mean_sq_bias,evaluations,relaxed,"
          + "uses_tau");
      for (int t = 0; t < config.taus().length; t++) {
        for (int e = 0; e < config.estimators().size(); e++) {
          ToyEstimator est = config.estimators().get(e);
          out.printf(Locale.ROOT, "%s,%s,%.6f,%.6g,%.6g,%d,%b,%b%n", config.taus()[t],
              est.name(), meanLogTraceCov(t, e), meanMse(t, e), meanSquaredBias(t, e),
              est.evaluations(), est.relaxed(), est.usesTau());
        }
      }
    }
  }
}
