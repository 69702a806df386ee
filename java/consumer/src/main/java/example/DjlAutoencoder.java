package example;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimator;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.engine.Engine;
import ai.djl.util.Pair;
import dev.gumbelrao.djl.DjlEstimators;
import dev.gumbelrao.djl.DjlSample;
import java.util.HashMap;
import java.util.Map;

/**
 * The discrete autoencoder of {@link DiscreteAutoencoder} with DJL blocks for the networks (on
 * DJL's default engine, CPU) and the library's estimator for the discrete sample in between; the
 * gradient of the sample re-enters DJL's autograd through {@link DjlSample#surrogate}. Plain SGD
 * with momentum on the blocks' parameters.
 */
public final class DjlAutoencoder implements AutoCloseable {
  private final NDManager manager = NDManager.newBaseManager();
  private final int pixels, variables, arity;
  private final Linear encoder, decoder;
  private final ParameterStore parameters = new ParameterStore(manager, false);
  private final Map<String, NDArray> velocity = new HashMap<>();
  private final float learningRate, momentum;

  public DjlAutoencoder(int pixels, int variables, int arity, float learningRate,
      float momentum) {
    this.pixels = pixels;
    this.variables = variables;
    this.arity = arity;
    this.learningRate = learningRate;
    this.momentum = momentum;
    encoder = Linear.builder().setUnits((long) variables * arity).build();
    decoder = Linear.builder().setUnits(pixels).build();
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, pixels));
    decoder.initialize(manager, DataType.FLOAT32, new Shape(1, (long) variables * arity));
  }

  // snippet: djl-step
  /** One SGD step on a batch of examples (batch x pixels); returns the mean loss. */
  public double step(Backend gr, Estimator estimator, float[] pixelsOfBatch, int batch,
      NoiseKey key) {
    double loss;
    try (NDManager step = manager.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray x = step.create(pixelsOfBatch, new Shape(batch, pixels));
      NDArray logits = encoder.forward(parameters, new NDList(x), true).singletonOrThrow()
          .reshape(batch, variables, arity);
      DjlSample z = DjlEstimators.forward(gr, estimator, logits, key, step);
      NDArray r = decoder.forward(parameters, new NDList(z.values().reshape(batch, -1)), true)
          .singletonOrThrow();
      // Bernoulli negative log-likelihood, mean over the batch
      // a scalar in PyTorch's memory: DJL's div(Number) frees its scalar before the backward pass
      NDArray nll = Activation.softPlus(r).sub(x.mul(r)).sum()
          .div(DjlEstimators.constant(step, batch));
      gc.backward(nll);                                    // decoder, and dL/d(values)
      gc.backward(z.surrogate(z.values().getGradient()));  // dL/dlogits into the encoder
      loss = nll.getFloat();
    }
    update();
    return loss;
  }
  // end snippet

  private void update() {
    for (Linear block : new Linear[] {encoder, decoder}) {
      for (Pair<String, Parameter> p : block.getParameters()) {
        NDArray w = p.getValue().getArray();
        NDArray g = w.getGradient();
        String id = p.getValue().getId();
        NDArray v = velocity.computeIfAbsent(id, k -> manager.zeros(w.getShape()));
        v.muli(momentum).addi(g);
        w.subi(v.mul(learningRate));
        g.subi(g);  // PyTorch accumulates gradients: clear them for the next step
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
