package dev.gumbelrao.bench;

import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.EstimatorFamily;
import dev.gumbelrao.estimators.Estimators;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The operations the suite measures, by the names its {@code operation} parameter takes: the two
 * sampling passes (sampling with its one-hot, conditional noise) and the backward pass of every
 * family of the library's registry ({@link Estimators#families()}, named by
 * {@link EstimatorFamily#id()}), so a new estimator is measured with no edit here. Gumbel-Rao and
 * ST-GS make the main grid ({@link Run}'s operations suite); every other family's backward pass
 * runs in the estimators suite, next to them ({@link #successor}).
 */
final class Operation {
  static final Operation SAMPLE = new Operation("sample", "sample (forward, with one-hot)", null);
  static final Operation CONDITIONAL =
      new Operation("conditional", "conditional Gumbel sampling", null);
  private static final List<Operation> VALUES = values(SAMPLE, CONDITIONAL);
  static final Operation GUMBEL_RAO = of("gumbel-rao");
  static final Operation ST_GS = of("st-gs");

  /** The parameter value, as in {@code -p operation=gumbel-rao}. */
  final String id;
  /** How tables and plots name it. */
  final String title;
  /** The estimator family whose backward pass it is; null for the sampling passes. */
  final EstimatorFamily family;
  /** Whether the k parameter applies (K samples per element; RLOO: S); the others run at 1. */
  final boolean usesK;
  /** Not of the main grid (Gumbel-Rao, ST-GS, sampling): measured in the estimators suite. */
  final boolean successor;
  /** A binary estimator: one logit per variable, run at arity 1 only. */
  final boolean binary;

  private Operation(String id, String title, EstimatorFamily family) {
    this.id = id;
    this.title = title;
    this.family = family;
    this.usesK = family == null ? id.equals("conditional")
        : family.parameter() != EstimatorFamily.Parameter.NONE;
    this.successor = family != null && !id.equals("gumbel-rao") && !id.equals("st-gs");
    this.binary = family != null && family.binary();
  }

  private static List<Operation> values(Operation... sampling) {
    List<Operation> all = new ArrayList<>(List.of(sampling));
    for (EstimatorFamily f : Estimators.families()) {
      all.add(new Operation(f.id(), f.pattern().replace("<K>", "K").replace("<S>", "S")
          + " backward" + (f.parameter() == EstimatorFamily.Parameter.SAMPLES_S
          ? " (K = S draws)" : f.parameter() == EstimatorFamily.Parameter.DRAWS_N
          ? " (K = N draws)" : ""), f));
    }
    return List.copyOf(all);
  }

  /** Every operation: the sampling passes, then the registry's families in its order. */
  static List<Operation> values() {
    return VALUES;
  }

  /** Whether each element's work is K samples (element-samples = rows x arity x K). */
  boolean perK() {
    return family == null ? usesK : family.parameter() == EstimatorFamily.Parameter.DRAWS_K;
  }

  /** Whether the operation is an estimator's backward pass (the others are sampling passes). */
  boolean backward() {
    return family != null;
  }

  /** Whether its backward pass takes losses (score function) instead of an upstream gradient. */
  boolean scoreFunction() {
    return family != null && family.scoreFunction();
  }

  /** Whether its backward pass takes a table of losses (IndeCateR). */
  boolean lossTable() {
    return family != null && family.lossTable();
  }

  /** Whether its k is N, the draws of each row of a loss-table estimator (at least 1). */
  boolean drawsN() {
    return family != null && family.parameter() == EstimatorFamily.Parameter.DRAWS_N;
  }

  /** Whether its k is S, the draws of each row (at least 2). */
  boolean samplesS() {
    return family != null && family.parameter() == EstimatorFamily.Parameter.SAMPLES_S;
  }

  /** Whether the temperature enters it. */
  boolean tempered() {
    return family != null && family.tempered();
  }

  /** The library's estimator whose backward pass this operation is, at K (RLOO: S) and tau. */
  Estimator estimator(int k, float tau) {
    if (family == null) throw new IllegalArgumentException(id + " is not an estimator's backward pass");
    return family.make(k, tau);
  }

  static Operation of(String id) {
    for (Operation op : VALUES) {
      if (op.id.equals(id)) return op;
    }
    throw new IllegalArgumentException("unknown operation '" + id + "'; known: " + ids());
  }

  static String ids() {
    return VALUES.stream().map(op -> op.id).collect(Collectors.joining(","));
  }

  @Override
  public String toString() {
    return id;
  }
}
