package dev.gumbelrao.djl;

import ai.djl.Model;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;

/**
 * DJL's {@code Trainer} for models with {@link SamplerBlock}s: its gradient collector is a
 * {@link SamplingCollector}, so the one backward call of {@code EasyTrain.fit} (or of a loop of
 * the user's) also carries every estimator's gradient to the logits. Everything else is DJL's
 * trainer: {@code trainer.forward}, the loss, evaluators, listeners, {@code step()}.
 *
 * <pre>{@code
 * // from the consumer project's DjlAutoencoder (compiled and trained in CI)
 * model = Model.newInstance("discrete-autoencoder");
 * model.setBlock(net);                      // a block that contains a SamplerBlock
 * trainer = new SamplerTrainer(model, new DefaultTrainingConfig(nll)
 *     .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(learningRate))
 *         .optMomentum(0.9f).build()));
 * trainer.initialize(new Shape(1, pixels));
 * // then EasyTrain.fit(trainer, epochs, data, null), or a loop of one backward call per step
 * }</pre>
 */
public class SamplerTrainer extends Trainer {
  /** A trainer for {@code model}, as {@code model.newTrainer(config)} would make. */
  public SamplerTrainer(Model model, TrainingConfig config) {
    super(model, config);
  }

  /** A {@link SamplingCollector} on the trainer's engine. */
  @Override
  public GradientCollector newGradientCollector() {
    return SamplingCollector.open(getManager().getEngine());
  }
}
