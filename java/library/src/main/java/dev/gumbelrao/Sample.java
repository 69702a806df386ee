package dev.gumbelrao;

/**
 * What one forward pass on host memory drew, with everything its backward pass needs: the
 * estimator, the backend instance, a view of the logits, the shape, the noise key and the
 * choices D. Made by {@link Estimator#forward} or {@link Estimator#given}; passed to the same
 * estimator's backward pass, which cannot then be given another key, another D or another shape.
 *
 * <p>The choices belong to the sample (the caller gets copies). The logits are a view of the
 * caller's memory: they must not change until the backward pass. Immutable and thread-safe.
 */
public final class Sample {
  private final Estimator estimator;
  private final GumbelRao backend;
  private final Floats logits;
  private final int rows, arity;
  private final NoiseKey key;
  private final Ints choice;

  Sample(Estimator estimator, GumbelRao backend, Floats logits, int rows, int arity,
      NoiseKey key, Ints choice) {
    this.estimator = estimator;
    this.backend = backend;
    this.logits = logits;
    this.rows = rows;
    this.arity = arity;
    this.key = key;
    this.choice = choice;
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

  /**
   * D of sample {@code i}, for i in [0, draws * rows), laid out [draw][row] (i = row for the
   * estimators that draw once per row).
   *
   * @throws IllegalStateException for a relaxed (Gumbel-Softmax) sample, which has no choice
   */
  public int choice(int i) {
    Ints c = choices("choice");
    int n = c.length();
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException("i must be in [0, " + n + "), got " + i);
    }
    return c.array != null ? c.array[i] : c.buffer.get(i);
  }

  /** A copy of every D, [draw][row]. */
  public int[] choices() {
    Ints c = choices("choices");
    return c.array != null ? c.array.clone() : c.read();
  }

  // --------------------------------------------------------------------- for the estimators
  GumbelRao backend() {
    return backend;
  }

  Floats logits() {
    return logits;
  }

  /** The choices as the kernels read them (never handed out). */
  Ints choiceArgument() {
    return choice;
  }

  private Ints choices(String what) {
    if (choice == null) {
      throw new IllegalStateException(what + ": a " + estimator.name() + " sample is relaxed "
          + "(its values are softmax((theta + G) / tau)) and has no hard choice");
    }
    return choice;
  }

  @Override
  public String toString() {
    return estimator + " sample, " + rows + " x " + arity + ", key " + key;
  }
}
