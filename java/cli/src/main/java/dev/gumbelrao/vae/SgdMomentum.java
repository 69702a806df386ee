package dev.gumbelrao.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * SGD with momentum, the paper's optimiser, in PyTorch's form (torch.optim.SGD, no dampening, no
 * Nesterov): v = mu v + g, w = w - lr v. Updates run in place on the parameters' tensors and
 * then zero their gradients (PyTorch accumulates them); every temporary is closed at once.
 */
final class SgdMomentum {
  private final List<Parameter> parameters;
  private final List<NDArray> velocity = new ArrayList<>();
  private final float learningRate, momentum;

  SgdMomentum(VaeModel model, float learningRate, float momentum) {
    if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be finite and > 0, got "
          + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    this.parameters = model.parameters();
    this.learningRate = learningRate;
    this.momentum = momentum;
    for (Parameter p : parameters) {
      velocity.add(model.manager().zeros(p.getArray().getShape(), DataType.FLOAT32));
    }
  }

  /** One update from the gradients the parameters hold; zeroes them. */
  void step() {
    step(1f);
  }

  /**
   * One update at {@code lrScale} times the learning rate (a schedule's factor for this step):
   * v = mu v + g, w = w - lrScale lr v, as torch.optim.SGD under a scheduler that sets the
   * group's lr; zeroes the gradients.
   */
  void step(float lrScale) {
    float lr = learningRate * lrScale;
    for (int i = 0; i < parameters.size(); i++) {
      NDArray w = parameters.get(i).getArray(), v = velocity.get(i);
      try (NDArray g = w.getGradient()) {
        v.muli(momentum).addi(g);
        try (NDArray delta = v.mul(lr)) {
          w.subi(delta);
        }
        g.subi(g);
      }
    }
  }

  /** A copy of the velocities (the checkpoint's). */
  float[][] read() {
    float[][] out = new float[velocity.size()][];
    for (int i = 0; i < out.length; i++) out[i] = velocity.get(i).toFloatArray();
    return out;
  }

  void write(float[][] values) {
    if (values.length != velocity.size()) {
      throw new IllegalArgumentException(values.length + " velocities for " + velocity.size()
          + " parameters");
    }
    for (int i = 0; i < values.length; i++) velocity.get(i).set(values[i]);
  }
}
