package dev.gumbelrao.toy;

import dev.gumbelrao.Estimator;
import dev.gumbelrao.Estimators;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An estimator compared in the toy experiment: every one of the library's estimators that
 * applies to a 3-class variable. The binary estimators (ZGR-binary, DisARM) take one logit per
 * Bernoulli variable and do not apply (see {@link #BINARY}).
 *
 * @param name as printed: ST, ST-GS, GR-MC10, GR-MC10-total, RLOO-4, ...
 * @param kind which estimator
 * @param samples K for Gumbel-Rao, S for RLOO, 1 otherwise
 */
public record ToyEstimator(String name, Kind kind, int samples) {
  /** The estimators, in the order the tables and the PNGs show them. */
  public enum Kind {
    ST("st"),
    ST_GS("st-gs"),
    /** The relaxed Gumbel-Softmax: f is evaluated at the soft y; opt-in, marked. */
    GS("gs"),
    GUMBEL_RAO("gr"),
    /** Gumbel-Rao with the total derivative through the conditional noise. */
    GUMBEL_RAO_TOTAL("gr-total"),
    ZGR("zgr"),
    REINMAX("reinmax"),
    GST_1("gst-1.0"),
    GST_P("gst-p"),
    REINFORCE("reinforce"),
    RLOO("rloo");

    /** The name --estimators takes. */
    public final String id;

    Kind(String id) {
      this.id = id;
    }

    /** The kind of an --estimators name, or null. */
    public static Kind of(String id) {
      for (Kind k : values()) {
        if (k.id.equals(id)) return k;
      }
      return null;
    }
  }

  /** The library's estimators that are binary (one logit per variable): not run here. */
  public static final List<String> BINARY = List.of("zgr-binary", "disarm");

  public static final ToyEstimator ST = new ToyEstimator("ST", Kind.ST, 1);
  public static final ToyEstimator ST_GS = new ToyEstimator("ST-GS", Kind.ST_GS, 1);
  public static final ToyEstimator GS = new ToyEstimator("GS", Kind.GS, 1);
  public static final ToyEstimator ZGR = new ToyEstimator("ZGR", Kind.ZGR, 1);
  public static final ToyEstimator REINMAX = new ToyEstimator("ReinMax", Kind.REINMAX, 1);
  public static final ToyEstimator GST_1 = new ToyEstimator("GST-1.0", Kind.GST_1, 1);
  public static final ToyEstimator GST_P = new ToyEstimator("GST-p", Kind.GST_P, 1);
  public static final ToyEstimator REINFORCE =
      new ToyEstimator("REINFORCE", Kind.REINFORCE, 1);

  public ToyEstimator {
    int min = kind == Kind.RLOO ? 2 : 1;
    if (samples < min) {
      throw new IllegalArgumentException((kind == Kind.RLOO ? "S" : "K") + " must be >= " + min
          + ", got " + samples);
    }
  }

  /** GR-MCK, the conditional noise detached (as in every public implementation). */
  public static ToyEstimator gumbelRao(int k) {
    return new ToyEstimator("GR-MC" + k, Kind.GUMBEL_RAO, k);
  }

  /** GR-MCK-total, the derivative taken through the conditional noise too (the paper's words). */
  public static ToyEstimator gumbelRaoTotal(int k) {
    return new ToyEstimator("GR-MC" + k + "-total", Kind.GUMBEL_RAO_TOTAL, k);
  }

  /** RLOO-S: S samples of each row and S evaluations of f per estimate. */
  public static ToyEstimator rloo(int s) {
    return new ToyEstimator("RLOO-" + s, Kind.RLOO, s);
  }

  /**
   * The estimators of the kinds selected, in {@link Kind}'s order: GR-MCK for each K of
   * {@code ks}, each followed by its GR-MCK-total when both are selected (so the two derivatives
   * stand next to each other), RLOO-S for each S of {@code ss}.
   */
  public static List<ToyEstimator> lineup(Set<Kind> kinds, List<Integer> ks,
      List<Integer> ss) {
    List<ToyEstimator> out = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      if (!kinds.contains(kind) || kind == Kind.GUMBEL_RAO_TOTAL) continue;
      switch (kind) {
        case ST -> out.add(ST);
        case ST_GS -> out.add(ST_GS);
        case GS -> out.add(GS);
        case GUMBEL_RAO -> {
          for (int k : ks) out.add(gumbelRao(k));
        }
        case ZGR -> out.add(ZGR);
        case REINMAX -> out.add(REINMAX);
        case GST_1 -> out.add(GST_1);
        case GST_P -> out.add(GST_P);
        case REINFORCE -> out.add(REINFORCE);
        case RLOO -> {
          for (int s : ss) out.add(rloo(s));
        }
        default -> throw new AssertionError(kind);
      }
    }
    if (kinds.contains(Kind.GUMBEL_RAO_TOTAL)) {
      for (int k : ks) {
        // next to its detached GR-MCK, or where GR would stand when that is not run
        int at = out.indexOf(gumbelRao(k));
        if (at < 0) {
          at = 0;
          while (at < out.size() && out.get(at).kind.ordinal() < Kind.GUMBEL_RAO.ordinal()) at++;
          while (at < out.size() && out.get(at).kind == Kind.GUMBEL_RAO_TOTAL) at++;
          out.add(at, gumbelRaoTotal(k));
        } else {
          out.add(at + 1, gumbelRaoTotal(k));
        }
      }
    }
    return out;
  }

  /**
   * The library's estimator at temperature tau (ignored by ZGR, REINFORCE and RLOO). REINFORCE
   * comes with a fresh running-mean baseline, which is 0 at its first backward pass: the
   * experiment makes one per call and hands it losses already centred on the exact
   * E_p[f(D)] of each grid point (see {@link ToyExperiment}).
   */
  public Estimator at(float tau) {
    switch (kind) {
      case ST:
        return Estimators.straightThrough(tau);
      case ST_GS:
        return Estimators.straightThroughGumbelSoftmax(tau);
      case GS:
        return Estimators.gumbelSoftmax(tau);
      case GUMBEL_RAO:
        return Estimators.gumbelRao(samples, tau);
      case GUMBEL_RAO_TOTAL:
        return Estimators.gumbelRao(samples, tau, Estimators.Derivative.TOTAL);
      case ZGR:
        return Estimators.zgr();
      case REINMAX:
        return Estimators.reinMax(tau);
      case GST_1:
        return Estimators.gappedStraightThrough(tau);
      case GST_P:
        return Estimators.gappedStraightThroughP(tau);
      case REINFORCE:
        return Estimators.reinforce();
      case RLOO:
        return Estimators.rloo(samples);
      default:
        throw new AssertionError(kind);
    }
  }

  /** Evaluations of f per gradient estimate: S for RLOO-S, 1 for every other estimator. */
  public int evaluations() {
    return kind == Kind.RLOO ? samples : 1;
  }

  /** Whether f is evaluated at a relaxed (soft) sample instead of a one-hot D: GS only. */
  public boolean relaxed() {
    return kind == Kind.GS;
  }

  /**
   * Whether this estimator compares with the others at equal cost to the model: one evaluation
   * of f at one hard sample per estimate. RLOO-S (S evaluations) and the relaxed GS (f at the
   * soft y) do not, and are marked in the tables.
   */
  public boolean singleEvaluation() {
    return evaluations() == 1 && !relaxed();
  }

  /** Whether the temperature enters the estimator: not for ZGR, REINFORCE and RLOO. */
  public boolean usesTau() {
    return kind != Kind.ZGR && kind != Kind.REINFORCE && kind != Kind.RLOO;
  }

  /** Whether it is a score-function estimator (it takes losses, not an upstream gradient). */
  public boolean scoreFunction() {
    return kind == Kind.REINFORCE || kind == Kind.RLOO;
  }

  /** Work of one row's estimate per class: K, S, or 1 (the progress bar counts element-samples). */
  public long work() {
    return kind == Kind.GUMBEL_RAO || kind == Kind.GUMBEL_RAO_TOTAL || kind == Kind.RLOO
        ? samples : 1;
  }
}
