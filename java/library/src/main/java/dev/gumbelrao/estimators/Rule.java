package dev.gumbelrao.estimators;

import dev.gumbelrao.backends.Call;
import dev.gumbelrao.backends.Memory;

/**
 * An estimator as data: its name and parameters, how it draws its sample (a {@link Drawing.Kind}),
 * how a given D applies, and the backward call it makes: an operation of
 * {@code native/operations.txt} with its scalars. Each estimator of {@link Estimators} but
 * REINFORCE (which has state) is one such value, written there in a few lines; the forward and
 * backward passes on arrays, buffers and device memory come from {@link Drawing},
 * {@link dev.gumbelrao.estimators.Pathwise} and {@link ScoreFunction}. Two rules are equal when
 * they are the same family with the same parameters, which is what their {@link #toString()}
 * says: a sample is accepted by an equal estimator.
 */
abstract class Rule implements Drawing {
  /** The backward call of a sample already checked to be this estimator's. */
  @FunctionalInterface
  interface Backward {
    Call of(Sample s, Memory upstreamOrLosses, Memory grad);
  }

  /** What {@link Drawing#given} does with a given D. */
  enum Given {
    /** a sample at D, its D checked by the backward pass that reads it */
    CHECKED_BY_BACKWARD,
    /** a sample at D, D checked at once (the backward pass never reads it) */
    CHECKED_AT_ONCE,
    /** no sample at a given D: the backward pass needs the forward noise itself */
    NOT_APPLICABLE
  }

  private final String name;
  private final String parameters;
  private final Kind kind;
  private final int draws;
  private final float relaxedTau;
  private final Given given;
  private final Backward backward;

  private Rule(String name, String parameters, Kind kind, int draws, float relaxedTau,
      Given given, Backward backward) {
    this.name = name;
    this.parameters = parameters;
    this.kind = kind;
    this.draws = draws;
    this.relaxedTau = relaxedTau;
    this.given = given;
    this.backward = backward;
  }

  /** A pathwise estimator drawing one sample of {@code kind} per row. */
  static PathwiseEstimator pathwise(String name, String parameters, Kind kind, Given given,
      Backward backward) {
    return new PathwiseRule(name, parameters, kind, 1, Float.NaN, given, backward);
  }

  /** A pathwise estimator whose forward values are the relaxed softmax((theta + G) / tau). */
  static PathwiseEstimator relaxed(String name, float tau, Backward backward) {
    return new PathwiseRule(name, "tau=" + tau, Kind.RELAXED, 1, tau, Given.NOT_APPLICABLE,
        backward);
  }

  /** A score-function estimator drawing {@code draws} samples of {@code kind} per row. */
  static ScoreFunctionEstimator scoreFunction(String name, Kind kind, int draws,
      Backward backward) {
    return new ScoreFunctionRule(name, "", kind, draws, Float.NaN, Given.CHECKED_BY_BACKWARD,
        backward);
  }

  /** A loss-table estimator drawing {@code draws} samples of {@code kind} per row. */
  static LossTableEstimator lossTable(String name, Kind kind, int draws, Backward backward) {
    // its backward pass never reads D (the table is the caller's evaluation at D): a given D is
    // checked at once, as ST's
    return new LossTableRule(name, "", kind, draws, Float.NaN, Given.CHECKED_AT_ONCE,
        backward);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Kind kind() {
    return kind;
  }

  @Override
  public int draws() {
    return draws;
  }

  @Override
  public float relaxedTau() {
    if (kind != Kind.RELAXED) return Drawing.super.relaxedTau();
    return relaxedTau;
  }

  @Override
  public boolean givenApplies() {
    return given != Given.NOT_APPLICABLE;
  }

  @Override
  public boolean givenCheckedNow() {
    return given == Given.CHECKED_AT_ONCE;
  }

  public Call backwardCall(Sample s, Memory upstreamOrLosses, Memory grad) {
    return backward.of(s, upstreamOrLosses, grad);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rule r && r.getClass() == getClass() && r.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  @Override
  public String toString() {
    return parameters.isEmpty() ? name : name + "(" + parameters + ")";
  }

  private static final class PathwiseRule extends Rule implements Pathwise {
    PathwiseRule(String name, String parameters, Kind kind, int draws, float relaxedTau,
        Given given, Backward backward) {
      super(name, parameters, kind, draws, relaxedTau, given, backward);
    }
  }

  private static final class LossTableRule extends Rule implements LossTable {
    LossTableRule(String name, String parameters, Kind kind, int draws, float relaxedTau,
        Given given, Backward backward) {
      super(name, parameters, kind, draws, relaxedTau, given, backward);
    }
  }

  private static final class ScoreFunctionRule extends Rule implements ScoreFunction {
    ScoreFunctionRule(String name, String parameters, Kind kind, int draws, float relaxedTau,
        Given given, Backward backward) {
      super(name, parameters, kind, draws, relaxedTau, given, backward);
    }
  }
}
