package dev.gumbelrao.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.LossTableEstimator;
import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Sample;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The library's estimators on DJL {@code NDArray}s, the explicit form: a model of DJL blocks
 * uses {@link SamplerBlock} and {@link SamplerTrainer} instead, with one backward call; this
 * form is for loops that want every phase in their hands. DJL has no custom autograd functions
 * in Java, so the discrete sample is a leaf of the graph that reads it, and the estimator's
 * gradient re-enters the graph of the logits through a surrogate whose gradient is exactly
 * dL/dlogits:
 *
 * <pre>{@code
 * // as SamplerBlockTest runs it (encoderOutput, decoderLoss: the caller's network)
 * try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
 *   NDArray logits = encoderOutput.reshape(-1, arity);           // recorded by autograd
 *   DjlSample z = DjlEstimators.forward(backend, estimator, logits, key, manager);
 *   NDArray loss = decoderLoss(z.values());                      // z.values(): onehot(D), a leaf
 *   gc.backward(loss);                                           // leaves dL/dvalues
 *   gc.backward(z.surrogate());                                  // dL/dlogits into the encoder
 * }
 * }</pre>
 *
 * <p>{@code surrogate()} refuses to run before the loss's backward pass has reached the values.
 * A term that reads the logits directly (a KL divergence to the prior) goes into the second
 * backward call with the surrogate: DJL frees a graph once a backward pass has run through it.
 * ({@link SamplingCollector} keeps the graph between the phases instead, so there one backward
 * call takes the whole loss.)
 *
 * <p>Memory: the logits must be float32 on the CPU device; they are read in place (a direct view
 * of the tensor, no copy) and must stay open and unchanged until the backward pass. Every array
 * the interop creates is attached to the caller's {@code manager}. The native backends read and
 * write the tensors' memory directly: the DJL path gives exactly the bits of the array path.
 *
 * <p>Threads: on the CPU, PyTorch's OpenMP threads spin after each operation and take the cores
 * from the library's threads (a step many times slower); run with {@code OMP_WAIT_POLICY=PASSIVE}
 * in the environment, or {@code -Dai.djl.pytorch.num_threads=1}. The first forward pass on the
 * PyTorch engine warns once (logger {@code dev.gumbelrao}) when neither holds.
 *
 * <p>DJL is an optional dependency: only this package needs it.
 */
public final class DjlEstimators {
  private DjlEstimators() {}

  /**
   * The forward pass on DJL arrays.
   *
   * @param backend the library instance that runs this pass and its backward pass
   * @param estimator any estimator; one that draws S > 1 times per row (RLOO-S, DisARM) gives
   *     values of shape (S, logits' shape) and takes losses of shape (S, rows' shape)
   * @param logits float32, CPU, shape (..., arity): every leading index a categorical variable
   * @param key the noise of this pass
   * @param manager where the sample's arrays live (values, choices, gradients)
   * @return the sample, whose values (the estimator's forward values, shape of logits) require a
   *     gradient when the estimator is pathwise
   */
  public static DjlSample forward(Backend backend, Estimator estimator, NDArray logits,
      NoiseKey key, NDManager manager) {
    if (backend == null) throw new IllegalArgumentException("backend must not be null");
    if (estimator == null) throw new IllegalArgumentException("estimator must not be null");
    if (manager == null) throw new IllegalArgumentException("manager must not be null");
    if (estimator instanceof LossTableEstimator) {
      throw new IllegalArgumentException("estimator: " + estimator.name() + " takes a table of "
          + "losses (every row set to every class in every draw), which the DJL interop does "
          + "not build; use its array API (LossTableEstimator.backward)");
    }
    Shape shape = checkFloatsOnCpu(logits, "logits");
    SpinningThreads.checkOnce(logits);
    if (shape.dimension() < 1 || shape.get(shape.dimension() - 1) < 1) {
      throw new IllegalArgumentException("logits: shape " + shape
          + " has no class axis; expected (..., arity) with arity >= 1");
    }
    long arity = shape.get(shape.dimension() - 1);
    long size = shape.size();
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("logits: " + size + " elements exceed 2^31 - 1");
    }
    if ((long) estimator.draws() * size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("logits: " + estimator.name() + " draws "
          + estimator.draws() + " samples of each of " + size + " elements: the values' "
          + (long) estimator.draws() * size + " elements exceed 2^31 - 1");
    }
    int rows = (int) (size / arity);
    FloatBuffer th = floats(logits);
    Shape valuesShape = estimator.draws() == 1 ? shape : new Shape(estimator.draws()).addAll(shape);
    NDArray values = manager.zeros(valuesShape, DataType.FLOAT32, Device.cpu());
    Sample sample = estimator.forward(backend, th, rows, (int) arity, key, floats(values));
    return new DjlSample(sample, logits, values, shape, manager);
  }

  /**
   * A float32 scalar held in PyTorch's own memory, to scale a tensor that autograd records:
   * {@code nll.sum().div(DjlEstimators.constant(step, batch))}, never {@code .div(batch)}.
   *
   * <p>DJL's {@code mul(Number)} and {@code div(Number)} (DJL 0.36, PyTorch engine) wrap the
   * number in a tensor over a direct buffer and close it as soon as the operation returns, but
   * autograd keeps that tensor for the backward pass (the gradient of {@code x / c} is
   * {@code 1 / c}). Once a garbage collection has run between the forward and the backward pass,
   * the buffer is freed and reused, and the backward pass scales the gradient by whatever the
   * memory holds: silently wrong gradients, at moments that differ from process to process
   * (seen here as training runs that differ across processes unless no collection ran). This
   * scalar's memory is PyTorch's, kept as long as the graph needs it.
   *
   * @param manager where the scalar lives
   * @param value finite
   */
  public static NDArray constant(NDManager manager, float value) {
    if (manager == null) throw new IllegalArgumentException("manager must not be null");
    if (!Float.isFinite(value)) {
      throw new IllegalArgumentException("value must be finite, got " + value);
    }
    return manager.full(new Shape(), value, DataType.FLOAT32);
  }

  static Shape checkFloatsOnCpu(NDArray a, String name) {
    if (a == null) throw new IllegalArgumentException(name + " must not be null");
    if (a.isReleased()) throw new IllegalArgumentException(name + " is closed");
    if (a.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(name + " must be float32, got " + a.getDataType());
    }
    if (!a.getDevice().equals(Device.cpu())) {
      throw new IllegalArgumentException(name + " must be on the CPU device, got "
          + a.getDevice() + " (copy it with toDevice(Device.cpu(), false))");
    }
    return a.getShape();
  }

  /** The array's memory as a direct FloatBuffer (a view of the tensor, or of a contiguous copy). */
  static FloatBuffer floats(NDArray a) {
    return a.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }
}
