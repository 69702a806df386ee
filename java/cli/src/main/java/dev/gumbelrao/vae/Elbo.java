package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import static dev.gumbelrao.djl.DjlEstimators.constant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import dev.gumbelrao.djl.SampleLoss;
import dev.gumbelrao.djl.SamplerBlock;
import dev.gumbelrao.djl.SamplingCollector;
import ai.djl.training.ParameterStore;
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
 * <p>The estimator enters as the library's DJL {@code SamplerBlock} between the encoder and
 * the decoder, in a {@code SamplingCollector}'s step with one backward call: the block draws D
 * (or, for the relaxed Gumbel-Softmax, y; for RLOO-S every draw, the decoder reading all of
 * them); the loss is a {@code SampleLoss}, each image's -log p(x | D) (per draw) with the KL as
 * its exact term, so a score-function estimator takes the per-image losses and a pathwise one
 * the decoder's gradient, with no branch here. The binary estimators on 2-class variables take
 * a reparametrised logit ({@link #binaryPass}) through the explicit form.
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
    return gradients(model, estimator, gr, x, batch, key, binary ? Route.BINARY : Route.BLOCK);
  }

  /** How the estimator's sample reaches the decoder. */
  private enum Route {
    /** the SamplerBlock, any estimator of the model's arity */
    BLOCK,
    /** a binary estimator on 2-class variables ({@link #binaryPass}) */
    BINARY
  }

  private static Terms gradients(VaeModel model, Estimator estimator, Backend gr, float[] x,
      int batch, NoiseKey key, Route route) {
    Architecture a = model.architecture();
    int v = a.variables(), n = a.arity();
    try (NDManager step = model.manager().newSubManager();
        SamplingCollector gc = SamplingCollector.open()) {
      NDArray xs = step.create(x, new Shape(batch, a.pixels()));
      NDArray logits = model.encode(xs, true).reshape(batch, v, n);
      double klConstant = v * Math.log(n);
      if (route == Route.BINARY) {
        return binaryPass(model, estimator, gr, xs, logits, kl(logits, batch, step), klConstant,
            batch, key, gc, step);
      }
      SamplerBlock sampler = SamplerBlock.builder().estimator(estimator).backend(gr)
          .noise(new NoiseStream(key.seed(), key.offset())).outputLogits().build();
      long t0 = System.nanoTime();
      NDList out = sampler.forward(new ParameterStore(step, false), new NDList(logits), true);
      long forward = System.nanoTime() - t0;
      NDArray z = out.get(0);                   // (batch, V, N); RLOO-S: (S, batch, V, N)
      NDArray kl = kl(out.get(1), batch, step); // the KL reads the block's logits output
      long draws = z.getShape().size() / ((long) batch * v * n);
      NDArray r = model.decode(z.reshape(draws * batch, (long) v * n), true)
          .reshape(draws, batch, a.pixels());
      NDArray value = LOSS.evaluate(new NDList(xs), new NDList(draws == 1 ? r.squeeze(0) : r, kl));
      gc.backward(value);                       // decoder, estimator, encoder and the KL's
      double klValue = kl.getFloat();
      return new Terms(value.getFloat() - klValue, klValue + klConstant,
          forward + gc.estimatorNanos());
    }
  }

  /** KL(q || uniform) - V log N, the batch's mean: sum q log q over the variables and classes. */
  private static NDArray kl(NDArray logits, int batch, NDManager step) {
    NDArray logq = logits.logSoftmax(-1);
    return logq.exp().mul(logq).sum().div(constant(step, batch));
  }

  /**
   * The loss: each image's -log p(x | D) (per draw: (S, batch) for RLOO-S), which a
   * score-function estimator takes as its samples' losses, their mean, and the KL term
   * (predictions' second array) in closed form.
   */
  private static final SampleLoss LOSS = new SampleLoss("elbo",
      (labels, predictions) -> {
        NDArray r = predictions.get(0), x = labels.singletonOrThrow();
        return Activation.softPlus(r).sub(x.mul(r)).sum(new int[] {-1});
      },
      (labels, predictions) -> predictions.get(1));

  /** -log p(x | D) per image: sum over pixels of softplus(r) - x r, r the decoder's logits. */
  static NDArray reconstruction(VaeModel model, NDArray latents, NDArray x) {
    NDArray r = model.decode(latents, true);
    return Activation.softPlus(r).sub(x.mul(r)).sum(new int[] {1});
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
