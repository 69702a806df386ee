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

  /**
   * The forward pass of the estimators that draw several samples of each row (RLOO): draw s,
   * s in [0, draws), is the Gumbel-max sample of the sub-key {@code key.derive(s)}; choices and
   * values are laid out [draw][row].
   */
  static Sample multiDraw(Estimator est, GumbelRao backend, Floats logits, int rows, int arity,
      NoiseKey key, Floats values) {
    Checks.notNull(backend, "backend");
    int n = Checks.batch(rows, arity);
    Args.input(logits, "logits", n, "rows * arity");
    Checks.notNull(key, "key");
    int draws = est.draws();
    long total = (long) draws * n;
    if (total > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("draws * rows * arity = " + total + " exceeds 2^31 - 1");
    }
    if (values != null) {
      Args.output(values, values.name, total, "draws * rows * arity", logits);
    }
    boolean buffers = logits.buffer != null;
    Ints choice = Ints.allocate(draws * rows, buffers, "choice");
    for (int s = 0; s < draws; s++) {
      NoiseKey sub = key.derive(s);
      if (buffers) {
        java.nio.IntBuffer c = choice.buffer.duplicate().position(s * rows)
            .limit((s + 1) * rows).slice();
        java.nio.FloatBuffer v = values == null ? null : values.buffer.duplicate()
            .position(s * n).limit((s + 1) * n);
        backend.sample(logits, rows, arity, sub, Ints.of(c, "choice"),
            v == null ? null : Floats.of(v, values.name));
      } else {
        int[] c = new int[rows];
        float[] v = values == null ? null : new float[n];
        backend.sample(logits, rows, arity, sub, Ints.of(c, "choice"),
            v == null ? null : Floats.of(v, values.name));
        System.arraycopy(c, 0, choice.array, s * rows, rows);
        if (v != null) System.arraycopy(v, 0, values.array, s * n, n);
      }
    }
    return new Sample(est, backend, logits, rows, arity, key, choice);
  }

  /**
   * The forward pass of the binary estimators: rows Bernoulli variables of one logit each
   * (arity 1), b = [eta + L > 0] with L the key's logistic noise; with {@code antithetic} also
   * b~ = [eta - L > 0] as a second draw.
   */
  static Sample binary(Estimator est, GumbelRao backend, Floats logits, int rows, int arity,
      NoiseKey key, Floats values, boolean antithetic) {
    Checks.notNull(backend, "backend");
    binaryArity(est, arity);
    Checks.batch(rows, 1);
    Checks.notNull(logits, "logits");
    Ints choice = Ints.allocate((antithetic ? 2 : 1) * rows, logits.buffer != null, "choice");
    backend.binarySample(logits, rows, key, antithetic, choice, values);
    return new Sample(est, backend, logits, rows, 1, key, choice);
  }

  static void binaryArity(Estimator est, int arity) {
    if (arity != 1) {
      throw new IllegalArgumentException("arity: " + est.name() + " is a binary estimator: one "
          + "logit eta per Bernoulli variable (arity 1), got " + arity);
    }
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
    return given(est, backend, logits, rows, arity, key, choice, false);
  }

  /**
   * {@link #given(Estimator, GumbelRao, float[], int, int, NoiseKey, int[])}, the choices also
   * checked here against the logits when {@code checkNow} (in range and not a masked class;
   * binary: 0 or 1 and not made impossible by an infinite logit): for ST, whose backward pass
   * never reads D, so that a bad D is never accepted silently.
   */
  static Sample given(Estimator est, GumbelRao backend, float[] logits, int rows, int arity,
      NoiseKey key, int[] choice, boolean checkNow) {
    Checks.notNull(backend, "backend");
    int n = Checks.batch(rows, arity);
    Floats th = Floats.of(logits, "logits");
    Args.input(th, "logits", n, "rows * arity");
    Checks.notNull(key, "key");
    Checks.length(choice, "choice", (long) est.draws() * rows, est.draws() == 1 ? "rows"
        : "draws * rows");
    boolean binary = est instanceof ZgrBinary || est instanceof DisArm;
    for (int i = 0; checkNow && i < choice.length; i++) {
      int r = i % rows, d = choice[i];
      if (binary) {
        int code = d < 0 || d > 1 ? Status.CHOICE_RANGE
            : logits[r] == (d == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY)
                ? Status.CHOICE_MASKED : Status.OK;
        if (code != Status.OK) Status.checkBinary(Status.of(code, r));
      } else if (d < 0 || d >= arity) {
        Status.check(Status.of(Status.CHOICE_RANGE, r), arity);
      } else if (logits[r * arity + d] == Float.NEGATIVE_INFINITY) {
        Status.check(Status.of(Status.CHOICE_MASKED, r), arity);
      }
    }
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

  /** The losses of a score-function backward pass must be finite ([draw][row], rows a row). */
  static void finiteLosses(float[] f, int rows) {
    for (int i = 0; i < f.length; i++) {
      if (!Float.isFinite(f[i])) {
        throw new IllegalArgumentException("losses: row " + (rows == 0 ? i : i % rows) + " is "
            + f[i] + ", not finite");
      }
    }
  }

  static UnsupportedOperationException noGivenChoice(Estimator est) {
    return new UnsupportedOperationException(est.name() + " has no sample at a given D: its "
        + "backward pass uses the forward noise G itself, whose argmax is D");
  }
}
