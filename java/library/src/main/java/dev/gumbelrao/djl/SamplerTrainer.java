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
 * try (Model model = Model.newInstance("vae")) {
 *   model.setBlock(block);                       // contains a SamplerBlock
 *   try (Trainer trainer = new SamplerTrainer(model, config)) {
 *     trainer.initialize(new Shape(batch, pixels));
 *     EasyTrain.fit(trainer, epochs, trainingSet, validationSet);
 *   }
 * }
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
