package dev.gumbelrao.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.Backends;
import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.estimators.Estimator;

/**
 * A DJL {@code Block} that draws a categorical sample from its input logits with one of the
 * library's estimators: what a model built from DJL blocks puts between an encoder and whatever
 * reads the discrete variables (a {@code SequentialBlock}, or a block of the user's own).
 *
 * <pre>{@code
 * // from the consumer project's DjlAutoencoder (compiled and trained in CI)
 * SamplerBlock sampler = SamplerBlock.builder()
 *     .estimator(estimator)               // any estimator: pathwise or score-function
 *     .noise(new NoiseStream(seed))       // each forward pass takes the stream's next key
 *     .mostProbable()                     // evaluation: the most probable code
 *     .build();
 * SequentialBlock net = new SequentialBlock()
 *     .add(Linear.builder().setUnits((long) variables * arity).build())
 *     .add(x -> new NDList(x.singletonOrThrow().reshape(-1, variables, arity)))
 *     .add(sampler)                       // (batch, variables, arity); RLOO-S: (S, batch, ...)
 *     .add(z -> new NDList(flattenCode(z.singletonOrThrow())))
 *     .add(Linear.builder().setUnits(pixels).build());
 * }</pre>
 *
 * <p>Trained by a {@link SamplerTrainer}: {@code EasyTrain.fit}, {@code trainer.forward}, DJL's
 * losses, evaluators and listeners, one backward call.
 *
 * <p>Output: what the network reads, the estimator's forward values (onehot(D), or the relaxed
 * sample of the Gumbel-Softmax) with the logits' shape; for an estimator that draws S > 1 times
 * per row (RLOO-S, DisARM), shape (S, logits' shape): the network evaluates every draw, and the
 * loss gives one value per draw and example (see {@link SampleLoss}). With
 * {@link Builder#outputLogits()}, the logits follow the values in the output, for a loss term
 * that reads them directly.
 *
 * <p>Training: the estimator's gradient reaches the logits through {@link SamplingCollector}, the
 * gradient collector of {@link SamplerTrainer} (why a collector: DJL has no custom autograd
 * functions in Java; see {@link SamplingCollector}). A training forward pass outside one is
 * refused: nothing would carry the estimator's gradient, and the logits' gradient would be
 * silently zero. Evaluation ({@code training == false}) draws a sample too, or, with
 * {@link Builder#mostProbable()}, gives the most probable class (greedy decoding).
 *
 * <p>Arrays: float32 logits on the CPU device, read in place (no copy unless the class axis is
 * not the last). The sample's arrays live in the logits' manager. The backend is the builder's,
 * or one opened for the process on first use: the CPU backend where the native library loads,
 * else the JAVA backend (the same bits). DJL tensors on a GPU are refused: DJL 0.36 exposes no
 * device address of a PyTorch CUDA tensor, so a GPU user copies the logits to the CPU
 * ({@code toDevice(Device.cpu(), false)}): 4 bytes per logit each way per step, plus the values'
 * copy back.
 */
public final class SamplerBlock extends AbstractBlock {
  private static final byte VERSION = 1;
  private static volatile Backend shared;

  private final Estimator estimator;
  private final NoiseStream noise;
  private final int classAxis;
  private final Backend backend;
  private final boolean mostProbable;
  private final boolean outputLogits;

  private SamplerBlock(Builder b) {
    super(VERSION);
    estimator = b.estimator;
    noise = b.noise;
    classAxis = b.classAxis;
    backend = b.backend;
    mostProbable = b.mostProbable;
    outputLogits = b.outputLogits;
  }

  /** A builder: an estimator is required; the rest has defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The estimator this block samples with. */
  public Estimator estimator() {
    return estimator;
  }

  /** The stream of noise keys: each forward pass takes the next one. */
  public NoiseStream noise() {
    return noise;
  }

  @Override
  protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs,
      boolean training, PairList<String, Object> params) {
    if (inputs == null || inputs.size() != 1) {
      throw new IllegalArgumentException("inputs: a SamplerBlock takes one array, the logits; got "
          + (inputs == null ? "null" : inputs.size() + " arrays"));
    }
    NDArray logits = inputs.singletonOrThrow();
    Shape shape = DjlEstimators.checkFloatsOnCpu(logits, "logits");
    int axis = axis(shape.dimension());
    int last = shape.dimension() - 1;
    OpenStep step = training ? OpenStep.current() : null;
    if (training && step == null) {
      throw new IllegalStateException("a training forward pass of a SamplerBlock ("
          + estimator.name() + ") outside a SamplingCollector: nothing would carry the "
          + "estimator's gradient to the logits, which would train with a zero gradient. "
          + "Train with a SamplerTrainer (new SamplerTrainer(model, config): its "
          + "newGradientCollector(), which EasyTrain.fit uses, is one), or open "
          + "SamplingCollector.open(engine) around a step of your own");
    }
    NDArray moved = axis == last ? logits : logits.transpose(toLast(shape.dimension(), axis));
    NDArray values;
    NDArray leaf = logits;
    if (!training && mostProbable) {
      values = mostProbable(moved);
    } else {
      DjlSample z = DjlEstimators.forward(backend(), estimator, moved, noise.next(),
          logits.getManager());
      if (step != null) {
        if (outputLogits) {
          leaf = logits.stopGradient();
          leaf.setRequiresGradient(true);
          z.logitsLeaf(leaf, axis == last ? null : toLast(shape.dimension(), axis));
        }
        step.add(z);
      }
      values = z.values();
    }
    if (axis != last) {
      int extra = values.getShape().dimension() - shape.dimension();   // the draws axis
      values = values.transpose(fromLast(shape.dimension(), axis, extra));
    }
    return outputLogits ? new NDList(values, leaf) : new NDList(values);
  }

  // onehot(argmax) of each row; a binary family's single logit gives 1 where it is positive.
  private NDArray mostProbable(NDArray logits) {
    long arity = logits.getShape().get(logits.getShape().dimension() - 1);
    NDArray v = arity == 1
        ? logits.gt(0f).toType(DataType.FLOAT32, false)
        : logits.argMax(-1).oneHot((int) arity).toType(DataType.FLOAT32, false);
    if (estimator.draws() > 1) {
      v = v.expandDims(0).repeat(0, estimator.draws());
    }
    return v;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1) {
      throw new IllegalArgumentException("inputShapes: a SamplerBlock takes one array");
    }
    Shape s = inputShapes[0];
    axis(s.dimension());
    Shape values = estimator.draws() == 1 ? s : new Shape(estimator.draws()).addAll(s);
    return outputLogits ? new Shape[] {values, s} : new Shape[] {values};
  }

  private int axis(int dimensions) {
    int a = classAxis < 0 ? classAxis + dimensions : classAxis;
    if (dimensions < 1 || a < 0 || a >= dimensions) {
      throw new IllegalArgumentException("classAxis " + classAxis + " is outside logits of "
          + dimensions + " axes");
    }
    return a;
  }

  // The permutation that moves `axis` to the end, the others in their order.
  static int[] toLast(int dimensions, int axis) {
    int[] p = new int[dimensions];
    for (int i = 0, j = 0; i < dimensions; i++) if (i != axis) p[j++] = i;
    p[dimensions - 1] = axis;
    return p;
  }

  // Its inverse, for arrays with `extra` leading axes (the draws axis) in front.
  static int[] fromLast(int dimensions, int axis, int extra) {
    int[] p = new int[dimensions + extra];
    for (int i = 0; i < extra; i++) p[i] = i;
    for (int i = 0; i < dimensions; i++) {
      p[extra + i] = extra + (i < axis ? i : i == axis ? dimensions - 1 : i - 1);
    }
    return p;
  }

  private Backend backend() {
    if (backend != null) return backend;
    Backend b = shared;
    if (b == null) {
      synchronized (SamplerBlock.class) {
        if (shared == null) {
          shared = Backend.open(Backends.status(BackendKind.CPU).available() ? BackendKind.CPU
              : BackendKind.JAVA);
        }
        b = shared;
      }
    }
    return b;
  }

  @Override
  public String toString() {
    return "SamplerBlock(" + estimator.name() + ", class axis " + classAxis + ")";
  }

  /** Builds a {@link SamplerBlock}. */
  public static final class Builder {
    private Estimator estimator;
    private NoiseStream noise = new NoiseStream(0);
    private int classAxis = -1;
    private Backend backend;
    private boolean mostProbable;
    private boolean outputLogits;

    private Builder() {}

    /** The estimator (required): any of {@code Estimators}' or the registry's. */
    public Builder estimator(Estimator estimator) {
      if (estimator == null) throw new IllegalArgumentException("estimator must not be null");
      if (estimator instanceof dev.gumbelrao.estimators.LossTableEstimator) {
        throw new IllegalArgumentException("estimator: " + estimator.name() + " takes a table of "
            + "losses (every row set to every class in every draw), which a SamplerBlock does "
            + "not evaluate; use its array API (LossTableEstimator.backward)");
      }
      this.estimator = estimator;
      return this;
    }

    /**
     * The noise keys' stream (default: seed 0 from offset 0): each forward pass takes
     * {@link NoiseStream#next()}; blocks that share a stream draw independent noise.
     */
    public Builder noise(NoiseStream noise) {
      if (noise == null) throw new IllegalArgumentException("noise must not be null");
      this.noise = noise;
      return this;
    }

    /** The class axis, like PyTorch's {@code dim}: negative counts from the end (default -1). */
    public Builder classAxis(int axis) {
      this.classAxis = axis;
      return this;
    }

    /**
     * The backend that runs the estimator (default: the CPU backend where the native library
     * loads, else the JAVA backend, opened once for the process). The caller closes its own.
     */
    public Builder backend(Backend backend) {
      if (backend == null) throw new IllegalArgumentException("backend must not be null");
      this.backend = backend;
      return this;
    }

    /**
     * Outputs the logits too, after the values: for a loss that reads them directly (a KL
     * divergence to the prior). In training they are a leaf copy whose gradient the
     * {@link SamplingCollector} adds to the estimator's, so that one backward pass through the
     * graph before the logits carries both; a loss that read the block's input logits instead
     * would send its gradient through that graph twice (once in the loss's backward pass, once
     * in the estimator's), the same gradient at twice the cost.
     */
    public Builder outputLogits() {
      this.outputLogits = true;
      return this;
    }

    /** At evaluation, the most probable class of each row instead of a sample (greedy). */
    public Builder mostProbable() {
      this.mostProbable = true;
      return this;
    }

    public SamplerBlock build() {
      if (estimator == null) {
        throw new IllegalStateException("estimator is required: builder().estimator(...)");
      }
      return new SamplerBlock(this);
    }
  }
}
