package dev.gumbelrao.toy;

import dev.gumbelrao.estimators.Estimator;
import dev.gumbelrao.estimators.EstimatorFamily;
import dev.gumbelrao.estimators.Estimators;
import java.util.ArrayList;
import java.util.List;

/**
 * An estimator compared in the toy experiment: a family of the library's registry
 * ({@link Estimators#families()}) with its K or S. Every family that applies to a 3-class
 * variable runs; the binary ones (one logit per Bernoulli variable) do not apply.
 *
 * @param family the registry's row
 * @param parameter K for a family with draws, S for one with samples, 0 otherwise
 */
public record ToyEstimator(EstimatorFamily family, int parameter) {
  public ToyEstimator {
    if (family.parameter() != EstimatorFamily.Parameter.NONE
        && parameter < family.parameter().least) {
      throw new IllegalArgumentException((family.parameter() == EstimatorFamily.Parameter.DRAWS_K
          ? "K" : "S") + " must be >= " + family.parameter().least + ", got " + parameter);
    }
  }

  /** The estimator of a registry name: {@code "ReinMax"}, {@code "GR-MC10"}, {@code "RLOO-2"}. */
  public static ToyEstimator of(String name) {
    EstimatorFamily f = Estimators.family(name);
    return new ToyEstimator(f, f.parameterIn(name));
  }

  /** As printed: ST, ST-GS, GR-MC10, GR-MC10-total, RLOO-4, ... */
  public String name() {
    return family.name(parameter);
  }

  /**
   * The name --estimators takes for a family: its name in lower case, or its shortest alias
   * ({@code gr}, {@code gr-total}, {@code rloo}: the toy's own names, kept for its command line).
   */
  public static String id(EstimatorFamily family) {
    if (family.parameter() == EstimatorFamily.Parameter.NONE) return family.id();
    String shortest = family.aliases().get(0);
    for (String a : family.aliases()) if (a.length() < shortest.length()) shortest = a;
    return shortest;
  }

  /**
   * The registry's families that apply to the toy's 3-class variable: not the binary ones, and
   * not the loss-table ones (IndeCateR), which on a loss of one variable evaluate f at every
   * class and return the exact gradient: no variance or bias to compare.
   */
  public static List<EstimatorFamily> applicable() {
    return Estimators.families().stream().filter(f -> !f.binary() && !f.lossTable()).toList();
  }

  /** Why a family the registry knows is not in {@link #applicable()}, or null. */
  public static String notApplicable(EstimatorFamily f) {
    if (f.binary()) {
      return "is a binary estimator (one logit per Bernoulli variable) and does not apply to "
          + "the 3-class toy problem";
    }
    if (f.lossTable()) {
      return "evaluates f at every class of the variable (a table of losses): on the toy's one "
          + "variable that is the exact gradient, with no variance or bias to compare";
    }
    return null;
  }

  /** The registry's binary families, which do not apply. */
  public static List<String> binary() {
    return Estimators.families().stream().filter(EstimatorFamily::binary)
        .map(ToyEstimator::id).toList();
  }

  /** {@link #binary()} as prose: "zgr-binary, disarm and arms". */
  public static String binaryList() {
    List<String> b = binary();
    return b.size() < 2 ? String.join("", b)
        : String.join(", ", b.subList(0, b.size() - 1)) + " and " + b.get(b.size() - 1);
  }

  /**
   * The estimators of the families selected, in the registry's order: every K of {@code ks} for
   * the families with draws, the families of one K next to each other (GR-MCK and GR-MCK-total
   * stand together), every S of {@code ss} for the families with samples.
   */
  public static List<ToyEstimator> lineup(List<EstimatorFamily> selected, List<Integer> ks,
      List<Integer> ss) {
    List<ToyEstimator> out = new ArrayList<>();
    List<EstimatorFamily> families = applicable();
    for (int i = 0; i < families.size(); i++) {
      EstimatorFamily f = families.get(i);
      if (f.parameter() == EstimatorFamily.Parameter.DRAWS_K) {
        // the run of consecutive families with draws, one K at a time
        int end = i;
        while (end < families.size()
            && families.get(end).parameter() == EstimatorFamily.Parameter.DRAWS_K) end++;
        for (int k : ks) {
          for (EstimatorFamily g : families.subList(i, end)) {
            if (selected.contains(g)) out.add(new ToyEstimator(g, k));
          }
        }
        i = end - 1;
      } else if (selected.contains(f)) {
        if (f.parameter() == EstimatorFamily.Parameter.SAMPLES_S) {
          for (int s : ss) out.add(new ToyEstimator(f, s));
        } else {
          out.add(new ToyEstimator(f, 0));
        }
      }
    }
    return out;
  }

  /**
   * The library's estimator at temperature tau (ignored by the untempered families). REINFORCE
   * comes with a fresh running-mean baseline, which is 0 at its first backward pass: the
   * experiment makes one per call and hands it losses already centred on the exact E_p[f(D)] of
   * each grid point (see {@link ToyExperiment}).
   */
  public Estimator at(float tau) {
    return family.make(parameter, tau);
  }

  /** Evaluations of f per gradient estimate: S for RLOO-S, 1 for every other estimator. */
  public int evaluations() {
    return family.scoreFunction() ? at(1f).draws() : 1;
  }

  /** Whether f is evaluated at a relaxed (soft) sample instead of a one-hot D: GS only. */
  public boolean relaxed() {
    return family.relaxed();
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
    return family.tempered();
  }

  /** Whether it is a score-function estimator (it takes losses, not an upstream gradient). */
  public boolean scoreFunction() {
    return family.scoreFunction();
  }

  /** Work of one row's estimate per class: K, S, or 1 (the progress bar counts element-samples). */
  public long work() {
    return Math.max(1, parameter);
  }

  /**
   * The estimator this one is a variant of, at the same K: GR-MCK for GR-MCK-total (the first
   * family with draws is the reference of the others); null for any other.
   */
  public ToyEstimator variantOf() {
    if (family.parameter() != EstimatorFamily.Parameter.DRAWS_K) return null;
    for (EstimatorFamily f : applicable()) {
      if (f.parameter() == EstimatorFamily.Parameter.DRAWS_K) {
        return f == family ? null : new ToyEstimator(f, parameter);
      }
    }
    return null;
  }
}
