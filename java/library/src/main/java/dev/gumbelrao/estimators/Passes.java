package dev.gumbelrao.estimators;

import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.backends.Calls;
import dev.gumbelrao.backends.Checks;
import dev.gumbelrao.backends.Memory;
import dev.gumbelrao.backends.Status;
import dev.gumbelrao.backends.Target;
import dev.gumbelrao.cuda.CudaStream;

/**
 * The plumbing the estimators share: the forward pass of each {@link Drawing.Kind}, on any
 * memory; samples given a D; and the check that a backward pass gets a sample of its own
 * estimator, on the memory that sample was drawn on.
 */
final class Passes {
  private Passes() {}

  /**
   * The forward pass of {@code est} on {@code target}. Sizes are checked before anything is
   * allocated. On host memory the choices are allocated here (owned by the sample, of the logits'
   * kind); on a device they are the caller's {@code choice} buffer.
   */
  static Sample forward(Drawing est, Target target, Memory logits, int rows, int arity,
      NoiseKey key, Memory choice, Memory values, CudaStream stream) {
    Drawing.Kind kind = est.kind();
    if (kind.binary()) binaryArity(est, arity);
    int n = Checks.batch(rows, arity);
    Checks.notNull(logits, "logits");
    // the logits' length before anything is allocated: rows sizes the choices
    if (logits.host()) hostLength(logits, n, "rows * arity");
    int draws = est.draws();
    long choices = (long) draws * rows;
    if ((long) draws * n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("draws * rows * arity = " + (long) draws * n
          + " exceeds 2^31 - 1");
    }
    if (kind == Drawing.Kind.RELAXED) {
      if (choice != null) {
        throw new IllegalArgumentException("choice: a " + est.name() + " sample is relaxed and "
            + "has no hard choice; pass null");
      }
      Calls.GumbelSoftmaxForward call = new Calls.GumbelSoftmaxForward(logits, rows, arity,
          est.relaxedTau(), key, values);
      if (values != null) target.execute(call);
      else checkShape(call, key);
      return new Sample(est, target, logits, rows, arity, key, null, stream);
    }
    Memory d;
    if (target.device()) {
      d = Checks.notNull(choice, "choice");
    } else {
      if (logits.kind() == Memory.Kind.DEVICE) {
        throw new IllegalArgumentException("logits is device memory: draw on a CudaDevice");
      }
      d = Memory.allocateInts(choices, logits.kind(), "choice");
    }
    switch (kind) {
      case HARD:
        target.execute(new Calls.Sample(logits, rows, arity, key, d, values));
        break;
      case BINARY:
      case COPULA:
        target.execute(new Calls.BinarySample(logits, rows, draws, key, d, values));
        break;
      default:
        multiDraw(target, logits, rows, arity, n, draws, key, d, values);
    }
    return new Sample(est, target, logits, rows, arity, key, d, stream);
  }

  /** A relaxed pass without values draws nothing: its arguments are still checked. */
  private static void checkShape(Calls.GumbelSoftmaxForward call, NoiseKey key) {
    call.checkScalars();
    Checks.notNull(key, "key");
  }

  /** A host array or buffer must hold {@code expected} elements ({@code what}). */
  private static void hostLength(Memory m, long expected, String what) {
    if (m.length() != expected) {
      throw new IllegalArgumentException(m.name() + (m.kind() == Memory.Kind.ARRAY
          ? " has length " + m.length() : " has " + m.length() + " elements remaining")
          + ", expected " + what + " = " + expected);
    }
  }

  /**
   * The draws of the estimators that evaluate several samples of each row (RLOO): draw s is the
   * Gumbel-max sample of the sub-key {@code key.derive(s)}; choices and values are laid out
   * [draw][row]. Buffers and device memory are written through views of each draw's part; Java
   * arrays through per-draw arrays copied into place.
   */
  private static void multiDraw(Target target, Memory logits, int rows, int arity, int n,
      int draws, NoiseKey key, Memory choice, Memory values) {
    Checks.notNull(key, "key");
    if (values != null && values.host()) {
      hostLength(values, (long) draws * n, "draws * rows * arity");
      // each draw is written through a copy, which the calls' own check cannot see
      dev.gumbelrao.backends.Arguments.disjointHost(values, logits);
    }
    for (int s = 0; s < draws; s++) {
      NoiseKey sub = key.derive(s);
      if (choice.kind() == Memory.Kind.ARRAY) {
        int[] c = new int[rows];
        float[] v = values == null ? null : new float[n];
        target.execute(new Calls.Sample(logits, rows, arity, sub, Memory.of(c, "choice"),
            Memory.of(v, values == null ? "values" : values.name())));
        System.arraycopy(c, 0, choice.intArray(), s * rows, rows);
        if (v != null) System.arraycopy(v, 0, values.floatArray(), s * n, n);
      } else {
        target.execute(new Calls.Sample(logits, rows, arity, sub,
            choice.slice((long) s * rows, rows),
            values == null ? null : values.slice((long) s * n, n)));
      }
    }
  }

  static void binaryArity(Estimator est, int arity) {
    if (arity != 1) {
      throw new IllegalArgumentException("arity: " + est.name() + " is a binary estimator: one "
          + "logit eta per Bernoulli variable (arity 1), got " + arity);
    }
  }

  /**
   * A sample at a given D: the choices are copied; their values are checked by the backward
   * pass's kernels, with the logits, row by row (the lowest bad row is reported), or here at once
   * when the estimator's backward pass never reads D ({@link Drawing#givenCheckedNow()}: in range
   * and not a masked class; binary: 0 or 1 and not made impossible by an infinite logit).
   */
  static Sample given(Drawing est, Target target, float[] logits, int rows, int arity,
      NoiseKey key, int[] choice) {
    if (!est.givenApplies()) {
      throw new UnsupportedOperationException(est.name() + " has no sample at a given D: its "
          + "backward pass uses the forward noise G itself, whose argmax is D");
    }
    boolean binary = est.kind().binary();
    if (binary) binaryArity(est, arity);
    int n = Checks.batch(rows, arity);
    Checks.notNull(logits, "logits");
    if (logits.length != n) {
      throw new IllegalArgumentException("logits has length " + logits.length
          + ", expected rows * arity = " + n);
    }
    Checks.notNull(key, "key");
    Checks.length(choice, "choice", (long) est.draws() * rows, est.draws() == 1 ? "rows"
        : "draws * rows");
    for (int i = 0; est.givenCheckedNow() && i < choice.length; i++) {
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
    return new Sample(est, target, Memory.of(logits, "logits"), rows, arity, key,
        Memory.copyOf(choice, "choice"), null);
  }

  /**
   * The sample, checked to be one of {@code est}'s and drawn on the kind of memory of
   * {@code arg} (arrays, buffers or device memory).
   */
  static Sample own(Estimator est, Sample sample, Memory arg, String argName) {
    Checks.notNull(sample, "sample");
    if (!sample.estimator().equals(est)) {
      throw new IllegalArgumentException("sample: drawn by " + sample.estimator()
          + ", not by " + est + ": a backward pass takes the samples of its own forward pass");
    }
    Memory.Kind drawn = sample.logits().kind();
    if (arg != null && arg.kind() != drawn) {
      throw new IllegalArgumentException(argName + ": the sample was drawn on "
          + (drawn == Memory.Kind.ARRAY ? "arrays, so its backward pass takes arrays"
              : drawn == Memory.Kind.BUFFER ? "buffers, so its backward pass takes buffers"
              : "device memory, so its backward pass takes DeviceBuffers"));
    }
    sample.checkChoicesUnchanged();
    return sample;
  }
}
