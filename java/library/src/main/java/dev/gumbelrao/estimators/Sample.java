package dev.gumbelrao.estimators;

import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.backends.Target;
import dev.gumbelrao.cuda.CudaStream;
import dev.gumbelrao.cuda.DeviceBuffer;

/**
 * What one forward pass drew, with everything its backward pass needs: the estimator, where it
 * ran, a view of the logits, the shape, the noise key and the choices D (for a pass on device
 * memory also the stream). Made by {@link Estimator#forward} or {@link Estimator#given}; passed
 * to the same estimator's backward pass, which cannot then be given another key, another D,
 * another shape or other kinds of memory.
 *
 * <p>On host memory the choices belong to the sample (the caller gets copies). On device memory
 * they live in the caller's buffer, which belongs to the sample until its backward pass: a later
 * forward pass or copy into it makes that backward pass throw. The logits are a view of the
 * caller's memory: they must not change until the backward pass. Immutable and thread-safe.
 */
public final class Sample {
  private final Estimator estimator;
  private final Target target;
  private final Memory logits;
  private final int rows, arity;
  private final NoiseKey key;
  private final Memory choice;
  private final CudaStream stream;
  private final long choiceWrites;

  Sample(Estimator estimator, Target target, Memory logits, int rows, int arity, NoiseKey key,
      Memory choice, CudaStream stream) {
    this.estimator = estimator;
    this.target = target;
    this.logits = logits;
    this.rows = rows;
    this.arity = arity;
    this.key = key;
    this.choice = choice;
    this.stream = stream;
    this.choiceWrites = choice == null || choice.host() ? 0 : choice.device().writes();
  }

  /** The estimator that drew this sample; only its backward pass accepts it. */
  public Estimator estimator() {
    return estimator;
  }

  public int rows() {
    return rows;
  }

  public int arity() {
    return arity;
  }

  /** The noise key of the forward pass (its backward pass regenerates that noise). */
  public NoiseKey key() {
    return key;
  }

  /** Whether the sample has hard choices D (every estimator but the relaxed Gumbel-Softmax). */
  public boolean hasChoices() {
    return choice != null;
  }

  /** Whether the sample was drawn on device memory (then its backward pass takes device memory). */
  public boolean onDevice() {
    return stream != null;
  }

  /** The stream a device sample's passes run on; null for a sample on host memory. */
  public CudaStream stream() {
    return stream;
  }

  /**
   * D of sample {@code i}, for i in [0, draws * rows), laid out [draw][row] (i = row for the
   * estimators that draw once per row), on host memory.
   *
   * @throws IllegalStateException for a relaxed (Gumbel-Softmax) sample, which has no choice, or a
   *     device sample (read {@link #choiceBuffer()})
   */
  public int choice(int i) {
    Memory c = hostChoices("choice");
    long n = c.length();
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("i must be in [0, " + n + "), got " + i);
    }
    return c.intAt(i);
  }

  /** A copy of every D, [draw][row], of a sample on host memory. */
  public int[] choices() {
    Memory c = hostChoices("choices");
    return c.kind() == Memory.Kind.ARRAY ? c.intArray().clone() : c.readInts();
  }

  /** The device buffer holding D ([draw][row]) of a device sample; null for a relaxed one. */
  public DeviceBuffer choiceBuffer() {
    if (!onDevice()) {
      throw new IllegalStateException("choiceBuffer: this sample was drawn on host memory: "
          + "read choices()");
    }
    return choice == null ? null : choice.device();
  }

  // --------------------------------------------------------------------- for the estimators
  Target target() {
    return target;
  }

  Memory logits() {
    return logits;
  }

  /** The choices as the kernels read them (never handed out on host memory). */
  Memory choiceArgument() {
    return choice;
  }

  /** A device sample's choice buffer must not have been written since the forward pass. */
  void checkChoicesUnchanged() {
    if (choice != null && !choice.host() && choice.device().writes() != choiceWrites) {
      throw new IllegalArgumentException("sample: its choice buffer was written again after "
          + "this sample was drawn (another forward pass or a copy into it): its D is gone");
    }
  }

  private Memory hostChoices(String what) {
    if (choice == null) {
      throw new IllegalStateException(what + ": a " + estimator.name() + " sample is relaxed "
          + "(its values are softmax((theta + G) / tau)) and has no hard choice");
    }
    if (onDevice()) {
      throw new IllegalStateException(what + ": this sample was drawn on device memory: its D "
          + "is in choiceBuffer()");
    }
    return choice;
  }

  @Override
  public String toString() {
    return estimator + (onDevice() ? " device sample, " : " sample, ") + rows + " x " + arity
        + ", key " + key;
  }
}
