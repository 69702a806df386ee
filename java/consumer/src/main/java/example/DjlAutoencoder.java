package example;

import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.djl.SampleLoss;
import dev.gumbelrao.djl.SamplerBlock;
import dev.gumbelrao.djl.SamplerTrainer;
import dev.gumbelrao.estimators.Estimator;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;

/**
 * The discrete autoencoder of {@link DiscreteAutoencoder} as a DJL model: a {@code Linear}
 * encoder, the library's {@link SamplerBlock}, a {@code Linear} decoder in a
 * {@code SequentialBlock}, trained by DJL's {@code Trainer} (a {@link SamplerTrainer}) with SGD
 * and momentum, by {@code EasyTrain.fit} or by a loop with one backward call per step. The same
 * code for every estimator, pathwise or score-function.
 */
public final class DjlAutoencoder implements AutoCloseable {
  private final int pixels;
  private final Model model;
  private final Trainer trainer;

  // snippet: djl-model
  public DjlAutoencoder(int pixels, int variables, int arity, Estimator estimator,
      float learningRate, long seed) {
    this.pixels = pixels;
    SamplerBlock sampler = SamplerBlock.builder()
        .estimator(estimator)               // any estimator: pathwise or score-function
        .noise(new NoiseStream(seed))       // each forward pass takes the stream's next key
        .mostProbable()                     // evaluation: the most probable code
        .build();
    SequentialBlock net = new SequentialBlock()
        .add(Linear.builder().setUnits((long) variables * arity).build())
        .add(x -> new NDList(x.singletonOrThrow().reshape(-1, variables, arity)))
        .add(sampler)                       // (batch, variables, arity); RLOO-S: (S, batch, ...)
        .add(z -> new NDList(flattenCode(z.singletonOrThrow())))
        .add(Linear.builder().setUnits(pixels).build());
    // the Bernoulli negative log-likelihood of each example (and draw); the loss is their mean
    SampleLoss nll = new SampleLoss("nll", (labels, predictions) -> {
      NDArray r = predictions.singletonOrThrow(), x = labels.singletonOrThrow();
      return Activation.softPlus(r).sub(x.mul(r)).sum(new int[] {-1});
    });
    model = Model.newInstance("discrete-autoencoder");
    model.setBlock(net);
    trainer = new SamplerTrainer(model, new DefaultTrainingConfig(nll)
        .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(learningRate))
            .optMomentum(0.9f).build()));
    trainer.initialize(new Shape(1, pixels));
  }
  // end snippet

  // (..., variables, arity) -> (..., variables * arity)
  private static NDArray flattenCode(NDArray z) {
    Shape s = z.getShape();
    int d = s.dimension();
    return z.reshape(s.slice(0, d - 2).add(s.get(d - 2) * s.get(d - 1)));
  }

  // snippet: djl-fit
  /** Trains on {@code examples} (rows of pixels) for {@code epochs} with DJL's EasyTrain. */
  public void fit(float[] examples, int batch, int epochs) throws IOException,
      TranslateException {
    NDManager m = trainer.getManager();
    NDArray x = m.create(examples, new Shape(examples.length / pixels, pixels));
    ArrayDataset data = new ArrayDataset.Builder().setData(x).optLabels(x)
        .setSampling(batch, true).build();
    EasyTrain.fit(trainer, epochs, data, null);
  }
  // end snippet

  // snippet: djl-step
  /** One training step written out, as EasyTrain.fit runs it per batch; the mean loss. */
  public float step(float[] batch) {
    try (NDManager m = trainer.getManager().newSubManager()) {
      NDArray x = m.create(batch, new Shape(batch.length / pixels, pixels));
      float loss;
      try (GradientCollector gc = trainer.newGradientCollector()) {
        NDList out = trainer.forward(new NDList(x));
        NDArray l = trainer.getLoss().evaluate(new NDList(x), out);
        gc.backward(l);                     // one backward call: the network and the estimator
        loss = l.getFloat();
      }
      trainer.step();
      return loss;
    }
  }
  // end snippet

  /** The mean loss of {@code examples} at the most probable code (evaluation mode). */
  public double loss(float[] examples) {
    try (NDManager m = trainer.getManager().newSubManager()) {
      NDArray x = m.create(examples, new Shape(examples.length / pixels, pixels));
      NDList out = trainer.evaluate(new NDList(x));
      return trainer.getLoss().evaluate(new NDList(x), out).getFloat();
    }
  }

  @Override
  public void close() {
    trainer.close();
    model.close();
  }
}
