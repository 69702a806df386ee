package dev.gumbelrao.listops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.gumbelrao.NoiseStream;
import dev.gumbelrao.djl.SamplerBlock;
import dev.gumbelrao.djl.SamplingCollector;
import dev.gumbelrao.estimators.Estimators;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Gumbel Tree-LSTM: its masks, greedy evaluation, and a training step through the library's
 * SamplerBlock in which the query vector (reached only through the merges' estimator) gets a
 * gradient, while the classifier's is that of the loss.
 */
class GumbelTreeLstmTest {
  @Test
  void masksCoverExactlyThePairsOfEachSequence() {
    int[] lengths = {1, 2, 4};
    // level 0, 3 pairs: lengths 1 and 2 keep pair 0 (a row always has a class), 4 has 3 pairs
    float n = Float.NEGATIVE_INFINITY;
    assertArrayEquals(new float[] {0, n, n, 0, n, n, 0, 0, 0},
        GumbelTreeLstm.mask(lengths, 0, 3));
    assertArrayEquals(new float[] {0, n, 0, n, 0, 0}, GumbelTreeLstm.mask(lengths, 1, 2));
    assertArrayEquals(new float[] {0, 1, 1}, GumbelTreeLstm.doneMask(lengths, 0));
    assertArrayEquals(new float[] {0, 0, 1}, GumbelTreeLstm.doneMask(lengths, 1));
    assertArrayEquals(new float[] {0, 0, 1}, GumbelTreeLstm.doneMask(lengths, 2));
  }

  private static SamplerBlock sampler() {
    return SamplerBlock.builder().estimator(Estimators.gumbelRao(10, 0.5f))
        .noise(new NoiseStream(3)).mostProbable().build();
  }

  @Test
  void aTrainingStepReachesTheQueryThroughTheMergesEstimator() {
    ListOpsData.Splits data = ListOpsData.generate(2, 8, 16, 4, 4);
    GumbelTreeLstm net = new GumbelTreeLstm(ListOpsData.VOCABULARY.size(), 12, 12, 10,
        sampler());
    try (Model model = Model.newInstance("t"); NDManager m = NDManager.newBaseManager()) {
      model.setBlock(net);
      net.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(16, 8), new Shape(16));
      ParameterStore ps = new ParameterStore(m, false);
      NDList in = ListOpsTraining.inputs(m, data.train());
      // greedy evaluation is deterministic and needs no collector
      float[] a = net.forward(ps, in, false).singletonOrThrow().toFloatArray();
      float[] b = net.forward(ps, in, false).singletonOrThrow().toFloatArray();
      assertArrayEquals(a, b);
      assertEquals(new Shape(16, 10), net.forward(ps, in, false).singletonOrThrow().getShape());
      // a training pass outside the library's collector is refused, naming the fix
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> net.forward(ps, in, true));
      assertTrue(e.getMessage().contains("SamplerTrainer"), e.getMessage());
      int[] y = new int[16];
      for (int i = 0; i < 16; i++) y[i] = data.train().get(i).label();
      try (SamplingCollector gc = SamplingCollector.open()) {
        NDArray logits = net.forward(ps, in, true).singletonOrThrow();
        NDArray loss = logits.logSoftmax(1).mul(m.create(y).oneHot(10)).sum().neg();
        gc.backward(loss);
      }
      boolean queryMoved = false, classifierMoved = false;
      for (Pair<String, Parameter> p : net.getParameters()) {
        float[] g = p.getValue().getArray().getGradient().toFloatArray();
        double norm = 0;
        for (float v : g) norm += v * v;
        assertTrue(Double.isFinite(norm), p.getKey());
        if (p.getKey().equals("query")) queryMoved = norm > 0;
        if (p.getKey().contains("classifier")) classifierMoved |= norm > 0;
      }
      assertTrue(queryMoved, "the query vector got no gradient: the merges' estimator is cut");
      assertTrue(classifierMoved);
    }
  }

  @Test
  void theNetworkIsNamedInItsParameters() {
    GumbelTreeLstm net = new GumbelTreeLstm(15, 4, 4, 10, sampler());
    List<String> names = net.getParameters().keys();
    assertTrue(names.contains("query"), names.toString());
  }
}
