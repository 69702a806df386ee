package dev.gumbelrao.vae;

import ai.djl.ndarray.NDArray;
import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/** Tiny models and data for the tests: few pixels and latents, so bounds can be enumerated. */
final class Tiny {
  static final int PIXELS = 6;

  private Tiny() {}

  static {
    DjlSetup.configure(System.err);
  }

  /** The CPU backend the tests share (open for the whole test run). */
  static Backend cpu() {
    return CPU;
  }

  private static final Backend CPU = Backend.open(BackendKind.CPU);

  static Architecture arch(int variables, int arity, List<Integer> encoder, List<Integer> decoder) {
    return new Architecture(PIXELS, variables, arity, encoder, decoder);
  }

  /** A split of {@code n} random binary images (pixel j of image i on with probability ~1/2). */
  static Split split(String name, int n, long seed) {
    byte[] bits = new byte[n * PIXELS];
    SplitMix64 r = new SplitMix64(seed);
    for (int i = 0; i < bits.length; i++) bits[i] = (byte) (r.nextDouble() < 0.4 + 0.03 * (i % PIXELS) ? 1 : 0);
    return new Split(name, bits, n, PIXELS);
  }

  static Splits splits() {
    return new Splits(split("train", 240, 1), split("valid", 60, 2), split("test", 40, 3), false);
  }

  /**
   * Every code of {@code v} variables of {@code n} classes, one-hot: n^v rows of v n floats,
   * variable k of code c being (c / n^k) mod n.
   */
  static float[] allCodes(int v, int n) {
    int configs = (int) Math.pow(n, v);
    float[] z = new float[configs * v * n];
    for (int c = 0; c < configs; c++) {
      int rest = c;
      for (int k = 0; k < v; k++) {
        z[c * v * n + k * n + rest % n] = 1;
        rest /= n;
      }
    }
    return z;
  }

  /** log p(x) of image i of a split, exactly: the sum over all N^V configurations. */
  static double exactLogLikelihood(VaeModel model, Split split, int i) {
    Architecture a = model.architecture();
    int v = a.variables(), n = a.arity(), configs = (int) Math.pow(n, v);
    float[] z = allCodes(v, n);
    double[] terms = new double[configs];
    try (NDManager m = model.manager().newSubManager()) {
      float[] r = model.decode(m.create(z, new Shape(configs, v * n)), false).toFloatArray();
      for (int c = 0; c < configs; c++) {
        double ll = 0;
        for (int p = 0; p < a.pixels(); p++) {
          double rr = r[c * a.pixels() + p];
          ll += split.bit(i, p) * rr - softplus(rr);
        }
        terms[c] = ll - v * Math.log(n);
      }
    }
    return logSumExp(terms);
  }

  static double softplus(double r) {
    return r > 0 ? r + Math.log1p(Math.exp(-r)) : Math.log1p(Math.exp(r));
  }

  static double logSumExp(double[] t) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : t) max = Math.max(max, x);
    double s = 0;
    for (double x : t) s += Math.exp(x - max);
    return max + Math.log(s);
  }

  /**
   * Every parameter U(-scale, scale): a decoder that depends strongly on D, so that the
   * estimator's part of a gradient is not swamped by the KL's (at Glorot scale it is ~1%).
   */
  static void randomize(VaeModel model, long seed, double scale) {
    float[][] p = model.read();
    SplitMix64 r = new SplitMix64(seed);
    for (float[] a : p) {
      for (int j = 0; j < a.length; j++) a[j] = (float) (scale * (2 * r.nextDouble() - 1));
    }
    model.write(p);
  }

  /**
   * A model of {@code arch} normalised by the split's pixel means, every parameter
   * U(-1.5, 1.5) ({@link #randomize}), both from {@code seed}.
   */
  static VaeModel model(Architecture arch, Split split, long seed) {
    VaeModel m = new VaeModel(arch, seed, split.pixelMeans());
    randomize(m, seed, 1.5);
    return m;
  }

  /** Zeroes every parameter's gradient. */
  static void zeroGradients(VaeModel model) {
    for (var p : model.parameters()) {
      try (NDArray g = p.getArray().getGradient()) {
        g.subi(g);
      }
    }
  }

  /** A copy of every parameter's gradient. */
  static float[][] gradients(VaeModel model) {
    float[][] g = new float[model.parameters().size()][];
    for (int i = 0; i < g.length; i++) {
      try (NDArray a = model.parameters().get(i).getArray().getGradient()) {
        g[i] = a.toFloatArray();
      }
    }
    return g;
  }

}
