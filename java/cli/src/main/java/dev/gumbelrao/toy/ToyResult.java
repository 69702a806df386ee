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
  private final double[][][] logTraceCov, mse;
  private final double[][][][] mean;

  ToyResult(ToyExperiment.Config config, List<double[]> points, double[][] exact,
      String backend) {
    this.config = config;
    this.points = points;
    this.exact = exact;
    this.backend = backend;
    int t = config.taus().length, e = config.estimators().size(), p = points.size();
    logTraceCov = new double[t][e][p];
    mse = new double[t][e][p];
    mean = new double[t][e][p][];
  }

  /** Statistics of the m gradient rows starting at row `first` of grad, for one grid point. */
  void record(int tau, int estimator, int point, float[] grad, int first, int m) {
    int arity = ToyProblem.ARITY;
    double[] mu = new double[arity];
    for (int r = first; r < first + m; r++) {
      for (int j = 0; j < arity; j++) mu[j] += grad[r * arity + j];
    }
    for (int j = 0; j < arity; j++) mu[j] /= m;
    double trace = 0, sq = 0;
    double[] ex = exact[point];
    for (int r = first; r < first + m; r++) {
      for (int j = 0; j < arity; j++) {
        double v = grad[r * arity + j];
        trace += (v - mu[j]) * (v - mu[j]);
        sq += (v - ex[j]) * (v - ex[j]);
      }
    }
    trace /= m - 1;
    logTraceCov[tau][estimator][point] = Math.log10(Math.max(trace, Double.MIN_NORMAL));
    mse[tau][estimator][point] = sq / m;
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

  /** The printed table: mean log10 tr Cov, mean MSE, and GR against ST-GS, per temperature. */
  public String table() {
    StringBuilder sb = new StringBuilder();
    float[] taus = config.taus();
    List<ToyEstimator> es = config.estimators();
    String header = String.format(Locale.ROOT, "%-22s", "estimator");
    StringBuilder h = new StringBuilder(header);
    for (float t : taus) h.append(String.format(Locale.ROOT, "%12s", "tau=" + t));
    sb.append(String.format(Locale.ROOT, "Toy experiment (Paulus et al. 2021, Figure 1): %d grid "
        + "points, %d draws each, seed %d, %s%n%n", points.size(), config.draws(), config.seed(),
        backend));
    sb.append("mean over the simplex of log10 tr Cov (lower is better)\n").append(h).append('\n');
    for (int e = 0; e < es.size(); e++) {
      sb.append(String.format(Locale.ROOT, "%-22s", es.get(e).name()));
      for (int t = 0; t < taus.length; t++) {
        sb.append(String.format(Locale.ROOT, "%12.3f", meanLogTraceCov(t, e)));
      }
      sb.append('\n');
    }
    sb.append("\nmean over the simplex of the MSE to the exact gradient\n").append(h).append('\n');
    for (int e = 0; e < es.size(); e++) {
      sb.append(String.format(Locale.ROOT, "%-22s", es.get(e).name()));
      for (int t = 0; t < taus.length; t++) {
        sb.append(String.format(Locale.ROOT, "%12.4g", meanMse(t, e)));
      }
      sb.append('\n');
    }
    int stgs = indexOf("ST-GS");
    if (stgs >= 0) {
      sb.append("\nGumbel-Rao against ST-GS: mean of log10 tr Cov(ST-GS) - log10 tr Cov(GR) "
          + "[fraction of points where GR is lower]\n").append(h).append('\n');
      for (int e = 0; e < es.size(); e++) {
        if (es.get(e).kind() != ToyEstimator.Kind.GUMBEL_RAO) continue;
        sb.append(String.format(Locale.ROOT, "%-22s", es.get(e).name() + " vs ST-GS"));
        for (int t = 0; t < taus.length; t++) {
          double diff = meanLogTraceCov(t, stgs) - meanLogTraceCov(t, e);
          sb.append(String.format(Locale.ROOT, "%12s", String.format(Locale.ROOT, "%.2f [%.0f%%]",
              diff, 100 * fractionLower(t, e, stgs))));
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  /** One line per (tau, estimator, point). */
  public void writeCsv(Path path) throws IOException {
    try (Writer w = Files.newBufferedWriter(path); PrintWriter out = new PrintWriter(w)) {
      out.println("tau,estimator,p1,p2,p3,log10_trace_cov,mse,mean_g1,mean_g2,mean_g3,"
          + "exact_g1,exact_g2,exact_g3");
      float[] taus = config.taus();
      for (int t = 0; t < taus.length; t++) {
        for (int e = 0; e < config.estimators().size(); e++) {
          for (int p = 0; p < points.size(); p++) {
            double[] pt = points.get(p), mu = mean[t][e][p], ex = exact[p];
            out.printf(Locale.ROOT, "%s,%s,%.6f,%.6f,%.6f,%.6f,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g%n",
                taus[t], config.estimators().get(e).name(), pt[0], pt[1], pt[2],
                logTraceCov[t][e][p], mse[t][e][p], mu[0], mu[1], mu[2], ex[0], ex[1], ex[2]);
          }
        }
      }
    }
  }

  /** The summary table as CSV: tau, estimator, mean log10 tr Cov, mean MSE. */
  public void writeSummaryCsv(Path path) throws IOException {
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(path))) {
      out.println("tau,estimator,mean_log10_trace_cov,mean_mse");
      for (int t = 0; t < config.taus().length; t++) {
        for (int e = 0; e < config.estimators().size(); e++) {
          out.printf(Locale.ROOT, "%s,%s,%.6f,%.6g%n", config.taus()[t],
              config.estimators().get(e).name(), meanLogTraceCov(t, e), meanMse(t, e));
        }
      }
    }
  }
}
