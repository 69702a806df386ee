package dev.gumbelrao.estimators;

/**
 * The running-mean baseline b of REINFORCE (Williams 1992), as used for the paper's baselines:
 * an exponential moving average of the batch-mean loss, b &lt;- decay * b + (1 - decay) * mean(f).
 * The first update sets b to the first batch's mean. REINFORCE's backward pass reads
 * b for the gradient (f - b)(onehot(D) - p) and then updates it with the batch's losses, so the
 * baseline never depends on the sample it corrects. Thread-safe.
 */
public final class RunningMeanBaseline {
  /** The decay used by default, 0.95 (as in storchastic). */
  public static final double DEFAULT_DECAY = 0.95;

  private final double decay;
  private double value;
  private long updates;

  public RunningMeanBaseline() {
    this(DEFAULT_DECAY);
  }

  /** @param decay in [0, 1): the weight of the old value in each update */
  public RunningMeanBaseline(double decay) {
    if (!(decay >= 0 && decay < 1)) {
      throw new IllegalArgumentException("decay must be in [0, 1), got " + decay);
    }
    this.decay = decay;
  }

  /**
   * A baseline in a given state: one restored from a checkpoint, or a data-parallel worker's copy
   * of the reducer's baseline at this step (README, "Data-parallel training": every worker's
   * REINFORCE must read the same b; the reducer updates its own with the whole batch's mean).
   *
   * @param decay in [0, 1)
   * @param value b, finite and within the float range; 0 when {@code updates} is 0
   * @param updates the updates that gave {@code value}, at least 0
   */
  public RunningMeanBaseline(double decay, double value, long updates) {
    this(decay);
    if (updates < 0) {
      throw new IllegalArgumentException("updates must be at least 0, got " + updates);
    }
    if (!(Math.abs(value) <= Float.MAX_VALUE)) {
      throw new IllegalArgumentException("value must be finite and within the float range "
          + "(|b| <= 3.4e38), got " + value);
    }
    if (updates == 0 && value != 0) {
      throw new IllegalArgumentException("value must be 0 before any update, got " + value);
    }
    this.value = value;
    this.updates = updates;
  }

  public double decay() {
    return decay;
  }

  /** The current baseline b (0 before the first update). */
  public synchronized double value() {
    return value;
  }

  /** Number of updates so far. */
  public synchronized long updates() {
    return updates;
  }

  /**
   * b &lt;- decay * b + (1 - decay) * batchMean, or b = batchMean on the first update.
   *
   * @param batchMean finite and within the float range (the kernels read b as a float, as they
   *     read the losses)
   */
  public synchronized void update(double batchMean) {
    if (!(Math.abs(batchMean) <= Float.MAX_VALUE)) {
      throw new IllegalArgumentException("batchMean must be finite and within the float range "
          + "(|b| <= 3.4e38), got " + batchMean);
    }
    value = updates == 0 ? batchMean : decay * value + (1 - decay) * batchMean;
    updates++;
  }
}
