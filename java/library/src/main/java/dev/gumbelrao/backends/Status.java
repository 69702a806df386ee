package dev.gumbelrao.backends;

import dev.gumbelrao.cuda.CudaException;

/**
 * The status every kernel returns, shared by all backends and defined in
 * {@code native/include/gumbel_rao/gumbel_rao.h}: 0, or {@code code << 40 | row} for the lowest
 * row whose values are bad. Turned here into an exception that names the argument.
 */
public final class Status {
  private Status() {}

  public static final int OK = 0;
  public static final int LOGITS_NAN = 1;
  public static final int LOGITS_POS_INF = 2;
  public static final int ROW_ALL_MASKED = 3;
  public static final int CHOICE_RANGE = 4;
  public static final int CHOICE_MASKED = 5;
  public static final int OUT_OF_MEMORY = 6;
  public static final int CUDA_ERROR = 7;
  public static final int UPSTREAM_NOT_FINITE = 8;
  public static final int GRAD_OVERFLOW = 9;
  public static final int CANCELLED = 10;
  public static final int NOISE_OVERFLOW = 11;
  public static final int LOSSES_NOT_FINITE = 12;
  public static final int INVALID_ARGUMENT = 13;

  public static long of(int code, long row) {
    return ((long) code << 40) | row;
  }

  public static int code(long status) {
    return (int) (status >> 40);
  }

  public static long row(long status) {
    return status & ((1L << 40) - 1);
  }

  /** The lower-row failure of two statuses (0 counts as no failure). */
  public static long first(long a, long b) {
    if (a == OK) return b;
    if (b == OK) return a;
    return row(b) < row(a) ? b : a;
  }

  /** Throws what the status of call {@code c} stands for; returns normally for 0. */
  public static void check(long status, Call c) {
    if (status == OK) return;
    if (code(status) == LOSSES_NOT_FINITE
        && c.operation().arrays().stream().anyMatch(a -> a.name().equals("lossTable"))) {
      throw new IllegalArgumentException("lossTable: row " + row(status) + " holds NaN or "
          + "Infinity at a class that is not masked (a loss of one of its draws): every loss "
          + "the backward pass reads must be finite");
    }
    if (c.operation().binary()) checkBinary(status);
    else check(status, c.arity());
  }

  /** {@link #check} for the binary estimators: D in {0, 1}, one of them impossible at +-inf. */
  public static void checkBinary(long status) {
    if (code(status) == CHOICE_MASKED) {
      throw new IllegalArgumentException("choice: row " + row(status) + " is an outcome its "
          + "logit makes impossible (0 at eta = +Infinity, 1 at eta = -Infinity)");
    }
    check(status, 2);
  }

  /** Throws the exception that status stands for; returns normally for 0. */
  public static void check(long status, int arity) {
    if (status == OK) return;
    long row = row(status);
    switch (code(status)) {
      case LOGITS_NAN:
        throw new IllegalArgumentException("logits: row " + row + " contains NaN");
      case LOGITS_POS_INF:
        throw new IllegalArgumentException("logits: row " + row + " contains +Infinity");
      case ROW_ALL_MASKED:
        throw new IllegalArgumentException("logits: row " + row
            + " has no finite logit (every class is masked with -Infinity)");
      case CHOICE_RANGE:
        throw new IllegalArgumentException("choice: row " + row + " is outside [0, "
            + (arity > 0 ? String.valueOf(arity) : "arity") + ")");
      case CHOICE_MASKED:
        throw new IllegalArgumentException("choice: row " + row
            + " names a masked class (its logit is -Infinity), which can never be sampled");
      case OUT_OF_MEMORY:
        throw new OutOfMemoryError("native scratch memory could not be allocated");
      case CUDA_ERROR:
        throw new CudaException("CUDA backend", (int) row);
      case UPSTREAM_NOT_FINITE:
        throw new IllegalArgumentException("upstream: row " + row + " holds NaN or Infinity at "
            + "an unmasked class");
      case GRAD_OVERFLOW:
        throw new IllegalArgumentException("grad: row " + row + " does not fit a float (a "
            + "component exceeds 3.4e38): scale the upstream gradient, the losses or tau");
      case NOISE_OVERFLOW:
        throw new IllegalArgumentException("choice: row " + row + ": the conditional noise of "
            + "this D is beyond the float range (its logit lies more than 3.4e38 below the row's "
            + "log-sum-exp, so p_D is 0 in float)");
      case LOSSES_NOT_FINITE:
        throw new IllegalArgumentException("losses: row " + row + " holds NaN or Infinity (a "
            + "loss of one of its draws): every loss must be finite");
      case INVALID_ARGUMENT:
        throw new IllegalArgumentException("the native library rejected an argument (a shape, "
            + "scalar or missing array that its description rules out)");
      case CANCELLED:
        Thread.currentThread().interrupt();
        throw new java.util.concurrent.CancellationException("the call was cancelled: its "
            + "thread was interrupted");
      default:
        throw new IllegalStateException("native kernel failed with status code " + code(status)
            + " at row " + row);
    }
  }
}
