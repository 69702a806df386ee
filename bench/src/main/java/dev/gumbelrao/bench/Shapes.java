package dev.gumbelrao.bench;


import java.util.SplittableRandom;

/**
 * The problem shapes, shared by the benchmarks and the report so both count the same work.
 * Every case holds about 2^20 logits (rows = 2^20 / arity) so throughputs at different arities
 * compare; element-samples per call = rows x arity x K (K = 1 where it does not apply; the
 * binary estimators run at arity 1, so on 2^20 variables).
 */
final class Shapes {
  private Shapes() {}

  /** Logits per case: R x N. */
  static final int ELEMENTS = 1 << 20;

  /**
   * The most floats conditional sampling may write per call (2^26 floats = 256 MiB): it writes
   * K x rows x arity of them, so large K runs on fewer rows.
   */
  static final long NOISE_CAP = 1L << 26;

  /**
   * The default temperature. Its cost matters: 1/tau = 2 is an integer, so Gumbel-Rao takes the
   * integer-power path (a division instead of a logarithm and an exponential per
   * element-sample); OperationBenchmark's {@code tau} parameter measures other temperatures.
   */
  static final float TAU = 0.5f;

  /** The seed of every benchmark's inputs and noise, so runs draw the same problems. */
  static final long SEED = 20210503L;

  /** Rows of a case at this arity: 2^20 / arity, at least 1. */
  static int rows(int arity) {
    return Math.max(1, ELEMENTS / arity);
  }

  /** Rows a case of this operation actually runs on (conditional sampling is capped). */
  static int rows(Operation op, int arity, int k) {
    int rows = rows(arity);
    if (op == Operation.CONDITIONAL) {
      rows = (int) Math.max(1, Math.min(rows, NOISE_CAP / ((long) k * arity)));
    }
    return rows;
  }

  /**
   * Element-samples of one call: rows actually used x arity x K (K = 1 where it does not apply,
   * and for RLOO, whose backward pass writes one element per logit whatever its S).
   */
  static long elementSamples(Operation op, int arity, int k) {
    return (long) rows(op, arity, k) * arity * (op.perK() ? k : 1);
  }

  /** n standard normal floats: logits and upstream gradients. */
  static float[] standardNormal(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) values[i] = (float) random.nextGaussian();
    return values;
  }
}
