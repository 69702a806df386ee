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

  /** A leaf copy of {@code original} that the backward pass stitches back. */
  record Boundary(NDArray original, NDArray leaf) {}

  // DjlSamples and Boundaries, in creation order
  private final List<Object> events = new ArrayList<>();
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
    events.add(sample);
  }

  synchronized void add(Boundary boundary) {
    if (closed) throw new IllegalStateException("this training step is closed");
    events.add(boundary);
  }

  /** Records the per-example losses of the step's loss (the last evaluation counts). */
  synchronized void exampleLosses(NDArray losses) {
    if (!closed) exampleLosses = losses;
  }

  synchronized NDArray exampleLosses() {
    return exampleLosses;
  }

  /**
   * The pending samples and boundaries, in creation order, and forgets them (their backward pass
   * is run).
   */
  synchronized List<Object> take() {
    List<Object> out = new ArrayList<>(events);
    events.clear();
    exampleLosses = null;
    return out;
  }

  /** Closes the step; returns how many samples never received their backward pass. */
  synchronized int close() {
    closed = true;
    synchronized (OpenStep.class) {
      if (current == this) current = null;
    }
    int left = 0;
    for (Object e : events) if (e instanceof DjlSample) left++;
    events.clear();
    return left;
  }
}
