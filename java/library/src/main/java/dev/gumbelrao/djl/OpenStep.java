package dev.gumbelrao.djl;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * The training step a {@link SamplingCollector} holds open: the samples the {@link SamplerBlock}s
 * drew in it, in the order they were drawn, and the last per-example loss a {@link SampleLoss}
 * evaluated. One at a time per JVM, as DJL's PyTorch engine lets one gradient collector collect
 * at a time.
 */
final class OpenStep {
  private static OpenStep current;

  private final List<DjlSample> samples = new ArrayList<>();
  private NDArray exampleLosses;
  private boolean closed;

  private OpenStep() {}

  static synchronized OpenStep open() {
    if (current != null) {
      throw new IllegalStateException("a SamplingCollector is already open: close it (one "
          + "training step at a time, as DJL's gradient collectors)");
    }
    current = new OpenStep();
    return current;
  }

  /** The open step, or null. */
  static synchronized OpenStep current() {
    return current;
  }

  synchronized void add(DjlSample sample) {
    if (closed) throw new IllegalStateException("this training step is closed");
    samples.add(sample);
  }

  /** Records the per-example losses of the step's loss (the last evaluation counts). */
  synchronized void exampleLosses(NDArray losses) {
    if (!closed) exampleLosses = losses;
  }

  synchronized NDArray exampleLosses() {
    return exampleLosses;
  }

  /** The pending samples, in drawing order, and forgets them (their backward pass is run). */
  synchronized List<DjlSample> take() {
    List<DjlSample> out = new ArrayList<>(samples);
    samples.clear();
    exampleLosses = null;
    return out;
  }

  /** Closes the step; returns how many samples never received their backward pass. */
  synchronized int close() {
    closed = true;
    synchronized (OpenStep.class) {
      if (current == this) current = null;
    }
    int left = samples.size();
    samples.clear();
    return left;
  }
}
