package example;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import java.util.SplittableRandom;

/**
 * A discrete autoencoder on plain arrays: x (binary pixels) goes through a linear encoder to the
 * logits of {@code variables} categorical variables of {@code arity} classes each; their one-hot
 * sample z goes through a linear decoder to Bernoulli logits r; the loss is the Bernoulli
 * negative log-likelihood sum_i softplus(r_i) - x_i r_i. Trained by SGD with momentum through
 * any estimator of the library: the training step does not change when the estimator does.
 */
public final class DiscreteAutoencoder {
  private final int pixels, variables, arity, codes;
  private final float[] we, be, wd, bd;  // encoder codes x pixels, decoder pixels x codes
  private final float[] vwe, vbe, vwd, vbd;  // momentum
  private final float learningRate, momentum;
  private float[] logits, oneHot, upstream, gradLogits, rowLosses, gwe, gbe, gwd, gbd;

  public DiscreteAutoencoder(int pixels, int variables, int arity, float learningRate,
      float momentum, long seed) {
    this.pixels = pixels;
    this.variables = variables;
    this.arity = arity;
    this.codes = variables * arity;
    this.learningRate = learningRate;
    this.momentum = momentum;
    SplittableRandom rnd = new SplittableRandom(seed);
    we = gaussian(rnd, codes * pixels, 1 / Math.sqrt(pixels));
    wd = gaussian(rnd, pixels * codes, 1 / Math.sqrt(variables));
    be = new float[codes];
    bd = new float[pixels];
    vwe = new float[we.length];
    vbe = new float[be.length];
    vwd = new float[wd.length];
    vbd = new float[bd.length];
  }

  // snippet: estimator-step
  /** One SGD step on a batch of examples (batch x pixels); returns the mean loss. */
  public double step(Backend gr, Estimator estimator, float[] x, int batch, NoiseKey key) {
    int rows = batch * variables;                      // one categorical variable per row
    allocate(batch);
    encode(x, batch, logits);                          // logits = W_e x + b_e: rows x arity
    Sample z = estimator.forward(gr, logits, rows, arity, key, oneHot);
    double loss = decode(oneHot, x, batch);            // upstream = dL/d(oneHot), rowLosses
    if (estimator instanceof PathwiseEstimator pathwise) {
      pathwise.backward(z, upstream, gradLogits);      // ST, ST-GS, GS, GR-MCK: dL/dlogits
    } else {
      ((ScoreFunctionEstimator) estimator).backward(z, rowLosses, gradLogits);  // REINFORCE
    }
    encoderGradients(x, batch, gradLogits);
    update();
    return loss;
  }
  // end snippet

  /** The mean loss of a batch at the sample D = argmax logits (no learning). */
  public double loss(float[] x, int batch) {
    allocate(batch);
    encode(x, batch, logits);
    java.util.Arrays.fill(oneHot, 0f);
    for (int r = 0; r < batch * variables; r++) {
      int best = 0;
      for (int j = 1; j < arity; j++) {
        if (logits[r * arity + j] > logits[r * arity + best]) best = j;
      }
      oneHot[r * arity + best] = 1f;
    }
    return decode(oneHot, x, batch);
  }

  private void allocate(int batch) {
    if (logits != null && logits.length == batch * codes) return;
    logits = new float[batch * codes];
    oneHot = new float[batch * codes];
    upstream = new float[batch * codes];
    gradLogits = new float[batch * codes];
    rowLosses = new float[batch * variables];
    gwe = new float[we.length];
    gbe = new float[be.length];
    gwd = new float[wd.length];
    gbd = new float[bd.length];
  }

  private void encode(float[] x, int batch, float[] out) {
    for (int b = 0; b < batch; b++) {
      for (int c = 0; c < codes; c++) {
        double s = be[c];
        for (int i = 0; i < pixels; i++) s += we[c * pixels + i] * x[b * pixels + i];
        out[b * codes + c] = (float) s;
      }
    }
  }

  /**
   * The decoder and its loss: fills upstream = dL/dz, each variable's loss (its example's) and
   * the decoder's gradients; returns the mean loss per example.
   */
  private double decode(float[] z, float[] x, int batch) {
    java.util.Arrays.fill(gwd, 0f);
    java.util.Arrays.fill(gbd, 0f);
    java.util.Arrays.fill(upstream, 0f);
    double total = 0;
    for (int b = 0; b < batch; b++) {
      double loss = 0;
      for (int i = 0; i < pixels; i++) {
        double r = bd[i];
        for (int c = 0; c < codes; c++) r += wd[i * codes + c] * z[b * codes + c];
        double xi = x[b * pixels + i];
        loss += Math.max(r, 0) + Math.log1p(Math.exp(-Math.abs(r))) - xi * r;
        float dr = (float) (1 / (1 + Math.exp(-r)) - xi);  // dL/dr
        gbd[i] += dr / batch;
        for (int c = 0; c < codes; c++) {
          gwd[i * codes + c] += dr * z[b * codes + c] / batch;
          upstream[b * codes + c] += dr * wd[i * codes + c] / batch;
        }
      }
      for (int v = 0; v < variables; v++) rowLosses[b * variables + v] = (float) (loss / batch);
      total += loss;
    }
    return total / batch;
  }

  private void encoderGradients(float[] x, int batch, float[] grad) {
    java.util.Arrays.fill(gwe, 0f);
    java.util.Arrays.fill(gbe, 0f);
    for (int b = 0; b < batch; b++) {
      for (int c = 0; c < codes; c++) {
        float gc = grad[b * codes + c];
        gbe[c] += gc;
        for (int i = 0; i < pixels; i++) gwe[c * pixels + i] += gc * x[b * pixels + i];
      }
    }
  }

  private void update() {
    sgd(we, gwe, vwe);
    sgd(be, gbe, vbe);
    sgd(wd, gwd, vwd);
    sgd(bd, gbd, vbd);
  }

  private void sgd(float[] w, float[] g, float[] v) {
    for (int i = 0; i < w.length; i++) {
      v[i] = momentum * v[i] + g[i];
      w[i] -= learningRate * v[i];
    }
  }

  private static float[] gaussian(SplittableRandom rnd, int n, double scale) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) w[i] = (float) (scale * rnd.nextGaussian());
    return w;
  }
}
