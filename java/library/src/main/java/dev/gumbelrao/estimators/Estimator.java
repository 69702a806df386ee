package dev.gumbelrao.estimators;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.cuda.CudaDevice;
import dev.gumbelrao.cuda.CudaStream;
import dev.gumbelrao.cuda.DeviceBuffer;
import java.nio.FloatBuffer;

/**
 * A gradient estimator for a batch of categorical variables, as a value: made once (see
 * {@link Estimators}), then used for every step with the same two operations, whatever the
 * estimator.
 *
 * <ul>
 *   <li><b>forward</b>(logits, shape, key) draws the sample the network consumes and returns a
 *       {@link Sample} that holds everything the backward pass needs: the estimator, the logits,
 *       the shape, the key and the choices D. {@code values} receives what the network reads:
 *       onehot(D) for the hard estimators, the relaxed y = softmax((theta + G) / tau) for
 *       {@link Estimators#gumbelSoftmax}.
 *   <li><b>backward</b>(sample, upstream) turns the upstream gradient into dL/dtheta:
 *       {@link PathwiseEstimator#backward} takes g = dL/dvalues, {@link ScoreFunctionEstimator}
 *       takes one loss per drawn sample. Which of the two an estimator is, is part of its type.
 * </ul>
 *
 * <p>Every operation takes its arguments in one order: inputs, shape ({@code rows, arity}),
 * scalars, key, outputs. Logits are row-major, {@code rows * arity} floats; a logit of
 * {@code -Infinity} masks its class (never sampled, zero gradient). Each pass exists for Java
 * arrays, for NIO buffers (direct and in native byte order on the native backends) and for CUDA
 * device memory; a sample's backward pass takes the memory its forward pass took. The sample keeps
 * a view of the logits, not a copy: they must not change between forward and backward. Errors
 * are {@link IllegalArgumentException}s naming the argument, as for {@link Backend}'s operations.
 *
 * <pre>{@code
 * PathwiseEstimator est = Estimators.gumbelRao(100, 0.5f);   // or Estimators.parse("st-gs", 0.5f), ...
 * Sample d = est.forward(backend, logits, rows, arity, key, oneHot);
 * // ... the network reads oneHot and returns upstream = dL/d(oneHot) ...
 * est.backward(d, upstream, gradLogits);
 * }</pre>
 */
public sealed interface Estimator permits PathwiseEstimator, ScoreFunctionEstimator,
    LossTableEstimator, Drawing {
  /** The short name, as in the paper's tables: {@code ST}, {@code ST-GS}, {@code GR-MC100}, ... */
  String name();

  /**
   * Samples forward draws per row: 1 for every estimator but those that evaluate several samples
   * of each row (RLOO-S: S; DisARM: its antithetic pair). {@code values} holds
   * {@code draws() * rows * arity} floats and a score-function backward {@code draws() * rows}
   * losses, both laid out [draw][row].
   */
  default int draws() {
    return 1;
  }

  /**
   * The forward pass on host memory: draws the sample of every row with the key's noise and
   * writes {@code values} (may be null when only the choices are needed).
   *
   * @param backend the backend that runs this pass and, later, the backward pass
   * @param logits theta, {@code rows * arity}
   * @param key the noise of this pass; a second variable group in the same step needs another
   *     key ({@link NoiseKey#derive(long)})
   * @param values output, {@code draws() * rows * arity}, or null
   */
  Sample forward(Backend backend, float[] logits, int rows, int arity, NoiseKey key,
      float[] values);

  /** {@link #forward(Backend, float[], int, int, NoiseKey, float[])} on buffers. */
  Sample forward(Backend backend, FloatBuffer logits, int rows, int arity, NoiseKey key,
      FloatBuffer values);

  /**
   * The forward pass on device memory, queued on {@code stream} without synchronising.
   * {@code choice} receives D ({@code draws() * rows} ints; null for the relaxed
   * Gumbel-Softmax) and belongs to the returned sample until its backward pass: a later forward
   * pass into the same buffer makes this sample's backward pass throw.
   */
  Sample forward(CudaDevice device, DeviceBuffer logits, int rows, int arity, NoiseKey key,
      DeviceBuffer choice, DeviceBuffer values, CudaStream stream);

  /**
   * The sample forward would have returned had it drawn {@code choice}: for conditioning on a
   * known D (Gumbel-Rao is E[ST-GS | D]; experiments that share D between estimators). The
   * choices are copied. Estimators whose backward pass needs the forward noise itself (ST-GS, the
   * relaxed Gumbel-Softmax) have no such sample and throw UnsupportedOperationException.
   *
   * @param choice D, {@code draws() * rows} classes, each in [0, arity) and not masked (checked,
   *     with the logits, by the backward pass)
   */
  Sample given(Backend backend, float[] logits, int rows, int arity, NoiseKey key,
      int[] choice);
}
