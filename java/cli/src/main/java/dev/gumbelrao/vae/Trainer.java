package dev.gumbelrao.vae;

import dev.gumbelrao.Backend;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.estimators.Estimator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One training run: the model, its optimiser and estimator, and the loop that trains it with
 * SGD with momentum on the ELBO ({@link Elbo}), evaluates the validation bound on a schedule and
 * checkpoints. Step s reads the batch {@link DataOrder} gives for s and the noise key (seed, s)
 * of a {@link NoiseStream}; nothing else varies between steps but the state a checkpoint holds,
 * so a run resumed from a checkpoint is bit for bit the uninterrupted run.
 */
final class Trainer implements AutoCloseable {
  /** The validation and test keys: the same samples for every evaluation and run of a seed. */
  static final long VALID_KEY = 0x76616c6964L, TEST_KEY = 0x74657374L;

  /**
   * A training loss above this many nats per pixel (per image, the batch's mean) is a diverged
   * run, as a non-finite one is: an untrained decoder costs about 0.7 nats per pixel, and 1000
   * needs logits of about -1000 on pixels that are on, which only weights blown up by the step
   * size reach (tanh units keep such a loss finite, so it would otherwise train on).
   */
  static final double DIVERGED_NATS_PER_PIXEL = 1000;

  /**
   * When to evaluate and checkpoint.
   *
   * @param evalEvery evaluate the validation bound every this many steps and at the end (0:
   *     never, for timing runs)
   * @param checkpointEvery checkpoint every this many steps (and at the end and on a stop); 0:
   *     only then
   */
  record Schedule(int evalEvery, int evalImages, int evalSamples, int checkpointEvery) {
    Schedule {
      if (evalEvery < 0) throw new IllegalArgumentException("evalEvery must be >= 0");
      if (evalImages < 1 || evalImages > Splits.VALIDATION) {
        throw new IllegalArgumentException("evalImages must be in [1, 10000], got "
            + evalImages);
      }
      if (evalSamples < 1) throw new IllegalArgumentException("evalSamples must be >= 1");
      if (checkpointEvery < 0) throw new IllegalArgumentException("checkpointEvery must be >= 0");
    }
  }

  /** How a call to {@link #train} ended. */
  enum Outcome { DONE, STOPPED, DIVERGED }

  private final RunConfig config;
  private final Splits data;
  private final Backend gr;
  private final VaeModel model;
  private final SgdMomentum sgd;
  private final VaeEstimators.State estimatorState;
  private final Estimator estimator;
  private final boolean binary;
  private final DataOrder order;
  private final List<Evaluation> evaluations = new ArrayList<>();
  private long step, timedSteps, stepNanos, estimatorNanos;
  private double lastLoss = Double.NaN;
  private String divergence;

  /**
   * A run at step 0, or resumed from {@code resume} (a checkpoint of the same fingerprint).
   *
   * @throws IllegalArgumentException when the checkpoint is of another run or holds no weights
   */
  Trainer(RunConfig config, Splits data, Backend gr, Checkpoint.State resume) {
    this.config = config;
    this.data = data;
    this.gr = gr;
    Architecture a = config.architecture();
    if (a.pixels() != data.pixels()) {
      throw new IllegalArgumentException("the model has " + a.pixels() + " pixels, the data "
          + data.pixels());
    }
    VaeEstimators.Entry entry = VaeEstimators.get(config.estimator());
    if (resume != null) {
      if (!resume.fingerprint().equals(config.fingerprint())) {
        throw new IllegalArgumentException("the checkpoint is of another run:\n  checkpoint: "
            + resume.fingerprint() + "\n  this run:   " + config.fingerprint()
            + "\n(delete it, or use another --out)");
      }
      if (!resume.hasParameters()) {
        throw new IllegalArgumentException("the checkpoint of " + config.fingerprint()
            + " is a finished search run's record without its weights: it cannot continue");
      }
    }
    estimatorState = resume == null ? new VaeEstimators.State()
        : new VaeEstimators.State(resume.baselineValue(), resume.baselineUpdates());
    estimator = entry.factory().make(config.tau(), estimatorState);
    binary = entry.binary();
    model = new VaeModel(a, config.seed(), data.train().pixelMeans());
    sgd = new SgdMomentum(model, config.learningRate(), config.momentum());
    order = new DataOrder(data.train().count(), config.seed());
    if (resume != null) {
      if (!resume.names().equals(model.names())) {
        throw new IllegalArgumentException("the checkpoint's parameters " + resume.names()
            + " are not this model's " + model.names());
      }
      model.write(resume.parameters());
      sgd.write(resume.velocities());
      step = resume.step();
      evaluations.addAll(resume.evaluations());
      divergence = resume.divergence();
      timedSteps = resume.timedSteps();
      stepNanos = resume.stepNanos();
      estimatorNanos = resume.estimatorNanos();
      lastLoss = resume.lastLoss();
    }
  }

  /**
   * Trains until {@code iterations} steps are done, the run diverges, or {@code stop} is
   * requested; checkpoints to {@code checkpoint} (null: never) on the schedule and when it ends.
   */
  Outcome train(int iterations, Schedule schedule, Path checkpoint, Progress progress,
      StopSignal stop, String label) throws IOException {
    if (divergence != null) return Outcome.DIVERGED;
    int batch = config.batch(), px = data.pixels();
    int[] index = new int[batch];
    float[] x = new float[batch * px];
    NoiseStream noise = new NoiseStream(config.seed(), step);
    long segmentStart = System.nanoTime(), segmentSteps = 0;
    double lossAverage = lastLoss;
    while (step < iterations) {
      if (stop != null && stop.requested()) {
        if (checkpoint != null) Checkpoint.save(checkpoint, state());
        return Outcome.STOPPED;
      }
      order.batch(step, batch, index);
      data.train().gather(index, 0, batch, x);
      NoiseKey key = noise.next();
      long t0 = System.nanoTime();
      Elbo.Terms terms;
      try {
        terms = Elbo.gradients(model, estimator, gr, x, batch, key, binary);
      } catch (IllegalArgumentException e) {
        // The estimator refuses non-finite logits or losses: the run has diverged. Any other
        // refusal is a bug and propagates.
        String m = String.valueOf(e.getMessage());
        if (!m.startsWith("logits: row") && !m.startsWith("losses: row")) throw e;
        return diverge("step " + (step + 1) + ": " + m, checkpoint);
      }
      if (!Double.isFinite(terms.loss())) {
        return diverge("step " + (step + 1) + ": the loss is " + terms.loss(), checkpoint);
      }
      if (terms.loss() > DIVERGED_NATS_PER_PIXEL * px) {
        return diverge(String.format(Locale.ROOT, "step %d: the loss is %.3g nats, beyond %.0f "
            + "per pixel", step + 1, terms.loss(), DIVERGED_NATS_PER_PIXEL), checkpoint);
      }
      sgd.step(config.lrScale(step));
      long t1 = System.nanoTime();
      step++;
      timedSteps++;
      segmentSteps++;
      stepNanos += t1 - t0;
      estimatorNanos += terms.estimatorNanos();
      lastLoss = terms.loss();
      lossAverage = Double.isNaN(lossAverage) ? lastLoss : 0.98 * lossAverage + 0.02 * lastLoss;
      if (schedule.evalEvery() > 0 && (step % schedule.evalEvery() == 0 || step == iterations)) {
        evaluateValidation(schedule);
      }
      if (checkpoint != null && schedule.checkpointEvery() > 0
          && step % schedule.checkpointEvery() == 0) {
        Checkpoint.save(checkpoint, state());
      }
      double rate = segmentSteps / ((System.nanoTime() - segmentStart) / 1e9);
      progress.update(step, iterations, String.format(Locale.ROOT,
          "%s  it %d/%d  loss %.1f  valid %s  %.0f it/s", label, step, iterations, lossAverage,
          lastValid(), rate));
    }
    if (checkpoint != null) Checkpoint.save(checkpoint, state());
    return Outcome.DONE;
  }

  private Outcome diverge(String why, Path checkpoint) throws IOException {
    divergence = why;
    if (checkpoint != null) Checkpoint.save(checkpoint, state());
    return Outcome.DIVERGED;
  }

  /** The validation bound at this step, unless it was evaluated at this step already. */
  Evaluation evaluateValidation(Schedule s) {
    for (Evaluation e : evaluations) {
      if (e.step() == step && e.split().equals("valid") && e.images() == s.evalImages()
          && e.samples() == s.evalSamples()) {
        return e;
      }
    }
    return evaluate(data.valid(), s.evalImages(), s.evalSamples(), VALID_KEY);
  }

  /** The bound on the first {@code images} images of {@code split}, recorded. */
  Evaluation evaluate(Split split, int images, int samples, long keyTag) {
    long t0 = System.nanoTime();
    double[] ll = ImportanceBound.logLikelihood(model, gr, split, 0, images, samples,
        NoiseKey.of(config.seed()).derive(keyTag), ImportanceBound.MAX_SAMPLES_PER_CALL);
    Evaluation e = new Evaluation(step, split.name(), images, samples,
        ImportanceBound.meanNll(ll), (System.nanoTime() - t0) / 1e9);
    evaluations.add(e);
    return e;
  }

  private String lastValid() {
    for (int i = evaluations.size() - 1; i >= 0; i--) {
      if (evaluations.get(i).split().equals("valid")) {
        return String.format(Locale.ROOT, "%.2f", evaluations.get(i).nll());
      }
    }
    return "-";
  }

  Checkpoint.State state() {
    return new Checkpoint.State(config.fingerprint(), step, model.names(), model.read(),
        sgd.read(), estimatorState.baseline().value(), estimatorState.baseline().updates(),
        List.copyOf(evaluations), divergence, timedSteps, stepNanos, estimatorNanos, lastLoss);
  }

  long step() {
    return step;
  }

  /** Training steps timed so far, their wall time and the estimator's part of it (ns). */
  long[] timing() {
    return new long[] {timedSteps, stepNanos, estimatorNanos};
  }

  String divergence() {
    return divergence;
  }

  List<Evaluation> evaluations() {
    return List.copyOf(evaluations);
  }

  VaeModel model() {
    return model;
  }

  RunConfig config() {
    return config;
  }

  @Override
  public void close() {
    model.close();
  }
}
