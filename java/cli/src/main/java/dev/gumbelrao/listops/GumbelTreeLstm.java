package dev.gumbelrao.listops;

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
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import dev.gumbelrao.djl.SamplerBlock;
import dev.gumbelrao.djl.SamplingCollector;

/**
 * The Gumbel Tree-LSTM (Choi, Yoo, Lee, AAAI 2018; the public code of jihunchoi/
 * unsupervised-treelstm, {@code model/treelstm.py}, which chijames/GST reuses for ListOps) as a
 * DJL block: it parses a token sequence bottom-up, at every level composing every adjacent pair
 * of nodes with a binary Tree-LSTM cell, scoring each candidate parent against a query vector,
 * and merging the one pair the library's {@link SamplerBlock} chooses (greedy at evaluation); the
 * root's state goes to an MLP classifier.
 *
 * <p>As the public code builds it: the composition {@code c = c_l sigma(f_l + 1) + c_r sigma(f_r
 * + 1) + tanh(u) sigma(i)}, {@code h = sigma(o) tanh(c)} from one linear map of (h_l, h_r) (the
 * forget gates' +1 bias); the scores {@code q . h_parent / sqrt(hidden)}; the merged level
 * {@code select * parent + left * old_left + right * old_right} with the masks from the
 * selection's cumulative sum; a sequence already reduced to one node keeps its state; pairs past
 * a sequence's end are masked with -Infinity logits (the library's masking). Choices of ours:
 * a linear leaf ({@code --leaf-rnn} off in the public code's terms) reading a one-hot token,
 * which folds the word embedding into it (the composition of two linear maps), DJL's default
 * initialisers for the linear maps (Xavier, zero biases) where the public code uses Kaiming /
 * orthogonal, the query ~ N(0, 0.01) as there, and no dropout.
 *
 * <p>Input: {@code tokens} (batch, length) int32 ids, {@code lengths} (batch) int32, each >= 1.
 * Output: the classifier's logits (batch, classes).
 */
public final class GumbelTreeLstm extends ai.djl.nn.AbstractBlock {
  private final int vocabulary, hidden;
  private final Linear leaf, compose;
  private final Parameter query;
  private final SequentialBlock classifier;
  private final SamplerBlock sampler;
  private long samplerNanos;

  /**
   * @param vocabulary token ids are in [0, vocabulary)
   * @param hidden the Tree-LSTM's state size
   * @param classifierHidden the MLP classifier's hidden units
   * @param classes the labels
   * @param sampler draws each level's merge (its estimator and noise); {@code mostProbable()}
   *     makes evaluation greedy as in the public code
   */
  public GumbelTreeLstm(int vocabulary, int hidden, int classifierHidden, int classes,
      SamplerBlock sampler) {
    this.vocabulary = vocabulary;
    this.hidden = hidden;
    this.sampler = sampler;
    leaf = addChildBlock("leaf", Linear.builder().setUnits(2L * hidden).build());
    compose = addChildBlock("compose", Linear.builder().setUnits(5L * hidden).build());
    query = addParameter(Parameter.builder().setName("query").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(hidden)).optInitializer(new NormalInitializer(0.01f)).build());
    classifier = addChildBlock("classifier", new SequentialBlock()
        .add(Linear.builder().setUnits(classifierHidden).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(classes).build()));
    addChildBlock("sampler", sampler);
  }

  /** Nanoseconds spent in the sampler's forward passes since the last call (and resets). */
  public long takeSamplerNanos() {
    long t = samplerNanos;
    samplerNanos = 0;
    return t;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray tokens = inputs.get(0);
    int[] lengths = inputs.get(1).toIntArray();
    int batch = (int) tokens.getShape().get(0), length = (int) tokens.getShape().get(1);
    NDManager m = tokens.getManager();
    NDArray x = tokens.oneHot(vocabulary).toType(DataType.FLOAT32, false);
    NDArray hc = leaf.forward(ps, new NDList(x), training).singletonOrThrow();
    NDArray h = hc.get(":, :, :" + hidden), c = hc.get(":, :, " + hidden + ":");
    NDArray q = ps.getValue(query, m.getDevice(), training);
    NDArray scale = m.create((float) Math.sqrt(hidden));
    NDArray one = m.create(1f);
    for (int i = 0; i < length - 1; i++) {
      int pairs = length - 1 - i;
      // the state between levels through the collector's boundary: each level's graph is
      // crossed a constant number of times in the backward pass, not once per later merge
      h = SamplingCollector.boundary(h);
      c = SamplingCollector.boundary(c);
      NDArray hl = h.get(":, :-1"), hr = h.get(":, 1:");
      NDArray cl = c.get(":, :-1"), cr = c.get(":, 1:");
      NDArray gates = compose.forward(ps, new NDList(hl.concat(hr, 2)), training)
          .singletonOrThrow();
      NDList g = gates.split(5, 2);
      NDArray newC = cl.mul(Activation.sigmoid(g.get(1).add(one)))
          .add(cr.mul(Activation.sigmoid(g.get(2).add(one))))
          .add(g.get(3).tanh().mul(Activation.sigmoid(g.get(0))));
      NDArray newH = Activation.sigmoid(g.get(4)).mul(newC.tanh());
      if (i < length - 2) {
        NDArray scores = newH.matMul(q).div(scale);                    // (batch, pairs)
        NDArray logits = scores.add(m.create(mask(lengths, i, pairs), new Shape(batch, pairs)));
        long t0 = System.nanoTime();
        NDArray select = sampler.forward(ps, new NDList(logits), training).singletonOrThrow();
        samplerNanos += System.nanoTime() - t0;
        NDArray cum = select.cumSum(1);
        NDArray left = one.sub(cum).expandDims(2), right = cum.sub(select).expandDims(2);
        NDArray sel = select.expandDims(2);
        newH = sel.mul(newH).add(left.mul(hl)).add(right.mul(hr));
        newC = sel.mul(newC).add(left.mul(cl)).add(right.mul(cr));
      }
      NDArray done = m.create(doneMask(lengths, i), new Shape(batch, 1, 1));  // 1: still merging
      h = done.mul(newH).add(one.sub(done).mul(hl));
      c = done.mul(newC).add(one.sub(done).mul(cl));
    }
    NDArray root = h.reshape(batch, hidden);
    return classifier.forward(ps, new NDList(root), training);
  }

  /**
   * The additive mask of level i's pair logits: 0 where pair j exists (j < length - 1 - i),
   * -Infinity past the sequence's end; a sequence already reduced to one node keeps pair 0 (its
   * choice is then discarded by the done mask) so that every row has a class to draw.
   */
  static float[] mask(int[] lengths, int level, int pairs) {
    float[] out = new float[lengths.length * pairs];
    for (int b = 0; b < lengths.length; b++) {
      int valid = Math.max(1, lengths[b] - 1 - level);
      for (int j = valid; j < pairs; j++) out[b * pairs + j] = Float.NEGATIVE_INFINITY;
    }
    return out;
  }

  // 1 where the sequence still has pairs to merge at level i (length > i + 1), else 0
  static float[] doneMask(int[] lengths, int level) {
    float[] out = new float[lengths.length];
    for (int b = 0; b < lengths.length; b++) out[b] = lengths[b] > level + 1 ? 1f : 0f;
    return out;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return classifier.getOutputShapes(new Shape[] {new Shape(inputShapes[0].get(0), hidden)});
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType,
      Shape... inputShapes) {
    long batch = inputShapes[0].get(0);
    leaf.initialize(manager, dataType, new Shape(batch, 1, vocabulary));
    compose.initialize(manager, dataType, new Shape(batch, 1, 2L * hidden));
    classifier.initialize(manager, dataType, new Shape(batch, hidden));
  }
}
