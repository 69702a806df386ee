package dev.gumbelrao.bench;

import dev.gumbelrao.Estimator;
import dev.gumbelrao.Estimators;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The operations the suite measures, by the names its {@code operation} parameter takes: the
 * paper's (sampling, conditional noise, Gumbel-Rao and ST-GS backward) and the later estimators'
 * backward passes ({@link #successor}), which run in their own group next to ST-GS (Run's
 * {@code successors} suite).
 */
enum Operation {
  SAMPLE("sample", "sample (forward, with one-hot)", false, false, false),
  CONDITIONAL("conditional", "conditional Gumbel sampling", true, false, false),
  GUMBEL_RAO("gumbel-rao", "Gumbel-Rao backward", true, false, false),
  ST_GS("st-gs", "ST-GS backward", false, false, false),
  GUMBEL_RAO_TOTAL("gumbel-rao-total", "Gumbel-Rao backward, total derivative", true, true,
      false),
  ZGR("zgr", "ZGR backward", false, true, false),
  REINMAX("reinmax", "ReinMax backward", false, true, false),
  GST_1("gst-1.0", "GST-1.0 backward", false, true, false),
  GST_P("gst-p", "GST-p backward", false, true, false),
  /**
   * K is RLOO's S, the draws of each row whose losses the backward pass reads; it writes one
   * gradient element per logit whatever S, so its element-samples are rows x arity.
   */
  RLOO("rloo", "RLOO-S backward (K = S draws)", true, true, false),
  ZGR_BINARY("zgr-binary", "ZGR-binary backward", false, true, true),
  /** Two losses per variable (the antithetic pair), one gradient element. */
  DISARM("disarm", "DisARM backward", false, true, true);

  /** The parameter value, as in {@code -p operation=gumbel-rao}. */
  final String id;
  /** How tables and plots name it. */
  final String title;
  /** Whether the k parameter applies (K samples per element; RLOO: S); the others run at 1. */
  final boolean usesK;
  /** A later estimator than the paper's: measured in the successors group, next to ST-GS. */
  final boolean successor;
  /** A binary estimator: one logit per variable, run at arity 1 only. */
  final boolean binary;

  Operation(String id, String title, boolean usesK, boolean successor, boolean binary) {
    this.id = id;
    this.title = title;
    this.usesK = usesK;
    this.successor = successor;
    this.binary = binary;
  }

  /** Whether each element's work is K samples (element-samples = rows x arity x K). */
  boolean perK() {
    return usesK && this != RLOO;
  }

  /** Whether the operation is an estimator's backward pass (the others are sampling passes). */
  boolean backward() {
    return this != SAMPLE && this != CONDITIONAL;
  }

  /** Whether its backward pass takes losses (score function) instead of an upstream gradient. */
  boolean scoreFunction() {
    return this == RLOO || this == DISARM;
  }

  /** The library's estimator whose backward pass this operation is, at K (RLOO: S) and tau. */
  Estimator estimator(int k, float tau) {
    switch (this) {
      case GUMBEL_RAO:
        return Estimators.gumbelRao(k, tau);
      case GUMBEL_RAO_TOTAL:
        return Estimators.gumbelRao(k, tau, Estimators.Derivative.TOTAL);
      case ST_GS:
        return Estimators.straightThroughGumbelSoftmax(tau);
      case ZGR:
        return Estimators.zgr();
      case REINMAX:
        return Estimators.reinMax(tau);
      case GST_1:
        return Estimators.gappedStraightThrough(tau);
      case GST_P:
        return Estimators.gappedStraightThroughP(tau);
      case RLOO:
        return Estimators.rloo(k);
      case ZGR_BINARY:
        return Estimators.zgrBinary();
      case DISARM:
        return Estimators.disarm();
      default:
        throw new IllegalArgumentException(id + " is not an estimator's backward pass");
    }
  }

  static Operation of(String id) {
    for (Operation op : values()) {
      if (op.id.equals(id)) return op;
    }
    throw new IllegalArgumentException("unknown operation '" + id + "'; known: " + ids());
  }

  static String ids() {
    return Arrays.stream(values()).map(op -> op.id).collect(Collectors.joining(","));
  }
}
