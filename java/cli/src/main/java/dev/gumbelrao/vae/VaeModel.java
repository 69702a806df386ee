package dev.gumbelrao.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The encoder and decoder of {@link Architecture} as DJL blocks (on DJL's default engine,
 * PyTorch on the CPU here). Weights start as in the TensorFlow model the architecture follows
 * (slim.fully_connected's defaults): Glorot-uniform weights, U(-a, a) with
 * a = sqrt(6 / (fan_in + fan_out)), and zero biases. (PyTorch's nn.Linear default,
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)), shrinks the signal through the ReLU layers until q is
 * uniform and the decoder ignores D: measured here, SGD then did not leave the mean image in
 * 2000 steps.) Drawn from {@link SplitMix64} in Java, so the start is the same bits for a seed
 * whatever the engine's generator. The decoder's output biases start at the log-odds of the
 * training pixels' means (Mnih &amp; Gregor 2014 and the VAE/IWAE code bases since). Hidden
 * layers are tanh: see {@link Architecture} for why not ReLU.
 */
public final class VaeModel implements AutoCloseable {
  private final Architecture arch;
  private final NDManager manager;
  private final SequentialBlock encoder, decoder;
  private final ParameterStore store;
  private final List<Parameter> parameters = new ArrayList<>();
  private final List<String> names = new ArrayList<>();

  /**
   * @param pixelMeans the training split's pixel means, for the decoder's output biases; null
   *     leaves them as the other biases
   */
  public VaeModel(Architecture arch, long seed, double[] pixelMeans) {
    this.arch = arch;
    if (pixelMeans != null && pixelMeans.length != arch.pixels()) {
      throw new IllegalArgumentException("pixelMeans has " + pixelMeans.length + " values for "
          + arch.pixels() + " pixels");
    }
    manager = NDManager.newBaseManager();
    encoder = mlp(arch.encoderHidden(), arch.latent());
    decoder = mlp(arch.decoderHidden(), arch.pixels());
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, arch.pixels()));
    decoder.initialize(manager, DataType.FLOAT32, new Shape(1, arch.latent()));
    store = new ParameterStore(manager, false);
    collect("encoder.", encoder);
    collect("decoder.", decoder);
    initialize(seed, pixelMeans);
  }

  private static SequentialBlock mlp(List<Integer> hidden, int out) {
    SequentialBlock b = new SequentialBlock();
    for (int h : hidden) {
      b.add(Linear.builder().setUnits(h).build());
      b.add(Activation.tanhBlock());
    }
    b.add(Linear.builder().setUnits(out).build());
    return b;
  }

  private void collect(String prefix, SequentialBlock block) {
    for (Pair<String, Parameter> p : block.getParameters()) {
      names.add(prefix + p.getKey());
      parameters.add(p.getValue());
    }
  }

  private void initialize(long seed, double[] pixelMeans) {
    for (int i = 0; i < parameters.size(); i++) {
      Parameter p = parameters.get(i);
      Shape s = p.getArray().getShape();
      float[] v = new float[(int) s.size()];
      if (s.dimension() == 2) {
        // Linear's weight is (out, in)
        double bound = Math.sqrt(6.0 / (s.get(0) + s.get(1)));
        SplitMix64 r = SplitMix64.of(seed, 0x696e6974L, i);
        for (int j = 0; j < v.length; j++) v[j] = (float) ((2 * r.nextDouble() - 1) * bound);
      } else if (i == parameters.size() - 1 && pixelMeans != null) {
        for (int j = 0; j < v.length; j++) {
          double m = Math.min(1 - 1e-3, Math.max(1e-3, pixelMeans[j]));
          // StrictMath: Math.log may give other bits once the JIT makes it an intrinsic, and
          // the first model of a process would then start elsewhere than the next
          v[j] = (float) StrictMath.log(m / (1 - m));
        }
      }
      p.getArray().set(v);
    }
  }

  public Architecture architecture() {
    return arch;
  }

  /** The manager the parameters live in; per-step arrays go into sub-managers of it. */
  public NDManager manager() {
    return manager;
  }

  /** The logits of q(D | x): (batch, variables * arity). */
  public NDArray encode(NDArray x, boolean training) {
    return encoder.forward(store, new NDList(x), training).singletonOrThrow();
  }

  /** The Bernoulli logits of p(x | D): (batch, pixels), from (batch, variables * arity) latents. */
  public NDArray decode(NDArray z, boolean training) {
    return decoder.forward(store, new NDList(z), training).singletonOrThrow();
  }

  /** Every parameter, the encoder's first, in block order (the checkpoint's order). */
  public List<Parameter> parameters() {
    return Collections.unmodifiableList(parameters);
  }

  /** The parameters' names, "encoder.01Linear_weight", ..., in {@link #parameters()} order. */
  public List<String> names() {
    return Collections.unmodifiableList(names);
  }

  /** A copy of every parameter's values. */
  public float[][] read() {
    float[][] out = new float[parameters.size()][];
    for (int i = 0; i < out.length; i++) out[i] = parameters.get(i).getArray().toFloatArray();
    return out;
  }

  /** Sets every parameter's values (as {@link #read()} returned them). */
  public void write(float[][] values) {
    if (values.length != parameters.size()) {
      throw new IllegalArgumentException(values.length + " arrays for " + parameters.size()
          + " parameters");
    }
    for (int i = 0; i < values.length; i++) {
      NDArray a = parameters.get(i).getArray();
      if (values[i].length != a.getShape().size()) {
        throw new IllegalArgumentException(names.get(i) + ": " + values[i].length
            + " values for shape " + a.getShape());
      }
      a.set(values[i]);
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
