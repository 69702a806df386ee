package dev.gumbelrao.estimators;

import java.util.List;
import java.util.Locale;

/**
 * One family of the registry ({@link Estimators#families()}): how its estimators are named
 * ({@code GR-MC<K>}, {@code RLOO-<S>}, {@code ST-GS}), made and described. The command line, the
 * experiments, the benchmarks and the tests read these rows, so a new estimator reaches all of
 * them from its one row.
 */
public final class EstimatorFamily {
  /** The integer a family's names carry, if any. */
  public enum Parameter {
    /** the name carries none: ST, ZGR, ... */
    NONE(0),
    /** K, the conditional draws per row of Gumbel-Rao (at least 1): GR-MC100 */
    DRAWS_K(1),
    /** S, the samples per row of a multi-sample estimator (at least 2): RLOO-4 */
    SAMPLES_S(2),
    /** N, the forward draws per row of a loss-table estimator (at least 1): IndeCateR-1 */
    DRAWS_N(1);

    /** The smallest value the parameter takes. */
    public final int least;

    Parameter(int least) {
      this.least = least;
    }

    /** The letter the paper gives it: K, S or N ("" for none). */
    public String letter() {
      return this == DRAWS_K ? "K" : this == SAMPLES_S ? "S" : this == DRAWS_N ? "N" : "";
    }
  }

  /** Makes the estimator of a parameter (ignored by {@link Parameter#NONE}) and a temperature. */
  @FunctionalInterface
  interface Factory {
    Estimator make(int parameter, float tau);
  }

  private final String prefix, suffix;
  private final Parameter parameter;
  private final boolean tempered;
  private final List<String> aliases;
  private final String source;
  private final Factory factory;

  EstimatorFamily(String prefix, Parameter parameter, String suffix, boolean tempered,
      List<String> aliases, String source, Factory factory) {
    this.prefix = prefix;
    this.parameter = parameter;
    this.suffix = suffix;
    this.tempered = tempered;
    this.aliases = aliases;
    this.source = source;
    this.factory = factory;
  }

  /** The family's name, its parameter as a placeholder: {@code GR-MC<K>-total}, {@code ST-GS}. */
  public String pattern() {
    return parameter == Parameter.NONE ? prefix
        : prefix + "<" + parameter.letter() + ">" + suffix;
  }

  /**
   * The family's name on command lines and in benchmark parameters: its name in lower case, or
   * for a family with K or S its first alias ({@code st-gs}, {@code zgr}, {@code gumbel-rao},
   * {@code rloo}).
   */
  public String id() {
    return parameter == Parameter.NONE ? prefix.toLowerCase(Locale.ROOT) : aliases.get(0);
  }

  /** The name of the family's estimator of {@code parameter}: {@code GR-MC100}. */
  public String name(int parameter) {
    return this.parameter == Parameter.NONE ? prefix : prefix + parameter + suffix;
  }

  public Parameter parameter() {
    return parameter;
  }

  /** Whether its estimators take a temperature tau (others ignore the one given). */
  public boolean tempered() {
    return tempered;
  }

  // What follows is read from one of the family's estimators, so that it is said once.

  private Drawing example() {
    return (Drawing) make(Math.max(1, parameter.least), 1f);
  }

  /** Whether its variables are binary: one logit per variable (arity 1). */
  public boolean binary() {
    return example().kind().binary();
  }

  /** Whether its backward pass takes losses ({@link ScoreFunctionEstimator}). */
  public boolean scoreFunction() {
    return example() instanceof ScoreFunctionEstimator;
  }

  /**
   * Whether its backward pass takes a table of losses, every row of every draw set to each of
   * its classes ({@link LossTableEstimator}).
   */
  public boolean lossTable() {
    return example() instanceof LossTableEstimator;
  }

  /** Whether its forward values are relaxed (the Gumbel-Softmax y), not one-hot samples. */
  public boolean relaxed() {
    return example().kind() == Drawing.Kind.RELAXED;
  }

  /**
   * Whether its samples can be given their D ({@link Estimator#given}): false when its backward
   * pass uses the forward noise itself, whose argmax is D (ST-GS, GS).
   */
  public boolean conditionable() {
    return example().givenApplies();
  }

  /** Other names {@link Estimators#parse} accepts for it (the command line's older names). */
  public List<String> aliases() {
    return aliases;
  }

  /** The paper it comes from. */
  public String source() {
    return source;
  }

  /**
   * Its estimator.
   *
   * @param parameter K or S ({@link #parameter()}), ignored without one
   * @param tau the temperature, finite and &gt; 0 (ignored by an untempered family)
   * @throws IllegalArgumentException when the parameter is below {@link Parameter#least} or tau
   *     is invalid
   */
  public Estimator make(int parameter, float tau) {
    if (this.parameter != Parameter.NONE && parameter < this.parameter.least) {
      throw new IllegalArgumentException(pattern() + ": " + this.parameter.letter()
          + " must be >= " + this.parameter.least + ", got " + parameter);
    }
    return factory.make(parameter, tau);
  }

  /**
   * The K or S a name of this family carries ({@code "GR-MC100"}: 100), 0 for a name without one
   * (a family without a parameter, or an alias such as {@code "gumbel-rao"}), or -1 when the name
   * is not one of this family's (case-insensitive).
   */
  public int parameterIn(String name) {
    String n = name.toUpperCase(Locale.ROOT);
    for (String alias : aliases) {
      if (n.equals(alias.toUpperCase(Locale.ROOT))) return 0;
    }
    String p = prefix.toUpperCase(Locale.ROOT), s = suffix.toUpperCase(Locale.ROOT);
    if (parameter == Parameter.NONE) return n.equals(p) ? 0 : -1;
    if (!n.startsWith(p) || !n.endsWith(s) || n.length() <= p.length() + s.length()) return -1;
    String digits = n.substring(p.length(), n.length() - s.length());
    if (!digits.chars().allMatch(Character::isDigit) || digits.length() > 9) return -1;
    return Integer.parseInt(digits);
  }

  @Override
  public String toString() {
    return pattern();
  }
}
