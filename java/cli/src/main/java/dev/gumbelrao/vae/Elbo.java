package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import static dev.gumbelrao.djl.DjlEstimators.constant;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import dev.gumbelrao.djl.DjlEstimators;
import dev.gumbelrao.djl.DjlSample;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The training objective and its gradient for one batch: the negative ELBO with one sample
 * (the paper's bound at M = 1), averaged over the batch,
 *
 * <pre>
 *   L = (1/B) sum_b [ -log p(x_b | D_b) + KL(q(. | x_b) || p) ],   D_b ~ q(. | x_b),
 * </pre>
 *
 * with p(D) uniform over the N^V configurations and q(D | x) = prod_i Cat(softmax(logits_i)).
 * E_q[-log p(x | D)] + KL is exactly -ELBO = -E_q[log p(x, D) - log q(D | x)]; the KL term of a
 * factorised categorical q against a uniform prior is in closed form,
 * sum_i sum_j q_ij log q_ij + V log N, so its gradient is exact and the estimator under test
 * carries only the reconstruction term, for every estimator alike (as Jang et al. 2017 train
 * the categorical VAE).
 *
 * <p>The estimator enters through the library's DJL interop: its forward pass draws D (or, for
 * the relaxed Gumbel-Softmax, y) into the decoder's input; the decoder's backward pass leaves
 * dL/dvalues; the estimator's backward pass turns it (or, for a score-function estimator, each
 * image's -log p(x | D)) into dL/dlogits, which re-enters the encoder with the KL's gradient.
 * Estimators that draw several samples per row (RLOO) go through the library's buffer API, the
 * decoder reading every draw (the interop takes one).
 */
final class Elbo {
  /** One batch's loss terms (means over the batch, nats) and the estimator's share of the time. */
  record Terms(double reconstruction, double kl, long estimatorNanos) {
    /** -ELBO estimate of the batch (for the relaxed GS: its relaxed reconstruction + KL). */
    double loss() {
      return reconstruction + kl;
    }
  }

  private Elbo() {}

  /**
   * Computes the gradients of L for the batch into the parameters' gradient arrays (added to
   * what they hold: the caller zeroes them, {@link SgdMomentum#step} does).
   *
   * @param x the batch, batch x pixels, 0/1 floats
   * @param key the noise of this step (one variable group: the key is used as is)
   */
  static Terms gradients(VaeModel model, Estimator estimator, Backend gr, float[] x, int batch,
      NoiseKey key) {
    return gradients(model, estimator, gr, x, batch, key, false);
  }

  /**
   * {@link #gradients}, with {@code binary}: the estimator is one of the library's binary ones
   * (arity 1, one logit per variable: DisARM, ZGR-binary) applied to the model's 2-class
   * variables (see {@link #binaryPass}).
   */
  static Terms gradients(VaeModel model, Estimator estimator, Backend gr, float[] x, int batch,
      NoiseKey key, boolean binary) {
    return gradients(model, estimator, gr, x, batch, key, binary ? Route.BINARY : Route.BY_DRAWS);
  }

  /**
   * {@link #gradients} of a score-function estimator through the buffer path that estimators
   * with several draws per row take, whatever its draws: the test that the path's layout and
   * scaling are those of the interop path, with the one-draw estimators there are today.
   */
  static Terms gradientsViaBuffers(VaeModel model, ScoreFunctionEstimator estimator,
      Backend gr, float[] x, int batch, NoiseKey key) {
    return gradients(model, estimator, gr, x, batch, key, Route.BUFFERS);
  }

  /** How the estimator's sample reaches the decoder. */
  private enum Route {
    /** one draw per row: DJL interop; several: the buffer path ({@link #multiDraw}) */
    BY_DRAWS,
    /** a binary estimator on 2-class variables ({@link #binaryPass}) */
    BINARY,
    /** the buffer path whatever the draws */
    BUFFERS
  }

  private static Terms gradients(VaeModel model, Estimator estimator, Backend gr, float[] x,
      int batch, NoiseKey key, Route route) {
    Architecture a = model.architecture();
    int v = a.variables(), n = a.arity();
    try (NDManager step = model.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray xs = step.create(x, new Shape(batch, a.pixels()));
      NDArray logits = model.encode(xs, true).reshape(batch, v, n);
      NDArray logq = logits.logSoftmax(-1);
      NDArray kl = logq.exp().mul(logq).sum().div(constant(step, batch));
      double klConstant = v * Math.log(n);
      if (route == Route.BINARY) {
        return binaryPass(model, estimator, gr, xs, logits, kl, klConstant, batch, key, gc, step);
      }
      if (route == Route.BY_DRAWS && estimator.draws() == 1) {
        long t0 = System.nanoTime();
        DjlSample z = DjlEstimators.forward(gr, estimator, logits, key, step);
        long est = System.nanoTime() - t0;
        NDArray nll = reconstruction(model, z.values().reshape(batch, v * n), xs);
        NDArray mean = nll.sum().div(constant(step, batch));
        double rec = mean.getFloat();
        NDArray surrogate;
        if (estimator instanceof PathwiseEstimator) {
          gc.backward(mean);                              // the decoder's, and dL/dvalues
          t0 = System.nanoTime();
          surrogate = z.surrogate(z.values().getGradient());
          est += System.nanoTime() - t0;
        } else {
          NDArray losses = perRow(nll, v, step);          // each image's loss, for its V rows
          gc.backward(mean);                              // the decoder's
          t0 = System.nanoTime();
          surrogate = z.surrogateFromLosses(losses).div(constant(step, batch));
          est += System.nanoTime() - t0;
        }
        gc.backward(surrogate.add(kl));                   // dL/dlogits and the KL's into the encoder
        return new Terms(rec, kl.getFloat() + klConstant, est);
      }
      if (!(estimator instanceof ScoreFunctionEstimator sf)) {
        throw new IllegalArgumentException("estimator " + estimator.name() + " is pathwise and "
            + "draws " + estimator.draws() + " samples per row: no objective for it here");
      }
      return multiDraw(model, sf, gr, xs, logits, kl, klConstant, batch, key, gc, step);
    }
  }

  /** -log p(x | D) per image: sum over pixels of softplus(r) - x r, r the decoder's logits. */
  static NDArray reconstruction(VaeModel model, NDArray latents, NDArray x) {
    NDArray r = model.decode(latents, true);
    return Activation.softPlus(r).sub(x.mul(r)).sum(new int[] {1});
  }

  /**
   * (batch) losses repeated over the V rows of each image: (batch, V), [image][variable], as a
   * fresh contiguous array built from the values (the estimator reads it in place).
   */
  private static NDArray perRow(NDArray perImage, int variables, NDManager step) {
    float[] f = perImage.toFloatArray();
    return step.create(perVariable(f, variables), new Shape(f.length, variables));
  }

  /**
   * Each image's loss repeated over its V variables: the library's [draw][row] losses from the
   * decoder's [draw][image] ones (row = image x V + variable).
   */
  private static float[] perVariable(float[] perImage, int variables) {
    float[] rows = new float[perImage.length * variables];
    for (int k = 0; k < perImage.length; k++) {
      java.util.Arrays.fill(rows, k * variables, (k + 1) * variables, perImage[k]);
    }
    return rows;
  }

  /**
   * A score-function estimator that draws S samples per row: the decoder reads all S x B
   * samples (laid out [draw][image], as the library lays out [draw][row]); the decoder's loss is
   * their mean; the losses of the S draws of each row go to the estimator's backward pass.
   */
  private static Terms multiDraw(VaeModel model, ScoreFunctionEstimator est, Backend gr,
      NDArray xs, NDArray logits, NDArray kl, double klConstant, int batch, NoiseKey key,
      GradientCollector gc, NDManager step) {
    Architecture a = model.architecture();
    int v = a.variables(), n = a.arity(), s = est.draws(), rows = batch * v;
    FloatBuffer th = floats(logits);
    FloatBuffer values = direct(s * rows * n), grad = direct(rows * n), losses = direct(s * rows);
    long t0 = System.nanoTime();
    Sample sample = est.forward(gr, th, rows, n, key, values);
    long nanos = System.nanoTime() - t0;
    NDArray z = step.create(values, new Shape((long) s * batch, (long) v * n));
    NDArray nll = reconstruction(model, z, xs.tile(new long[] {s, 1}));
    NDArray mean = nll.sum().div(constant(step, s * batch));
    double rec = mean.getFloat();
    losses.put(0, perVariable(nll.toFloatArray(), v));
    gc.backward(mean);
    t0 = System.nanoTime();
    est.backward(sample, losses, grad);
    nanos += System.nanoTime() - t0;
    NDArray g = step.create(grad, new Shape(batch, v, n));
    gc.backward(logits.mul(g).sum().div(constant(step, batch)).add(kl));
    return new Terms(rec, kl.getFloat() + klConstant, nanos);
  }

  /**
   * A binary estimator of the library (arity 1) on the model's 2-class variables. A 2-class
   * categorical with logits (theta_0, theta_1) is a Bernoulli variable b (b = 1: class 1) of
   * logit eta = theta_1 - theta_0, since P(class 1) = softmax(theta)_1 = sigmoid(eta). The
   * estimator gets eta (rows = batch x V, arity 1) and draws b (DisARM: the antithetic pair b,
   * b~ as two draws, [draw][row]); the decoder reads onehot = (1 - b, b). Its dL/deta enters the
   * logits as dL/dtheta_1 = dL/deta, dL/dtheta_0 = -dL/deta. ZGR-binary (pathwise) takes the
   * upstream dL/db = dL/d onehot_1 - dL/d onehot_0, the decoder's gradient through
   * onehot = (1 - b, b); DisARM (score function) takes each draw's -log p(x | b) for the rows of
   * its image, and the decoder's loss is the mean over the two draws.
   */
  private static Terms binaryPass(VaeModel model, Estimator est, Backend gr, NDArray xs,
      NDArray logits, NDArray kl, double klConstant, int batch, NoiseKey key,
      GradientCollector gc, NDManager step) {
    Architecture a = model.architecture();
    int v = a.variables(), s = est.draws(), rows = batch * v;
    if (a.arity() != 2) {
      throw new IllegalArgumentException(est.name() + " is binary: it applies to 2-class "
          + "variables only, not arity " + a.arity());
    }
    NDArray eta = logits.get(":, :, 1").sub(logits.get(":, :, 0"));   // (batch, V)
    FloatBuffer th = floats(eta);
    FloatBuffer values = direct(s * rows), grad = direct(rows);
    long t0 = System.nanoTime();
    Sample sample = est.forward(gr, th, rows, 1, key, values);
    long nanos = System.nanoTime() - t0;
    NDArray b = step.create(values, new Shape((long) s * batch, v));
    if (est instanceof PathwiseEstimator) b.setRequiresGradient(true);
    NDArray onehot = NDArrays.stack(new NDList(b.neg().add(constant(step, 1)), b), 2)
        .reshape((long) s * batch, 2L * v);
    NDArray nll = reconstruction(model, onehot, s == 1 ? xs : xs.tile(new long[] {s, 1}));
    NDArray mean = nll.sum().div(constant(step, s * batch));
    double rec = mean.getFloat();
    NDArray g;
    if (est instanceof PathwiseEstimator p) {
      gc.backward(mean);                                  // the decoder's, and dL/db
      FloatBuffer upstream = floats(b.getGradient());
      t0 = System.nanoTime();
      p.backward(sample, upstream, grad);
      nanos += System.nanoTime() - t0;
      g = step.create(grad, new Shape(batch, v));        // already carries the 1/batch
    } else {
      ScoreFunctionEstimator sf = (ScoreFunctionEstimator) est;
      FloatBuffer losses = direct(s * rows);
      losses.put(0, perVariable(nll.toFloatArray(), v));
      gc.backward(mean);
      t0 = System.nanoTime();
      sf.backward(sample, losses, grad);
      nanos += System.nanoTime() - t0;
      g = step.create(grad, new Shape(batch, v)).div(constant(step, batch));
    }
    NDArray dTheta = NDArrays.stack(new NDList(g.neg(), g), 2);   // (batch, V, 2)
    gc.backward(logits.mul(dTheta).sum().add(kl));
    return new Terms(rec, kl.getFloat() + klConstant, nanos);
  }

  private static FloatBuffer floats(NDArray a) {
    if (a.getDataType() != DataType.FLOAT32) throw new IllegalStateException("logits not float32");
    return a.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  private static FloatBuffer direct(int floats) {
    return ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }
}
