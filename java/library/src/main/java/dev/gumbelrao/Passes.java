package dev.gumbelrao;

/**
 * The plumbing the estimators share: the forward passes (hard: D and its one-hot; relaxed: the
 * Gumbel-Softmax values), samples given a D, and the checks that a backward pass gets a sample of
 * its own estimator, on the memory that sample was drawn on.
 */
final class Passes {
  private Passes() {}

  /** The forward pass of the hard estimators: D (owned by the sample) and optionally onehot(D). */
  static Sample hard(Estimator est, GumbelRao backend, Floats logits, int rows, int arity,
      NoiseKey key, Floats values) {
    Checks.notNull(backend, "backend");
    Checks.batch(rows, arity);
    Checks.notNull(logits, "logits");
    Ints choice = Ints.allocate(rows, logits.buffer != null, "choice");
    backend.sample(logits, rows, arity, key, choice, values);
    return new Sample(est, backend, logits, rows, arity, key, choice);
  }

  /** The forward pass of the relaxed Gumbel-Softmax: only the values; the sample has no D. */
  static Sample relaxed(Estimator est, GumbelRao backend, Floats logits, int rows, int arity,
      float tau, NoiseKey key, Floats values) {
    Checks.notNull(backend, "backend");
    int n = Checks.batch(rows, arity);
    Args.input(logits, "logits", n, "rows * arity");
    Checks.notNull(key, "key");
    if (values != null) backend.gumbelSoftmaxForward(logits, rows, arity, tau, key, values);
    return new Sample(est, backend, logits, rows, arity, key, null);
  }

  /**
   * A sample at a given D: the choices are copied; their values are checked by the backward
   * pass's kernels, with the logits, row by row (the lowest bad row is reported).
   */
  static Sample given(Estimator est, GumbelRao backend, float[] logits, int rows, int arity,
      NoiseKey key, int[] choice) {
    Checks.notNull(backend, "backend");
    int n = Checks.batch(rows, arity);
    Floats th = Floats.of(logits, "logits");
    Args.input(th, "logits", n, "rows * arity");
    Checks.notNull(key, "key");
    Checks.length(choice, "choice", (long) est.draws() * rows, est.draws() == 1 ? "rows"
        : "draws * rows");
    return new Sample(est, backend, th, rows, arity, key, Ints.copyOf(choice, "choice"));
  }

  /** The sample, checked to be one of {@code est}'s and drawn on the memory kind of {@code arg}. */
  static Sample own(Estimator est, Sample sample, Object arg, String argName) {
    Checks.notNull(sample, "sample");
    if (!sample.estimator().equals(est)) {
      throw new IllegalArgumentException("sample: drawn by " + sample.estimator()
          + ", not by " + est + ": a backward pass takes the samples of its own forward pass");
    }
    boolean arrays = sample.logits().array != null;
    if (arg != null && (arg instanceof float[]) != arrays) {
      throw new IllegalArgumentException(argName + ": the sample was drawn on "
          + (arrays ? "arrays, so its backward pass takes arrays"
              : "buffers, so its backward pass takes buffers"));
    }
    return sample;
  }

  /** The device sample, checked like {@link #own(Estimator, Sample, Object, String)}. */
  static DeviceSample own(Estimator est, DeviceSample sample) {
    Checks.notNull(sample, "sample");
    if (!sample.estimator().equals(est)) {
      throw new IllegalArgumentException("sample: drawn by " + sample.estimator()
          + ", not by " + est + ": a backward pass takes the samples of its own forward pass");
    }
    sample.checkChoicesUnchanged();
    return sample;
  }

  static UnsupportedOperationException noGivenChoice(Estimator est) {
    return new UnsupportedOperationException(est.name() + " has no sample at a given D: its "
        + "backward pass uses the forward noise G itself, whose argmax is D");
  }
}
