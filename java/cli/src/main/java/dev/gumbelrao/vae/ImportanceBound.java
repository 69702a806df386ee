package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The importance-weighted bound of the paper's validation and test numbers (Burda, Grosse,
 * Salakhutdinov 2016):
 *
 * <pre>
 *   log p(x) >= L_M(x) = E[ log (1/M) sum_m p(x, D^m) / q(D^m | x) ],   D^m iid ~ q(. | x),
 * </pre>
 *
 * estimated with one set of M samples per image. L_1 is the ELBO, L_M rises with M towards
 * log p(x), and it equals log p(x) for every M when q is the true posterior (each weight is then
 * p(x)). The hard samples come from the library's sampler ({@link Backend#sample}, D =
 * argmax(theta + G)), the M samples of image i with the sub-key {@code key.derive(i)} (i its
 * index in the split), so an image's samples do not depend on which images are evaluated with
 * it or on how they are chunked;
 * log w = log p(x | D) + log p(D) - log q(D | x) per sample (log p(D) = -V log N, the uniform
 * prior), summed in double, and a max-shifted logsumexp over the M samples.
 *
 * <p>Cost: one encoder pass per image and M decoder passes, the decoder batched over up to
 * {@code maxSamples} samples at a time.
 */
final class ImportanceBound {
  /** Samples per decoder call by default: 5000 x 784 floats of logits, about 16 MB. */
  static final int MAX_SAMPLES_PER_CALL = 5000;

  private ImportanceBound() {}

  /**
   * L_M(x) in nats for images {@code first, ..., first + count - 1} of {@code split}.
   *
   * @param samples M &gt;= 1
   */
  static double[] logLikelihood(VaeModel model, Backend gr, Split split, int first, int count,
      int samples, NoiseKey key, int maxSamples) {
    if (samples < 1) throw new IllegalArgumentException("samples (M) must be >= 1, got " + samples);
    if (first < 0 || count < 0 || first + count > split.count()) {
      throw new IllegalArgumentException("images " + first + " to " + (first + count - 1)
          + " are not in the " + split.name() + " split of " + split.count());
    }
    Architecture a = model.architecture();
    int v = a.variables(), n = a.arity(), px = a.pixels(), latent = v * n;
    int chunk = Math.max(1, Math.min(count, maxSamples / samples));
    double logPrior = -v * Math.log(n), logM = Math.log(samples);
    double[] out = new double[count];
    float[] x = new float[chunk * px];
    int perImage = samples * v;
    float[] oneHot = new float[0], lg = new float[perImage * n], hot = new float[perImage * n];
    int[] choice = new int[0], ch = new int[perImage];
    double[] logq = new double[chunk * latent];
    for (int c0 = 0; c0 < count; c0 += chunk) {
      int c = Math.min(chunk, count - c0);
      split.range(first + c0, c, x);
      int rows = c * perImage;
      if (choice.length != rows) {
        oneHot = new float[rows * n];
        choice = new int[rows];
      }
      try (NDManager m = model.manager().newSubManager()) {
        NDArray xs = m.create(x, new Shape(chunk, px)).get("0:" + c);
        float[] th = model.encode(xs, false).toFloatArray();
        logSoftmax(th, c * v, n, logq);
        for (int i = 0; i < c; i++) {
          for (int s = 0; s < samples; s++) System.arraycopy(th, i * latent, lg, s * latent, latent);
          gr.sample(lg, perImage, n, key.derive(first + c0 + i), ch, hot);
          System.arraycopy(ch, 0, choice, i * perImage, perImage);
          System.arraycopy(hot, 0, oneHot, i * perImage * n, perImage * n);
        }
        NDArray z = m.create(oneHot, new Shape((long) c * samples, latent));
        NDArray r = model.decode(z, false).reshape(c, samples, px);
        NDArray ll = xs.reshape(c, 1, px).mul(r).sub(Activation.softPlus(r)).sum(new int[] {2});
        float[] logLik = ll.toFloatArray();
        for (int i = 0; i < c; i++) {
          double max = Double.NEGATIVE_INFINITY;
          double[] w = new double[samples];
          for (int s = 0; s < samples; s++) {
            double lq = 0;
            int row = (i * samples + s) * v;
            for (int k = 0; k < v; k++) lq += logq[(i * v + k) * n + choice[row + k]];
            w[s] = logLik[i * samples + s] + logPrior - lq;
            max = Math.max(max, w[s]);
          }
          double sum = 0;
          for (int s = 0; s < samples; s++) sum += Math.exp(w[s] - max);
          out[c0 + i] = max + Math.log(sum) - logM;
        }
      }
    }
    return out;
  }

  /** log softmax of each of {@code rows} rows of {@code n} logits, in double. */
  static void logSoftmax(float[] logits, int rows, int n, double[] out) {
    for (int r = 0; r < rows; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) max = Math.max(max, logits[r * n + j]);
      double sum = 0;
      for (int j = 0; j < n; j++) sum += Math.exp(logits[r * n + j] - max);
      double lse = max + Math.log(sum);
      for (int j = 0; j < n; j++) out[r * n + j] = logits[r * n + j] - lse;
    }
  }

  /** The mean of -L_M over the images: the NLL bound of the tables (nats, lower is better). */
  static double meanNll(double[] logLikelihood) {
    double s = 0;
    for (double l : logLikelihood) s -= l;
    return s / logLikelihood.length;
  }
}
