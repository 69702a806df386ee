package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gradient each estimator sends into the networks ({@link Elbo#gradients}), against finite
 * differences where a finite difference is the truth: every parameter for the relaxed GS (its
 * loss is a smooth function of the parameters at fixed noise), the decoder's parameters for every
 * estimator (D does not depend on them), and, for REINFORCE, the encoder's output biases in
 * expectation against the exact gradient of the exact ELBO (enumerated).
 */
class ElboGradientTest {
  private static final Backend gr = Tiny.cpu();

  private static float[] batch(Split s, int n) {
    float[] x = new float[n * s.pixels()];
    s.range(0, n, x);
    return x;
  }

  /** Central differences of the loss Elbo.gradients reports, one parameter entry at a time. */
  private static double difference(VaeModel m, Estimator est, boolean binary, float[] x,
      int batch, NoiseKey key, int param, int entry, float eps) {
    float[][] p = m.read();
    float keep = p[param][entry];
    p[param][entry] = keep + eps;
    m.write(p);
    double up = Elbo.gradients(m, est, gr, x, batch, key, binary).loss();
    p[param][entry] = keep - eps;
    m.write(p);
    double down = Elbo.gradients(m, est, gr, x, batch, key, binary).loss();
    p[param][entry] = keep;
    m.write(p);
    Tiny.zeroGradients(m);
    return (up - down) / (2 * eps);
  }

  private static void check(VaeModel m, Estimator est, float[] x, int batch, NoiseKey key,
      boolean encoderToo) {
    check(m, est, false, x, batch, key, encoderToo);
  }

  private static void check(VaeModel m, Estimator est, boolean binary, float[] x, int batch,
      NoiseKey key, boolean encoderToo) {
    Tiny.zeroGradients(m);
    Elbo.gradients(m, est, gr, x, batch, key, binary);
    float[][] g = Tiny.gradients(m);
    Tiny.zeroGradients(m);
    int checked = 0;
    for (int i = 0; i < g.length; i++) {
      boolean decoder = m.names().get(i).startsWith("decoder.");
      if (!decoder && !encoderToo) continue;
      for (int e = 0; e < g[i].length; e += Math.max(1, g[i].length / 5)) {
        double fd = difference(m, est, binary, x, batch, key, i, e, 1e-2f);
        double tol = 2e-3 + 2e-2 * Math.abs(fd);
        assertTrue(Math.abs(g[i][e] - fd) <= tol, est.name() + " " + m.names().get(i) + "[" + e
            + "]: autograd " + g[i][e] + ", finite difference " + fd);
        checked++;
      }
    }
    assertTrue(checked >= 10, "checked " + checked);
  }

  @Test
  void gumbelSoftmaxMatchesFiniteDifferencesEverywhere() {
    Architecture a = Tiny.arch(2, 3, List.of(4), List.of(5));
    Split s = Tiny.split("train", 3, 21);
    try (VaeModel m = Tiny.model(a, s, 4)) {
      for (float tau : new float[] {0.5f, 1f}) {
        check(m, VaeEstimators.get("GS").factory().make(tau, new VaeEstimators.State()),
            batch(s, 3), 3, NoiseKey.of(12), true);
      }
    }
  }

  @Test
  void everyEstimatorGivesTheDecoderItsExactGradient() {
    Architecture a = Tiny.arch(2, 3, List.of(4), List.of(5));
    Split s = Tiny.split("train", 4, 22);
    Architecture binaryArch = Tiny.arch(3, 2, List.of(4), List.of(5));
    int checked = 0;
    for (VaeEstimators.Entry e : VaeEstimators.all()) {
      Architecture arch = e.appliesTo(3) ? a : binaryArch;
      try (VaeModel m = Tiny.model(arch, s, 5)) {
        check(m, e.factory().make(0.5f, new VaeEstimators.State()),
            e.binary(), batch(s, 4), 4, NoiseKey.of(31), false);
        checked++;
      }
    }
    assertEquals(VaeEstimators.all().size(), checked);
  }

  /** IndeCateR (a table of losses) is refused by name, saying why. */
  @Test
  void aLossTableEstimatorIsRefusedSayingWhy() {
    for (String name : List.of("IndeCateR-1", "indecater-3")) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class, () -> VaeEstimators.parse("ST-GS," + name));
      assertTrue(e.getMessage().startsWith("--estimators: " + name + " takes a table of losses"),
          e.getMessage());
    }
    assertTrue(VaeEstimators.all().stream().noneMatch(e -> e.name().startsWith("IndeCateR")));
  }

  @Test
  void theBinaryEstimatorsApplyToTwoClassVariablesOnly() {
    for (String name : List.of("DisARM", "ZGR-binary", "ARMS-4")) {
      VaeEstimators.Entry e = VaeEstimators.get(name);
      assertTrue(e.binary() && e.appliesTo(2) && !e.appliesTo(4) && !e.appliesTo(16), name);
      Architecture a = Tiny.arch(2, 3, List.of(4), List.of(5));
      Split s = Tiny.split("train", 2, 25);
      try (VaeModel m = new VaeModel(a, 5, s.pixelMeans())) {
        IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> Elbo.gradients(m,
                e.factory().make(1f, new VaeEstimators.State()), gr, batch(s, 2), 2,
                NoiseKey.of(3), true));
        assertTrue(ex.getMessage().contains("2-class"), ex.getMessage());
      }
    }
  }

  /**
   * REINFORCE is unbiased: over 16,000 draws (one image repeated in batches of 400, so the
   * gradient of the encoder's output biases is that of the image's logits), the mean gradient
   * is the exact dL/dlogits of the enumerated -ELBO, within 5 standard errors.
   */
  @Test
  void reinforceIsUnbiasedForTheEncoder() {
    unbiased("REINFORCE", 3);
  }

  /** RLOO-2 (two draws per image, each the other's baseline) is unbiased too. */
  @Test
  void rlooIsUnbiasedForTheEncoder() {
    unbiased("RLOO-2", 3);
  }

  /**
   * DisARM on 2-class variables through eta = theta_1 - theta_0 is unbiased for the logits of
   * both classes: a wrong sign, class order or scale of the mapping fails this.
   */
  @Test
  void disarmOnTwoClassVariablesIsUnbiasedForTheEncoder() {
    unbiased("DisARM", 2);
  }

  /**
   * ARMS-4 (four copula draws per variable, each image's loss per draw) is unbiased for the
   * encoder too: its correlation correction, the draws' layout and the 2-class mapping all enter.
   */
  @Test
  void armsOnTwoClassVariablesIsUnbiasedForTheEncoder() {
    unbiased("ARMS-4", 2);
  }

  /**
   * ZGR-binary on 2-class variables is the categorical ZGR at arity 2 (the same formula, other
   * noise: logistic against Gumbel): their mean encoder gradients agree within 5 standard errors
   * of the difference, and neither is zero.
   */
  @Test
  void zgrBinaryOnTwoClassVariablesMatchesZgrInExpectation() {
    Architecture a = Tiny.arch(2, 2, List.of(4), List.of(5));
    Split one = Tiny.split("train", 1, 26);
    int batch = 400, calls = 20, v = 2, n = 2;
    float[] x = repeated(one, batch);
    try (VaeModel m = Tiny.model(a, one, 8)) {
      double[][] zb = meanGradient(m, VaeEstimators.get("ZGR-binary"), x, batch, calls, v * n);
      double[][] z = meanGradient(m, VaeEstimators.get("ZGR"), x, batch, calls, v * n);
      double norm = 0;
      for (int j = 0; j < v * n; j++) {
        double se = Math.hypot(zb[1][j], z[1][j]);
        assertTrue(Math.abs(zb[0][j] - z[0][j]) <= 5 * se + 1e-4, "logit " + j
            + ": ZGR-binary " + zb[0][j] + " +- " + zb[1][j] + ", ZGR " + z[0][j] + " +- "
            + z[1][j]);
        norm += z[0][j] * z[0][j];
      }
      assertTrue(norm > 1e-4, "gradients not trivially zero: " + norm);
    }
  }

  private static float[] repeated(Split one, int batch) {
    float[] x = new float[batch * Tiny.PIXELS];
    float[] img = new float[Tiny.PIXELS];
    one.range(0, 1, img);
    for (int b = 0; b < batch; b++) System.arraycopy(img, 0, x, b * Tiny.PIXELS, Tiny.PIXELS);
    return x;
  }

  /** The mean and standard error of the encoder's output-bias gradient over {@code calls}. */
  private static double[][] meanGradient(VaeModel m, VaeEstimators.Entry e, float[] x, int batch,
      int calls, int logits) {
    Estimator est = e.factory().make(1f, new VaeEstimators.State());
    int bias = m.names().indexOf(m.names().stream().filter(s -> s.startsWith("encoder."))
        .reduce((p, q) -> q).orElseThrow());
    double[] sum = new double[logits], sq = new double[logits];
    for (int c = 0; c < calls; c++) {
      Tiny.zeroGradients(m);
      Elbo.gradients(m, est, gr, x, batch, NoiseKey.of(1000 + c), e.binary());
      float[] g = Tiny.gradients(m)[bias];
      for (int j = 0; j < logits; j++) {
        sum[j] += g[j];
        sq[j] += (double) g[j] * g[j];
      }
    }
    double[][] out = new double[2][logits];
    for (int j = 0; j < logits; j++) {
      out[0][j] = sum[j] / calls;
      out[1][j] = Math.sqrt(Math.max(0, sq[j] / calls - out[0][j] * out[0][j]) / calls);
    }
    return out;
  }

  /**
   * Over 16,000 draws (one image repeated in batches of 400, so the gradient of the encoder's
   * output biases is that of the image's logits), the mean gradient of the score-function
   * estimator is the exact dL/dlogits of the enumerated -ELBO, within 5 standard errors.
   */
  private void unbiased(String name, int n) {
    Architecture a = Tiny.arch(2, n, List.of(4), List.of(5));
    Split one = Tiny.split("train", 1, 23);
    int batch = 400, calls = 40, v = 2;
    float[] x = new float[batch * Tiny.PIXELS];
    float[] img = new float[Tiny.PIXELS];
    one.range(0, 1, img);
    for (int b = 0; b < batch; b++) System.arraycopy(img, 0, x, b * Tiny.PIXELS, Tiny.PIXELS);
    try (VaeModel m = Tiny.model(a, one, 6)) {
      double[] exact = exactLogitGradient(m, img);
      VaeEstimators.Entry entry = VaeEstimators.get(name);
      Estimator est = entry.factory().make(1f, new VaeEstimators.State());
      int bias = m.names().indexOf(m.names().stream().filter(s -> s.startsWith("encoder."))
          .reduce((p, q) -> q).orElseThrow());
      double[] sum = new double[v * n], sq = new double[v * n];
      for (int c = 0; c < calls; c++) {
        Tiny.zeroGradients(m);
        Elbo.gradients(m, est, gr, x, batch, NoiseKey.of(1000 + c), entry.binary());
        float[] g = Tiny.gradients(m)[bias];
        for (int j = 0; j < v * n; j++) {
          sum[j] += g[j];
          sq[j] += (double) g[j] * g[j];
        }
      }
      for (int j = 0; j < v * n; j++) {
        double mean = sum[j] / calls;
        double se = Math.sqrt((sq[j] / calls - mean * mean) / calls);
        assertTrue(se < 0.05, "standard error " + se);
        assertTrue(Math.abs(mean - exact[j]) <= 5 * se + 1e-3, "logit " + j + ": " + name + " "
            + mean + " +- " + se + ", exact " + exact[j]);
      }
    }
  }

  /** d(-ELBO)/dlogits of one image by enumeration of D and central differences in double. */
  private static double[] exactLogitGradient(VaeModel m, float[] img) {
    Architecture a = m.architecture();
    int v = a.variables(), n = a.arity(), configs = (int) Math.pow(n, v);
    double[] nll = new double[configs];
    float[] z = Tiny.allCodes(v, n);
    float[] theta;
    try (NDManager mm = m.manager().newSubManager()) {
      float[] r = m.decode(mm.create(z, new Shape(configs, v * n)), false).toFloatArray();
      for (int c = 0; c < configs; c++) {
        for (int p = 0; p < a.pixels(); p++) {
          double rr = r[c * a.pixels() + p];
          nll[c] += Tiny.softplus(rr) - img[p] * rr;
        }
      }
      NDArray lg = m.encode(mm.create(img, new Shape(1, a.pixels())), false);
      theta = lg.toFloatArray();
    }
    double[] grad = new double[v * n];
    double h = 1e-6;
    for (int j = 0; j < v * n; j++) {
      double[] t = new double[v * n];
      for (int q = 0; q < t.length; q++) t[q] = theta[q];
      t[j] += h;
      double up = negativeElbo(t, nll, v, n);
      t[j] -= 2 * h;
      grad[j] = (up - negativeElbo(t, nll, v, n)) / (2 * h);
    }
    return grad;
  }

  private static double negativeElbo(double[] theta, double[] nll, int v, int n) {
    double[][] q = new double[v][n];
    double kl = 0;
    for (int i = 0; i < v; i++) {
      double max = Double.NEGATIVE_INFINITY, s = 0;
      for (int k = 0; k < n; k++) max = Math.max(max, theta[i * n + k]);
      for (int k = 0; k < n; k++) s += Math.exp(theta[i * n + k] - max);
      for (int k = 0; k < n; k++) {
        q[i][k] = Math.exp(theta[i * n + k] - max) / s;
        kl += q[i][k] * Math.log(q[i][k] * n);
      }
    }
    double e = 0;
    for (int c = 0; c < nll.length; c++) {
      double p = 1;
      int rest = c;
      for (int i = 0; i < v; i++) {
        p *= q[i][rest % n];
        rest /= n;
      }
      e += p * nll[c];
    }
    return e + kl;
  }
}
