package dev.gumbelrao.testing;

import dev.gumbelrao.Backend;
import dev.gumbelrao.BackendKind;
import dev.gumbelrao.NoiseKey;
import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.EstimatorFamily.Parameter;
import dev.gumbelrao.estimators.EstimatorFamily;
import dev.gumbelrao.estimators.Estimators;
import dev.gumbelrao.estimators.LossTableEstimator;
import dev.gumbelrao.estimators.PathwiseEstimator;
import dev.gumbelrao.estimators.Sample;
import dev.gumbelrao.estimators.ScoreFunctionEstimator;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The one list of estimators the cross-cutting tests run (agreement across backends, validation,
 * fuzzing, hardening, concurrency, the DJL interop), derived from the registry
 * ({@link Estimators#families()}): a family added there reaches every one of them with no edit in
 * those tests. {@code EstimatorCasesTest} fails if a registry family is missing from the list.
 *
 * <p>Each {@link Case} is an estimator of a family (its K or S, its temperature where it takes
 * one, the arity of its rows) with what a generic test needs to run its forward and backward
 * passes on any backend: logits of the right shape (one logit per variable for the binary
 * families), the backward pass's input of the right layout (the upstream gradient, rows * arity,
 * for a pathwise estimator; the losses of its draws, [draw][row], for a score-function one; the
 * table [draw][row][class] for a loss-table one), a
 * valid given D where the family can be conditioned on one, and the tolerance of its float
 * kernels against the JAVA backend's double-precision oracle.
 */
public final class EstimatorCases {
  private EstimatorCases() {}

  /** The arities of the representative cases: rows of 1 and 2 classes, and one past 32. */
  public static final int[] ARITIES = {1, 2, 33};
  /** The temperatures of the tempered families' cases, alternately. */
  public static final float[] TAUS = {0.5f, 2f};

  /** K, S or N of a family's cases: its least value and a larger one. */
  static int[] parameters(EstimatorFamily f) {
    switch (f.parameter()) {
      case DRAWS_K:
        return new int[] {1, 10};
      case SAMPLES_S:
        return new int[] {2, 5};
      case DRAWS_N:
        return new int[] {1, 3};
      default:
        return new int[] {0};
    }
  }

  /**
   * A few representative estimators of every registry family: each K or S of
   * {@link #parameters} at each arity of {@link #ARITIES} (a binary family at arity 1), the
   * tempered ones at both {@link #TAUS} in turn. New objects on every call (a REINFORCE
   * estimator's baseline is its own).
   */
  public static List<Case> all() {
    List<Case> out = new ArrayList<>();
    for (EstimatorFamily f : Estimators.families()) {
      int i = 0;
      for (int parameter : parameters(f)) {
        for (int arity : f.binary() ? new int[] {1} : ARITIES) {
          out.add(new Case(f, parameter, f.tempered() ? TAUS[i++ % TAUS.length] : 1f, arity));
        }
      }
    }
    return out;
  }

  /** {@link #all()} as a {@code @MethodSource}. */
  public static Stream<Case> cases() {
    return all().stream();
  }

  /** The cases of the estimators that draw once per row (a batch split by images keeps them). */
  public static List<Case> oneDrawPerRow() {
    return all().stream().filter(c -> c.draws() == 1).collect(Collectors.toList());
  }

  /**
   * One estimator of every registry family at a shape a test chooses: K = {@code parameter}
   * for a family with K, S = {@code parameter} clamped to [2, 8] for one with S (N to [1, 8]); arity
   * {@code arity}, or 1 for a binary family.
   */
  public static List<Case> oneEach(int arity, int parameter, float tau) {
    List<Case> out = new ArrayList<>();
    for (EstimatorFamily f : Estimators.families()) {
      int p = f.parameter() == Parameter.DRAWS_K ? parameter
          : f.parameter() == Parameter.SAMPLES_S ? Math.max(2, Math.min(8, parameter))
          : f.parameter() == Parameter.DRAWS_N ? Math.max(1, Math.min(8, parameter)) : 0;
      out.add(new Case(f, p, tau, f.binary() ? 1 : arity));
    }
    return out;
  }

  /**
   * The backward pass of any kind: {@code input} is the upstream, the losses or the loss table.
   */
  public static void backward(Estimator est, Sample s, float[] input, float[] grad) {
    if (est instanceof PathwiseEstimator) {
      ((PathwiseEstimator) est).backward(s, input, grad);
    } else if (est instanceof LossTableEstimator) {
      ((LossTableEstimator) est).backward(s, input, grad);
    } else {
      ((ScoreFunctionEstimator) est).backward(s, input, grad);
    }
  }

  /** {@link #backward(Estimator, Sample, float[], float[])} on buffers. */
  public static void backward(Estimator est, Sample s, FloatBuffer input, FloatBuffer grad) {
    if (est instanceof PathwiseEstimator) {
      ((PathwiseEstimator) est).backward(s, input, grad);
    } else if (est instanceof LossTableEstimator) {
      ((LossTableEstimator) est).backward(s, input, grad);
    } else {
      ((ScoreFunctionEstimator) est).backward(s, input, grad);
    }
  }

  /**
   * What one step on arrays gave: the sample, the forward values (null at a given D), the grad.
   */
  public record Step(Sample sample, float[] values, float[] grad) {
    /** D of every draw, [draw][row]; null for a relaxed sample. */
    public int[] choices() {
      return sample.hasChoices() ? sample.choices() : null;
    }
  }

  /**
   * An estimator of a registry family, at a K or S ({@code parameter}; 0 for a family without
   * one), a temperature ({@code tau}, ignored by an untempered family) and an arity.
   */
  public record Case(EstimatorFamily family, int parameter, float tau, int arity) {
    /** A new estimator of this case (each REINFORCE estimator owns its baseline). */
    public Estimator estimator() {
      return family.make(parameter, tau);
    }

    /** The estimator's name: GR-MC10, RLOO-5, ST-GS, ... */
    public String name() {
      return estimator().name();
    }

    public boolean pathwise() {
      return estimator() instanceof PathwiseEstimator;
    }

    /** Its backward pass takes one loss per draw and row ({@link ScoreFunctionEstimator}). */
    public boolean scoreFunction() {
      return estimator() instanceof ScoreFunctionEstimator;
    }

    /** Its backward pass takes a loss per draw, row and class ({@link LossTableEstimator}). */
    public boolean lossTable() {
      return family.lossTable();
    }

    public boolean binary() {
      return family.binary();
    }

    public boolean tempered() {
      return family.tempered();
    }

    public boolean relaxed() {
      return family.relaxed();
    }

    public boolean conditionable() {
      return family.conditionable();
    }

    /** Samples forward draws per row. */
    public int draws() {
      return estimator().draws();
    }

    /**
     * Whether its backward pass reads noise, whose float rounding the tolerance must carry: the
     * forward noise itself (the families that cannot be given D: ST-GS, GS) or K conditional
     * draws (Gumbel-Rao).
     */
    public boolean noisy() {
      return !conditionable() || family.parameter() == Parameter.DRAWS_K;
    }

    /**
     * How much wider than {@link TestData#rtol(BackendKind, float)} and
     * {@link TestData#floor(BackendKind, float)} the comparison of row {@code row} with the
     * double-precision oracle must be: for an estimator whose backward pass reads noise or a
     * tempered softmax, the spread of the row's finite logits over 8 (at least 1); 1 for the
     * others. The float rounding of a (noisy) logit difference is 2^-24 of the row's spread, not of
     * the gradient (the kernels work relative to the row), amplified by 1 / tau; on a wide row
     * the gradient is small against the terms its formula subtracts. The base tolerance covers a
     * spread of about 8 (FuzzTest widens it likewise, by more).
     */
    public double conditioning(float[] logits, int row) {
      if (!noisy() && !tempered()) return 1;
      double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < arity; j++) {
        float x = logits[row * arity + j];
        if (x == Float.NEGATIVE_INFINITY) continue;
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
      return hi > lo ? Math.max(1, (hi - lo) / 8) : 1;
    }

    /** The temperature its float rounding is amplified by: tau, or 1 for an untempered one. */
    public float toleranceTau() {
      return tempered() ? tau : 1f;
    }

    /** Elements of the forward values: draws * rows * arity. */
    public int valuesLength(int rows) {
      return draws() * rows * arity;
    }

    /**
     * Elements of the backward input: the upstream (rows * arity), losses (draws * rows) or loss
     * table (draws * rows * arity).
     */
    public int inputLength(int rows) {
      return pathwise() ? rows * arity : lossTable() ? draws() * rows * arity : draws() * rows;
    }

    /** The name of the backward pass's input in its error messages. */
    public String inputName() {
      return pathwise() ? "upstream" : lossTable() ? "lossTable" : "losses";
    }

    /** The backward input's elements per row and draw: arity for a loss table, else 1. */
    public int inputWidth() {
      return lossTable() ? arity : 1;
    }

    /** Elements of D: draws * rows. */
    public int choicesLength(int rows) {
      return draws() * rows;
    }

    /** Logits ~ scale * N(0, 1); a categorical family's classes masked with rate maskRate. */
    public float[] logits(SplittableRandom rnd, int rows, double scale, double maskRate) {
      return TestData.logits(rnd, rows, arity, scale, binary() ? 0 : maskRate);
    }

    /** A backward input ~ N(0, 1) of the right layout. */
    public float[] input(SplittableRandom rnd, int rows) {
      return TestData.gaussian(rnd, inputLength(rows));
    }

    /**
     * A valid D of every draw ([draw][row]): a class that is not masked, or for a binary family
     * an outcome its logit allows (0 or 1; not 0 at +Infinity, not 1 at -Infinity).
     */
    public int[] choices(SplittableRandom rnd, float[] logits, int rows) {
      int[] d = new int[choicesLength(rows)];
      for (int i = 0; i < d.length; i++) {
        int r = i % rows;
        if (binary()) {
          do {
            d[i] = rnd.nextInt(2);
          } while (logits[r] == (d[i] == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY));
        } else {
          do {
            d[i] = rnd.nextInt(arity);
          } while (logits[r * arity + d[i]] == Float.NEGATIVE_INFINITY);
        }
      }
      return d;
    }

    /** Forward (values written), then backward with {@code input}, with a new estimator. */
    public Step step(Backend gr, float[] logits, int rows, NoiseKey key, float[] input) {
      Estimator est = estimator();
      float[] values = new float[valuesLength(rows)], grad = new float[rows * arity];
      Sample s = est.forward(gr, logits, rows, arity, key, values);
      backward(est, s, input, grad);
      return new Step(s, values, grad);
    }

    /** The sample at the given D, then backward with {@code input}, with a new estimator. */
    public Step given(Backend gr, float[] logits, int rows, NoiseKey key, int[] d,
        float[] input) {
      Estimator est = estimator();
      float[] grad = new float[rows * arity];
      Sample s = est.given(gr, logits, rows, arity, key, d);
      backward(est, s, input, grad);
      return new Step(s, null, grad);
    }

    @Override
    public String toString() {
      return (tempered() ? name() + "(tau=" + tau + ")" : name()) + " arity " + arity;
    }
  }
}
