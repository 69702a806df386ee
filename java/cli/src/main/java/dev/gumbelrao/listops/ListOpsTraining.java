package dev.gumbelrao.listops;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.djl.SamplerBlock;
import dev.gumbelrao.djl.SamplerTrainer;
import dev.gumbelrao.djl.SamplingCollector;
import dev.gumbelrao.estimators.Estimator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * One cell of the ListOps experiment: the Gumbel Tree-LSTM trained with one estimator at one
 * temperature on the splits of one maximum length, by DJL's {@code Trainer} (the library's
 * {@link SamplerTrainer}: one backward call per step), Adam with gradient clipping; validation
 * and test accuracy (greedy parses) every {@code evalEvery} iterations, the test accuracy
 * reported at the best validation accuracy.
 */
public final class ListOpsTraining {
  private ListOpsTraining() {}

  /**
   * The settings every cell shares; {@code sgd}: SGD with momentum 0.9 in place of Adam (both
   * clip each gradient element at {@code clip}).
   */
  public record Settings(int hidden, int classifierHidden, int batch, int iterations,
      int evalEvery, float learningRate, float clip, long seed, boolean sgd) {
    public Settings {
      if (hidden < 1 || classifierHidden < 1) throw new IllegalArgumentException("sizes < 1");
      if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
      if (iterations < 1) throw new IllegalArgumentException("iterations must be >= 1");
      if (evalEvery < 1) throw new IllegalArgumentException("evalEvery must be >= 1");
    }
  }

  /** One evaluation: after {@code iteration} steps, the mean training loss since the last. */
  public record Point(int iteration, double trainLoss, double validAccuracy,
      double testAccuracy) {}

  /**
   * A finished cell: its curve, the selected point (best validation accuracy, the first of
   * equals) and the time per step split into network and estimator (ms, means over the run).
   */
  public record Result(String estimator, int maxLength, float tau, List<Point> curve,
      Point selected, double msPerStep, double estimatorMsPerStep) {}

  /** Trains one cell; {@code progress} receives (iterations done) after every step. */
  public static Result train(Estimator estimator, float tau, int maxLength,
      ListOpsData.Splits data, Settings s, Consumer<Integer> progress) {
    Engine.getInstance().setRandomSeed((int) s.seed());
    SamplerBlock sampler = SamplerBlock.builder().estimator(estimator)
        .noise(new NoiseStream(s.seed())).mostProbable().build();
    GumbelTreeLstm net = new GumbelTreeLstm(ListOpsData.VOCABULARY.size(), s.hidden(),
        s.classifierHidden(), 10, sampler);
    List<Point> curve = new ArrayList<>();
    long totalNanos = 0, estimatorNanos = 0;
    try (Model model = Model.newInstance("gumbel-tree-lstm")) {
      model.setBlock(net);
      Optimizer optimizer = s.sgd()
          ? Optimizer.sgd().setLearningRateTracker(Tracker.fixed(s.learningRate()))
              .optMomentum(0.9f).optClipGrad(s.clip()).build()
          : Optimizer.adam().optLearningRateTracker(Tracker.fixed(s.learningRate()))
              .optClipGrad(s.clip()).build();
      DefaultTrainingConfig config = new DefaultTrainingConfig(new SoftmaxCrossEntropyLoss())
          .optOptimizer(optimizer);
      try (Trainer trainer = new SamplerTrainer(model, config)) {
        trainer.initialize(new Shape(s.batch(), maxLength), new Shape(s.batch()));
        SplittableRandom order = new SplittableRandom(s.seed());
        List<ListOpsData.Example> train = data.train();
        int[] perm = permutation(train.size(), order);
        int cursor = 0;
        double lossSum = 0;
        int lossCount = 0;
        for (int it = 1; it <= s.iterations(); it++) {
          List<ListOpsData.Example> batch = new ArrayList<>(s.batch());
          for (int b = 0; b < s.batch(); b++) {
            if (cursor == perm.length) {
              perm = permutation(train.size(), order);
              cursor = 0;
            }
            batch.add(train.get(perm[cursor++]));
          }
          long t0 = System.nanoTime();
          try (NDManager m = trainer.getManager().newSubManager()) {
            NDList in = inputs(m, batch);
            NDArray labels = m.create(labels(batch));
            try (GradientCollector gc = trainer.newGradientCollector()) {
              NDList out = trainer.forward(in);
              NDArray loss = trainer.getLoss().evaluate(new NDList(labels), out);
              gc.backward(loss);
              lossSum += loss.getFloat();
              lossCount++;
              estimatorNanos += ((SamplingCollector) gc).estimatorNanos();
            }
            trainer.step();
          }
          totalNanos += System.nanoTime() - t0;
          estimatorNanos += net.takeSamplerNanos();
          progress.accept(it);
          if (it % s.evalEvery() == 0 || it == s.iterations()) {
            curve.add(new Point(it, lossSum / lossCount, accuracy(trainer, data.valid()),
                accuracy(trainer, data.test())));
            lossSum = 0;
            lossCount = 0;
          }
        }
      }
    }
    Point best = curve.get(0);
    for (Point p : curve) if (p.validAccuracy() > best.validAccuracy()) best = p;
    return new Result(estimator.name(), maxLength, tau, curve, best,
        totalNanos / 1e6 / s.iterations(), estimatorNanos / 1e6 / s.iterations());
  }

  /** Accuracy (%) of the greedy parses on {@code examples}, in batches of 256. */
  static double accuracy(Trainer trainer, List<ListOpsData.Example> examples) {
    int right = 0;
    for (int from = 0; from < examples.size(); from += 256) {
      List<ListOpsData.Example> part = examples.subList(from, Math.min(examples.size(), from
          + 256));
      try (NDManager m = trainer.getManager().newSubManager()) {
        int[] predicted = trainer.evaluate(inputs(m, part)).singletonOrThrow().argMax(1)
            .toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray();
        for (int i = 0; i < part.size(); i++) if (predicted[i] == part.get(i).label()) right++;
      }
    }
    return 100.0 * right / examples.size();
  }

  /** (tokens padded to the batch's longest with id 0, lengths) as int32 arrays. */
  static NDList inputs(NDManager m, List<ListOpsData.Example> batch) {
    int longest = 1;
    for (ListOpsData.Example e : batch) longest = Math.max(longest, e.tokens().length);
    int[] tokens = new int[batch.size() * longest], lengths = new int[batch.size()];
    for (int b = 0; b < batch.size(); b++) {
      int[] t = batch.get(b).tokens();
      System.arraycopy(t, 0, tokens, b * longest, t.length);
      lengths[b] = t.length;
    }
    return new NDList(m.create(tokens, new Shape(batch.size(), longest)), m.create(lengths));
  }

  private static int[] labels(List<ListOpsData.Example> batch) {
    int[] y = new int[batch.size()];
    for (int i = 0; i < y.length; i++) y[i] = batch.get(i).label();
    return y;
  }

  private static int[] permutation(int n, SplittableRandom rnd) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
